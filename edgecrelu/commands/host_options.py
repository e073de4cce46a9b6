"""``profile --host`` options and what the command does with them (the library is :mod:`edgecrelu.remote`)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from edgecrelu.errors import EdgeCReLUError

if TYPE_CHECKING:
    from edgecrelu.profiling.plan import ProfileConfig

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])  # the profile command function the options decorate

_OPTIONS = [
    click.option("--host", default=None, metavar="[USER@]HOST[:PORT]",
                 help="Profile on this board over SSH (OpenSSH: your ~/.ssh/config, agent and known_hosts; no "
                      "password is asked for): copy the bundle once, run `profile` there detached, stream its "
                      "progress, fetch the records into --out. The same command again reattaches after a dropped "
                      "connection, or continues a run that died with --resume."),
    click.option("--ssh-config", type=click.Path(dir_okay=False, path_type=str), default=None,
                 envvar="EDGECRELU_SSH_CONFIG", show_envvar=True,
                 help="ssh_config file for --host (ssh -F); default: ssh's own (~/.ssh/config)."),
    click.option("--remote-dir", default="~/.cache/edgecrelu", show_default=True,
                 help="Where the board keeps bundles (by manifest hash), runs and the --install venv."),
    click.option("--remote-edgecrelu", default=None, metavar="PATH",
                 help="The edgecrelu command on the board. Default: the --install venv, ~/.local/bin/edgecrelu, "
                      "or edgecrelu on its PATH."),
    click.option("--remote-python", default="python3", show_default=True, help="The board's Python interpreter."),
    click.option("--install", is_flag=True,
                 help="With --host: build this checkout's wheel and install it into a venv on the board (no "
                      "internet needed there when its dependencies are on it)."),
    click.option("--clean", is_flag=True,
                 help="With --host: remove the run and the bundle copy from the board once the records are fetched."),
]


def host_options(fn: F) -> F:
    for opt in reversed(_OPTIONS):
        fn = opt(fn)
    return fn


def profile_on_host(config: ProfileConfig, host: dict, tablefmt: str) -> bool:
    """Run ``config`` on ``--host`` and print the fetched records; False (nothing done) without --host."""
    for flag in ("install", "clean", "remote_edgecrelu"):
        if host.get(flag) and not host.get("host"):
            raise EdgeCReLUError(f"--{flag.replace('_', '-')} needs --host")
    if not host.get("host"):
        return False
    from edgecrelu.profiling.summary import summary_table
    from edgecrelu.remote.flow import HostOptions
    from edgecrelu.remote.flow import profile_on_host as run_on_host
    from edgecrelu.results import load_record

    opts = HostOptions(host=host["host"], ssh_config=host["ssh_config"], remote_dir=host["remote_dir"],
                       remote_edgecrelu=host["remote_edgecrelu"], remote_python=host["remote_python"],
                       install=host["install"], clean=host["clean"])
    run = run_on_host(config, opts)
    records = [load_record(p) for p in run.records]
    if records:
        click.echo(summary_table(records, tablefmt))
    logger.info(f"{len(records)} record(s) from {opts.host} in {run.out}")
    return True
