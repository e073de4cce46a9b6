"""Killing a bundle commit (``export --overwrite``'s last step) at each of its steps leaves one
complete bundle, old or new, and the next writer cleans up what the killed one left.

The commit runs in a child process that sends itself the signal just before (or after) the Nth file
system step of :func:`edgecrelu.fileio.replace_dir`: SIGKILL (nothing runs after it), SIGTERM and
SIGINT (handled: held off until the commit is over).
"""

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from edgecrelu.bundle import Bundle, BundleWriter

CHILD = textwrap.dedent("""
    import os, shutil, signal, sys
    import numpy as np
    from edgecrelu import signals
    from edgecrelu.bundle import BundleWriter

    out, tag, step, sig = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    signals.install()
    calls = [0]

    def hook(name, real):
        def f(*a, **k):
            calls[0] += 1
            if calls[0] == step:
                os.kill(os.getpid(), sig)
            return real(*a, **k)
        return f

    def write(w):
        w.write_bytes("relu/graph.fp32.onnx", tag.encode())
        np.savez(w.file("data/eval.npz"), x=np.zeros((2, 1, 4, 4), np.float32), y=np.array([0, 1]))
        return {"model": {"arch": tag, "input_shape": [1, 4, 4]},
                "dataset": {"eval": {"path": "data/eval.npz"}},
                "variants": {"relu": {}},
                "artifacts": [{"variant": "relu", "form": "graph", "precision": "fp32",
                               "path": "relu/graph.fp32.onnx"}]}

    with BundleWriter(out, overwrite=True) as w:
        m = write(w)
        os.rename = hook("rename", os.rename)       # steps 1, 2: aside, new -> dest
        shutil.rmtree = hook("rmtree", shutil.rmtree)  # step 3: remove the aside
        w.commit(m)
    if step == 4:
        os.kill(os.getpid(), sig)
""")


def _write(out: Path, tag: str) -> None:
    with BundleWriter(out, overwrite=True) as w:
        w.write_bytes("relu/graph.fp32.onnx", tag.encode())
        import numpy as np
        np.savez(w.file("data/eval.npz"), x=np.zeros((2, 1, 4, 4), np.float32), y=np.array([0, 1]))
        w.commit({"model": {"arch": tag, "input_shape": [1, 4, 4]}, "dataset": {"eval": {"path": "data/eval.npz"}},
                  "variants": {"relu": {}},
                  "artifacts": [{"variant": "relu", "form": "graph", "precision": "fp32",
                                 "path": "relu/graph.fp32.onnx"}]})


def _leftovers(parent: Path, name: str) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(f".{name}."))


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT], ids=["KILL", "TERM", "INT"])
@pytest.mark.parametrize("step", [1, 2, 3, 4], ids=["before-aside", "before-rename", "before-remove", "after"])
def test_killed_commit_leaves_one_complete_bundle(tmp_path, step, sig):
    out = tmp_path / "bundle"
    _write(out, "old")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(Path(__file__).resolve().parents[2]),
                                                      os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, "-c", CHILD, str(out), "new", str(step), str(int(sig))],
                          capture_output=True, text=True, timeout=60, env=env)
    assert proc.returncode != 0, proc.stderr  # it was killed or interrupted
    b = Bundle.open(out)  # recovers an interrupted commit; verifies every file's sha256
    tag = b.model["arch"]
    assert tag in ("old", "new")
    assert (out / "relu/graph.fp32.onnx").read_bytes() == tag.encode()
    if sig != signal.SIGKILL:  # a handled signal waits until the commit is over: the new bundle
        assert tag == "new", proc.stderr
    _write(out, "next")  # the next export cleans what the killed one left
    assert Bundle.open(out).model["arch"] == "next"
    assert _leftovers(tmp_path, "bundle") == []


def test_second_writer_is_refused_while_one_writes(tmp_path):
    from edgecrelu.errors import EdgeCReLUError

    with BundleWriter(tmp_path / "b"), pytest.raises(EdgeCReLUError, match="in use by another edgecrelu process"):
        BundleWriter(tmp_path / "b", overwrite=True)
    BundleWriter(tmp_path / "b").__exit__(None, None, None)  # the lock is free again
