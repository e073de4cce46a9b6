"""``edgecrelu devices``: list the built-in device profiles, or check and show one (name or path)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import click

from edgecrelu.commands.options import tablefmt_option

if TYPE_CHECKING:
    from edgecrelu.devices import DeviceProfile


def device_rows(profiles: Iterable[DeviceProfile]) -> list[list]:
    return [[p.name, ", ".join(p.backends), ", ".join(p.precisions), ", ".join(map(str, p.batch_sizes)),
             p.power.source, p.description] for p in profiles]


def _fmt(value):
    return ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else value


def profile_rows(profile: DeviceProfile) -> list[list]:
    """``key = value`` rows of one profile, sections flattened as ``section.key``."""
    rows = []
    for key, value in profile.to_dict().items():
        if isinstance(value, dict):
            rows += [[f"{key}.{k}", _fmt(v)] for k, v in value.items()]
        else:
            rows.append([key, _fmt(value)])
    return rows


@click.command("devices")
@click.argument("device", required=False)
@tablefmt_option
def command(device: str | None, tablefmt: str) -> None:
    """List built-in device profiles; with DEVICE (a name or a path to a TOML), check it and show it.

    \b
    Copy a built-in profile to edit it:  edgecrelu devices cpu  (shows the path it was loaded from)
    """
    from tabulate import tabulate

    from edgecrelu.devices import builtin_names, load_device

    if device:
        click.echo(tabulate(profile_rows(load_device(device)), headers=["key", "value"], tablefmt=tablefmt,
                            disable_numparse=True))
        return
    profiles = [load_device(n) for n in builtin_names()]
    click.echo(tabulate(device_rows(profiles), headers=["name", "backends", "precisions", "batch", "power",
                                                        "description"], tablefmt=tablefmt, disable_numparse=True))
