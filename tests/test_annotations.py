"""Every public function of the package is annotated (issue 23): module-level functions and methods of
public classes without a leading underscore carry a type on every parameter but self/cls, and a return
type, so mypy (scripts/test.sh) checks their bodies and their callers."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "edgecrelu"


def _missing(fn: ast.FunctionDef | ast.AsyncFunctionDef, method: bool) -> list[str]:
    a = fn.args
    params = a.posonlyargs + a.args + a.kwonlyargs
    if method and params and params[0].arg in ("self", "cls"):
        params = params[1:]
    bad = [p.arg for p in params if p.annotation is None]
    bad += ["*" + x.arg for x in (a.vararg, a.kwarg) if x is not None and x.annotation is None]
    return bad + (["return"] if fn.returns is None else [])


def unannotated(root: Path = PACKAGE) -> list[str]:
    out = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.parse(path.read_text()).body:
            method = isinstance(node, ast.ClassDef) and not node.name.startswith("_")
            for fn in node.body if method else [node]:
                if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef) and not fn.name.startswith("_"):
                    bad = _missing(fn, method)
                    if bad:
                        out.append(f"{path.relative_to(root.parent)}:{fn.lineno}: {fn.name} ({', '.join(bad)})")
    return out


def test_every_public_function_is_annotated():
    assert unannotated() == []


def test_the_check_finds_a_missing_annotation(tmp_path):
    (tmp_path / "m.py").write_text("def f(x: int): ...\nclass C:\n    def g(self, y) -> None: ...\n"
                                   "def _private(z): ...\n")
    assert unannotated(tmp_path) == [f"{tmp_path.name}/m.py:1: f (return)", f"{tmp_path.name}/m.py:3: g (y)"]
