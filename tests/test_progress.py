"""A worker's log lines reach the parent: prefixed on the worker's stderr, recognised by the parent."""

import subprocess
import sys

from edgecrelu.progress import PROGRESS_PREFIX, relayed

_WORKER = (
    "import logging\n"
    "from edgecrelu.progress import relay_to_parent\n"
    "relay_to_parent()\n"
    "log = logging.getLogger('edgecrelu.backends.tensorrt.loader')\n"
    "log.debug('not for the user')\n"
    "log.info('building TensorRT engine')\n"
    "log.warning('two\\nlines')\n"
    "print('plain output stays in the trial log')\n"
)


def test_worker_lines_are_prefixed_and_relayed():
    out = subprocess.run([sys.executable, "-c", _WORKER], capture_output=True, text=True, check=True)
    said = [relayed(line) for line in out.stderr.splitlines()]
    assert said == ["building TensorRT engine", "two", "lines"]
    assert relayed("plain output stays in the trial log") is None
    assert relayed(PROGRESS_PREFIX + "x \n") == "x"
