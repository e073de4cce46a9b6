"""Option groups shared by several commands (Datasette style: decorators)."""

from __future__ import annotations

import click
import tabulate as _tabulate

from edgecrelu.errors import EdgeCReLUError

TABLEFMTS = sorted(_tabulate.tabulate_formats)


def tablefmt_option(fn):
    return click.option(
        "--tablefmt",
        type=click.Choice(TABLEFMTS),
        default="simple",
        show_default=True,
        help="Table format for terminal output (any of tabulate's formats).",
    )(fn)


def csv_list(value: str | None, *, choices=None, what="value", cast=str) -> list | None:
    """Parse ``a,b,c``; check against ``choices``; ``None``/empty -> ``None``."""
    if value is None or str(value).strip() == "":
        return None
    items = [v.strip() for v in str(value).split(",") if v.strip()]
    out = []
    for item in items:
        try:
            v = cast(item)
        except ValueError:
            raise EdgeCReLUError(f"bad {what} '{item}'") from None
        if choices is not None and v not in choices:
            raise EdgeCReLUError(f"unknown {what} '{item}'; choose one of: {', '.join(map(str, choices))}")
        out.append(v)
    return out
