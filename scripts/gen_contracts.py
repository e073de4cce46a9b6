#!/usr/bin/env python3
"""Regenerate the schema tables of docs/contracts.md from the models in ``edgecrelu/schema/``
(tests/schema/test_gen_contracts.py fails on drift).

    python scripts/gen_contracts.py          # rewrite docs/contracts.md in place
    python scripts/gen_contracts.py --check  # exit 1 when docs/contracts.md is out of date

A field's meaning is the comment at the end of its line in the model; a model's the first line of
its docstring.
"""

from __future__ import annotations

import dataclasses
import inspect
import sys
import typing
from pathlib import Path

import msgspec

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from edgecrelu.schema import base, datacheck, manifest, pairing, profile, record, trainrun  # noqa: E402

DOC = ROOT / "docs" / "contracts.md"
START, END = "<!-- schema:start -->", "<!-- schema:end -->"
FORMATS = [  # (title, file, model module, root model)
    ("Result record", "`RESULTS/<cell key>.json`", record, record.Record),
    ("Bundle manifest", "`BUNDLE/manifest.json`", manifest, manifest.Manifest),
    ("Train run", "`runs/NAME/run.json`", trainrun, trainrun.TrainRun),
    ("Data check", "`runs/NAME/data-check.json`, `BUNDLE/data/check.json`", datacheck, datacheck.DataCheck),
    ("Pairing analysis", "`DIR/pairing.json`", pairing, pairing.Pairing),
    ("Device profile", "`profiles/<name>.toml`", profile, profile.DeviceProfile),
]


def _is_model(t) -> bool:
    return isinstance(t, type) and (issubclass(t, msgspec.Struct) or dataclasses.is_dataclass(t))


def _nested(t) -> list[type]:
    """The models a type annotation refers to, in order."""
    if _is_model(t):
        return [t]
    out = []
    for a in typing.get_args(t):
        out += [m for m in _nested(a) if m not in out]
    return out


def _comments(cls) -> dict[str, str]:
    out = {}
    for line in inspect.getsource(cls).splitlines()[1:]:
        head, _, comment = line.partition("  # ")
        name = head.strip().split(":", 1)[0]
        if line.startswith("    ") and not line.startswith("     ") and ":" in head and name.isidentifier():
            out[name] = comment.strip()
    return out


def _fields(cls) -> list[tuple[str, str, str, str]]:
    """(name on disk, type as written in the model, required or default, meaning) per field."""
    notes = _comments(cls)
    rows = []
    if dataclasses.is_dataclass(cls):
        for f in dataclasses.fields(cls):
            if f.default is not dataclasses.MISSING:
                default = f"`{f.default!r}`"
            elif f.default_factory is not dataclasses.MISSING:
                default = "table" if _is_model(f.default_factory) else f"`{f.default_factory()!r}`"
            else:
                default = "required"
            rows.append((f.name, str(f.type), default, notes.get(f.name, "")))
        return rows
    for f in msgspec.structs.fields(cls):
        default = "required" if f.required else ("" if f.default is None else f"`{f.default!r}`")
        rows.append((f.encode_name, cls.__annotations__[f.name], default, notes.get(f.name, "")))
    return rows


def _table(cls) -> list[str]:
    doc = (inspect.getdoc(cls) or "").split("\n\n")[0].replace("\n", " ")
    if dataclasses.is_dataclass(cls) and doc.startswith(cls.__name__ + "("):
        doc = ""  # the dataclass's generated signature, not words
    closed = dataclasses.is_dataclass(cls) or cls.__struct_config__.forbid_unknown_fields
    lines = [f"#### `{cls.__name__}`", ""]
    if doc or not closed:
        lines += [(doc + (" " if doc else "") + ("" if closed else "Other fields are kept unchecked.")).strip(), ""]
    lines += ["| field | type | required / default | meaning |", "|---|---|---|---|"]
    for name, typ, default, note in _fields(cls):
        lines.append(f"| `{name}` | `{typ.replace('|', '&#124;')}` | {default} | {note.replace('|', '&#124;')} |")
    return lines + [""]


def _legend() -> list[str]:
    lines = ["| type | means |", "|---|---|"]
    for name, t in vars(base).items():
        if typing.get_origin(t) is typing.Annotated or name == "AnyDict":
            _, meta, _ = base.unwrap(t)
            bounds = [f">= {meta['ge']:g}" for _ in [0] if meta.get("ge") is not None and meta["ge"] > -1e300]
            bounds += [f"<= {meta['le']:g}" for _ in [0] if meta.get("le") is not None and meta["le"] < 1e300]
            words = "any JSON object, not checked" if name == "AnyDict" else base.describe(t)
            finite = ", finite" if typing.get_args(t)[0] is float else ""
            lines.append(f"| `{name}` | {words}{finite}{' ' + ', '.join(bounds) if bounds else ''} |")
    return lines


def reference() -> str:
    parts = [START, "", "Generated from `edgecrelu/schema/` by `scripts/gen_contracts.py`; do not edit by hand. JSON "
             "formats refuse a field their model does not list (except where a table says so); a field with an "
             "empty default may be absent or null; JSON numbers are finite unless typed `float`. Types:", "", *_legend(), ""]
    for title, where, module, root in FORMATS:
        parts += [f"### {title} ({where})", "", " ".join((inspect.getdoc(module) or "").split()), ""]
        order, todo = [], [root]
        while todo:
            cls = todo.pop(0)
            if cls in order:
                continue
            order.append(cls)
            for t in typing.get_type_hints(cls, include_extras=True).values():
                todo += [m for m in _nested(t) if m not in order]
        for cls in order:
            parts += _table(cls)
    parts.append(END)
    return "\n".join(parts)


def updated(text: str) -> str:
    if START not in text or END not in text:
        raise SystemExit(f"docs/contracts.md has no {START} ... {END} section")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    return head + reference() + tail


def main(argv: list[str]) -> int:
    text = DOC.read_text()
    new = updated(text)
    if "--check" in argv:
        if new != text:
            print("docs/contracts.md schema tables are out of date; run: python scripts/gen_contracts.py")
            return 1
        return 0
    DOC.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
