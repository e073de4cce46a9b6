"""Number formatting shared by the renderers (the CSV and JSON keep raw numbers)."""

from __future__ import annotations


def ms(x: float | None) -> str:
    if x is None:
        return "—"
    if x >= 100:
        return f"{x:.0f}"
    if x >= 10:
        return f"{x:.1f}"
    if x >= 1:
        return f"{x:.2f}"
    if x >= 0.1:
        return f"{x:.3f}"
    return f"{x:.3g}"  # microsecond-scale models keep three significant digits


def num(x: float | None, digits: int = 1) -> str:
    return "—" if x is None else f"{x:,.{digits}f}"


def signed(x: float | None, digits: int = 2) -> str:
    if x is None:
        return "—"
    s = f"{x:+.{digits}f}"
    return s.replace("-", "−")


def count(n: int | None) -> str:
    if n is None:
        return "—"
    x = float(n)
    for unit, div in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(x) >= div:
            return f"{x / div:.2f}{unit}"
    return f"{x:.0f}"


def top1_ci(top1: float | None, ci: tuple | None) -> str:
    if top1 is None:
        return "—"
    if ci is None:
        return f"{top1 * 100:.2f}"
    return f"{top1 * 100:.2f} [{ci[0] * 100:.1f}–{ci[1] * 100:.1f}]"
