"""``profile --host``: the steps of :mod:`edgecrelu.remote` in order (connect, check, copy + verify,
profile, fetch), each failing with one line that names the host and the step."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from edgecrelu import __version__
from edgecrelu.bundle import Bundle
from edgecrelu.errors import EdgeCReLUError
from edgecrelu.fileio import DirLock, atomic_write_json, writing
from edgecrelu.remote import board as boardmod
from edgecrelu.remote.job import EXIT, INTERRUPTED, RESULTS, Job, ProfileOptions, profile_argv, run_key
from edgecrelu.remote.ssh import RemoteError, Ssh, Target
from edgecrelu.remote.transfer import fetch_records, push, sync_bundle

logger = logging.getLogger(__name__)

MARKER = ".remote.json"  # in the local --out: which board run its records come from (hidden: not a record)


@dataclass(frozen=True)
class HostOptions:
    host: str  # [user@]host[:port] or an ~/.ssh/config alias
    ssh_config: str | None = None  # ssh -F FILE (default: $EDGECRELU_SSH_CONFIG, else ssh's own)
    remote_dir: str = boardmod.DEFAULT_ROOT
    remote_edgecrelu: str | None = None  # the edgecrelu command on the board (default: found there)
    remote_python: str = "python3"
    install: bool = False
    clean: bool = False


@dataclass
class HostRun:
    out: Path
    records: list = field(default_factory=list)  # local record files
    copied: list = field(default_factory=list)  # bundle files copied this time
    remote_results: str = ""
    started: bool = False  # a profile was started (or continued) by this command
    failure: str | None = None  # the board's profile ended with an error (records fetched anyway)


def _backends(config) -> list[str]:
    if config.backends:
        return list(config.backends)
    from edgecrelu.devices import load_device

    return list(load_device(config.device).backends[:1])


def _check_out(out: Path, key: str, resume: bool) -> None:
    """A local --out already holding records is this board run's (its marker), or refused as a local
    ``profile`` refuses it, unless --resume."""
    if not out.is_dir() or resume:
        return
    records = [p for p in out.glob("*.json") if not p.name.startswith(".")]
    if not records:
        return
    try:
        mark = json.loads((out / MARKER).read_text())
    except (OSError, ValueError):
        mark = {}
    if mark.get("run_key") != key:
        raise EdgeCReLUError(f"{out} already has records (not of this board run); choose another --out, or pass "
                             "--resume to add this run's records to them")


def profile_on_host(config: ProfileOptions, opts: HostOptions) -> HostRun:
    """Run ``config`` (a ``ProfileConfig``) on the board ``opts.host``; the records land in ``config.out``."""
    target = Target.parse(opts.host)
    bundle = Bundle.open(config.bundle)  # verified here before anything travels
    out = Path(config.out)
    device_file = Path(config.device) if Path(config.device).is_file() else None
    backends = _backends(config)
    with DirLock(out.parent / f".{out.name}.lock", f"results directory {out}"), Ssh(target, opts.ssh_config) as ssh:
        logger.info(f"connecting to {target.label}")
        ssh.connect()
        board = boardmod.locate(ssh, opts.remote_dir, opts.remote_python, opts.remote_edgecrelu)
        pyver = boardmod.check_python(ssh, board)
        if opts.install:
            board = boardmod.install(ssh, board, lambda s, step, root, rels, dest: push(s, step, root, rels, dest,
                                                                                       board))
        boardmod.check_version(ssh, board)
        boardmod.check_modules(ssh, board, backends)
        logger.info(f"{target.label}: python {pyver}, edgecrelu {__version__} ({board.edgecrelu}), "
                    f"{', '.join(backends)}")
        remote_bundle, copied = sync_bundle(ssh, board, bundle)
        device = config.device
        key_args = profile_argv(config, device_file.name if device_file else device)
        key = run_key(bundle.manifest_sha256, key_args, str(out.resolve()))
        _check_out(out, key, config.resume)
        job = Job(ssh, board, board.path("runs", key))
        if device_file is not None:  # a profile TOML of this machine travels with the run
            push(ssh, "copy", device_file.parent, [device_file.name], job.dir, board)
            device = job.path(device_file.name)
        argv = profile_argv(config, device)
        run = HostRun(out, copied=copied, remote_results=job.path(RESULTS))
        _drive(job, remote_bundle, argv, config.resume, run)
        with writing("results", out):
            run.records = fetch_records(ssh, board, job.path(RESULTS), out)
            atomic_write_json(out / MARKER, {"host": target.label, "run_key": key, "remote_run": job.dir,
                                             "remote_bundle": remote_bundle})
        logger.info(f"fetched {len(run.records)} record(s) from {target.label}:{job.path(RESULTS)} into {out}")
        if run.failure:
            raise RemoteError(target.label, "profile", f"the profile on the board failed: {run.failure} "
                              f"(its {len(run.records)} record(s) are fetched into {out}; log: {job.path('profile.log')})")
        if opts.clean:
            job.remove(job.dir, remote_bundle)
            logger.info(f"removed {job.dir} and {remote_bundle} from {target.label}")
        return run


def _drive(job: Job, remote_bundle: str, argv: list[str], resume: bool, run: HostRun) -> None:
    """Start, reattach or continue the board's run, and follow it to its end."""
    label = job.ssh.target.label
    state = job.state()
    if state.kind == "running":
        logger.info(f"reattaching to the profile running on {label} (pid {state.pid})")
        job.follow(int(state.pid or 0), None)
    elif state.kind == "exited" and state.code == 0 and not resume:
        logger.info(f"the profile on {label} has finished ({job.dir}); fetching its records")
    else:
        if state.kind == "none":
            cont = resume
        else:
            why = {"dead": "stopped without an exit status (killed, or the board restarted)",
                   "exited": f"ended with status {state.code}"}[state.kind]
            if state.kind == "exited" and state.code == 0:
                why = "has finished; --resume given"
            logger.info(f"the profile on {label} {why}: continuing it with --resume")
            cont = True
        pid, lines = job.start(remote_bundle, argv, cont)
        run.started = True
        logger.info(f"started the profile on {label} (pid {pid}, log {job.path('profile.log')})")
        job.follow(pid, lines)
    state = job.state()
    if state.kind == "running":  # the log's follower ended first: go on following
        job.follow(int(state.pid or 0), None, tail_lines=0)
        state = job.state()
    if state.kind != "exited":
        raise RemoteError(label, "profile", f"the profile on the board stopped without an exit status ({EXIT} "
                          f"missing in {job.dir}): the same command again continues it with --resume")
    if state.code != 0:
        if state.code in INTERRUPTED:
            raise RemoteError(label, "profile", f"the profile on the board was interrupted (status {state.code}): "
                              "the same command again continues it with --resume")
        run.failure = job.last_log_line()
