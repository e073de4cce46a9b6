#!/usr/bin/env python3
"""Regenerate the CLI reference in README.md from ``--help`` (tests/test_readme.py fails on drift).

    python scripts/gen_cli_reference.py          # rewrite README.md in place
    python scripts/gen_cli_reference.py --check  # exit 1 when README.md is out of date
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from click.testing import CliRunner

from edgecrelu.cli import cli

README = Path(__file__).resolve().parents[1] / "README.md"
START, END = "<!-- cli-reference:start -->", "<!-- cli-reference:end -->"
WIDTH = 100  # fixed so the text does not depend on the terminal it was generated in


def _help(args: list[str]) -> str:
    r = CliRunner().invoke(cli, args + ["--help"], terminal_width=WIDTH, prog_name="edgecrelu")
    if r.exit_code != 0:
        raise SystemExit(f"edgecrelu {' '.join(args)} --help failed:\n{r.output}")
    return r.output.rstrip()


def reference() -> str:
    parts = [START, "", "Generated from `--help` by `scripts/gen_cli_reference.py`; do not edit by hand.", ""]
    commands: list[list[str]] = [[]]
    for name in cli.list_commands(None):
        commands.append([name])
        group = cli.get_command(None, name)
        if isinstance(group, click.Group):  # `edgecrelu data check`: each subcommand's own help
            commands += [[name, sub] for sub in group.list_commands(None)]
    for args in commands:
        title = " ".join(["edgecrelu", *args])
        parts += [f"### `{title}`", "", "```text", _help(args), "```", ""]
    parts.append(END)
    return "\n".join(parts)


def updated(text: str) -> str:
    if START not in text or END not in text:
        raise SystemExit(f"README.md has no {START} ... {END} section")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    return head + reference() + tail


def main(argv: list[str]) -> int:
    text = README.read_text()
    new = updated(text)
    if "--check" in argv:
        if new != text:
            print("README.md CLI reference is out of date; run: python scripts/gen_cli_reference.py")
            return 1
        return 0
    README.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
