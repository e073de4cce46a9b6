"""The ``edgecrelu`` command line: a thin Click layer over the library.

Commands live in ``edgecrelu/commands/<name>.py`` (each defines ``command``) and are imported only
when used, so ``edgecrelu --help`` and ``profile`` never import torch. User errors
(:class:`~edgecrelu.errors.EdgeCReLUError`) become one line and exit code 1, here, once.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys

import click

from edgecrelu import __version__
from edgecrelu.errors import EdgeCReLUError

# name -> module under edgecrelu.commands; help lists the ones whose module exists.
COMMANDS = {
    "models": "models",
    "train": "train",
    "export": "export",
    "inspect": "inspect",
    "devices": "devices",
    "profile": "profile",
    "report": "report",
    "run": "run",
}


def _module_exists(mod: str) -> bool:
    return importlib.util.find_spec(f"edgecrelu.commands.{mod}") is not None


class LazyGroup(click.Group):
    def list_commands(self, ctx):
        return [name for name, mod in COMMANDS.items() if _module_exists(mod)]

    def get_command(self, ctx, name):
        mod = COMMANDS.get(name)
        if mod is None or not _module_exists(mod):
            return None
        return importlib.import_module(f"edgecrelu.commands.{mod}").command

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except EdgeCReLUError as exc:
            raise click.ClickException(str(exc)) from None
        except KeyboardInterrupt:
            click.echo("\ninterrupted; results already written are kept", err=True)
            sys.exit(130)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="edgecrelu")
def cli():
    """Is the CReLU version of our CNN worth shipping on our edge GPU, and at which precision?

    \b
    Pipeline:  train -> export (bundle) -> profile (on the target) -> report
    Whole job on the embedded defaults:  edgecrelu run
    """


def main(argv=None):
    cli.main(args=argv, prog_name="edgecrelu")


if __name__ == "__main__":  # pragma: no cover
    main()
