"""A worker that stops itself (SIGSTOP) before doing anything: what a worker stopped by a debugger,
a job-control signal or a hung driver call looks like to ``launch.run_worker`` (``test_one_writer.py``).
Run as ``python -m tests.robustness.stopped_worker TASK``."""

import os
import signal

if __name__ == "__main__":
    print("stopping now", flush=True)
    os.kill(os.getpid(), signal.SIGSTOP)
