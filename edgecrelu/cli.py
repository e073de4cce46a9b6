"""The ``edgecrelu`` command line: a thin Click layer over the library.

Commands live in ``edgecrelu/commands/<name>.py`` (each defines ``command``) and are imported only
when used, so ``edgecrelu --help`` and ``profile`` never import torch. User errors
(:class:`~edgecrelu.errors.EdgeCReLUError`) become one line and exit code 1, here, once.

Progress and warnings go through :mod:`logging` (one logger per module, ``edgecrelu.*``); the one
handler is set up here, by the group's ``-v`` / ``-q``, and writes each message to stderr as it is
(no level or logger name at the default level). Tables, the verdict and ``wrote ...`` lines are
results: they go to stdout with ``click.echo``.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import logging
import os
import sys

import click

from edgecrelu import __version__
from edgecrelu.errors import EdgeCReLUError

logger = logging.getLogger(__name__)

# name -> module under edgecrelu.commands; help lists the ones whose module exists.
COMMANDS = {
    "models": "models",
    "data": "data",
    "train": "train",
    "export": "export",
    "inspect": "inspect",
    "devices": "devices",
    "profile": "profile",
    "report": "report",
    "ship": "ship",
    "compare": "compare",
    "run": "run",
    "sweep": "sweep",
    "analyze": "analyze",
    "convert": "convert",
}


def _module_exists(mod: str) -> bool:
    return importlib.util.find_spec(f"edgecrelu.commands.{mod}") is not None


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name, mod in COMMANDS.items() if _module_exists(mod)]

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        mod = COMMANDS.get(name)
        if mod is None or not _module_exists(mod):
            return None
        return importlib.import_module(f"edgecrelu.commands.{mod}").command

    def invoke(self, ctx: click.Context) -> object:
        from edgecrelu import signals

        signals.install()  # SIGTERM is handled like Ctrl-C: clean-up, message, resumable
        try:
            return super().invoke(ctx)
        except EdgeCReLUError as exc:
            raise click.ClickException(str(exc)) from None
        except OSError as exc:  # a path below a file, read-only, no permission, disk full, ...
            raise click.ClickException(os_error_line(exc, ctx.invoked_subcommand)) from None
        except KeyboardInterrupt as exc:
            if _OWN_PROCESS:  # the clean-up has run: nothing may turn this exit into a kill
                signals.ignore_further()
            what = "terminated" if isinstance(exc, signals.Terminated) else "interrupted"
            click.echo(f"\n{what}; {signals.kept(exc)}", err=True)
            if _OWN_PROCESS:
                # The clean-up has run and the message is out. Leave now with the exit code: on rare
                # runs the interpreter's own shutdown still turned the exit into a kill by SIGINT (-2)
                # after this point (a flaky interrupt test), which a supervisor reads as a crash.
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(signals.exit_code(exc))
            sys.exit(signals.exit_code(exc))


def os_error_line(exc: OSError, command: str | None) -> str:
    """``train: cannot write /ro/out: Read-only file system`` -- the path and the action in one line."""
    import errno

    reading = exc.errno in (errno.ENOENT, errno.EISDIR) or exc.errno is None
    action = "read" if reading else "write"
    path = exc.filename if exc.filename is not None else "a file"
    if exc.filename2 is not None:
        path = f"{exc.filename} -> {exc.filename2}"
    why = exc.strerror or str(exc) or type(exc).__name__
    prefix = f"{command}: " if command else ""
    return f"{prefix}cannot {action} {path}: {why}"


class _EchoHandler(logging.Handler):
    """Each record to the current stderr through ``click.echo`` (flushed: a supervisor or a test
    reading the pipe sees a line when it is said; the stream is looked up per record, so Click's
    test runner captures it)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            click.echo(self.format(record), err=True)
        except Exception:  # a closed stderr must not turn a log line into a crash
            self.handleError(record)


class _Formatter(logging.Formatter):
    """The message as it is; a debug line says it is one and where it comes from."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        return f"debug {record.name}: {text}" if record.levelno < logging.INFO else text


_HANDLER = _EchoHandler()
_HANDLER.setFormatter(_Formatter("%(message)s"))


def configure_logging(verbose: int = 0, quiet: bool = False) -> None:
    """The one handler, on the root logger (third-party warnings read as before: their message alone).
    Default: edgecrelu's progress and warnings; ``quiet``: warnings and errors only; ``verbose``:
    edgecrelu's debug lines too, and at 2 the libraries' debug lines."""
    root = logging.getLogger()
    if _HANDLER not in root.handlers:
        root.addHandler(_HANDLER)
    level = logging.WARNING if quiet else logging.DEBUG if verbose else logging.INFO
    logging.getLogger("edgecrelu").setLevel(level)
    if verbose >= 2:
        root.setLevel(logging.DEBUG)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="edgecrelu")
@click.option("-v", "--verbose", count=True,
              help="More output: debug lines (-vv: the libraries' debug lines too).")
@click.option("-q", "--quiet", is_flag=True,
              help="Only warnings and errors on stderr (no progress lines); results still print on stdout.")
def cli(verbose: int, quiet: bool) -> None:
    """Is the CReLU version of our CNN worth shipping on our edge GPU, and at which precision?

    \b
    Pipeline:  train -> export (bundle) -> profile (on the target) -> report
    Whole job on the embedded defaults:  edgecrelu run
    """
    if verbose and quiet:
        raise click.UsageError("-v and -q contradict each other; give one of them")
    configure_logging(verbose, quiet)
    import platform

    logger.debug(f"edgecrelu {__version__}, Python {platform.python_version()} ({sys.executable}), "
                 f"click {importlib.metadata.version('click')}")


_OWN_PROCESS = False  # True when main() runs the process (not a CliRunner inside another program)


def main(argv: list[str] | None = None) -> None:
    global _OWN_PROCESS
    _OWN_PROCESS = True
    cli.main(args=argv, prog_name="edgecrelu")


if __name__ == "__main__":  # pragma: no cover
    main()
