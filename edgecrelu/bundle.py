"""The deployment bundle: the contract between the torch side (export) and every target (profile).

No torch here. Layout (docs/contracts.md)::

    manifest.json
    <variant>/<form>.<precision>.onnx
    <variant>/weights.pt + arch.json      (torch backend only)
    data/calib.npz                        x (N,C,H,W) float32, preprocessed
    data/eval.npz                         x (N,C,H,W) float32, y (N,) int64
    data/shifts/<name>-<severity>.npz     x (n,C,H,W) uint8 light, y (n,): shifted eval sets (edgecrelu/shifts.py)

``manifest["files"]`` maps every relative path to its sha256; :meth:`Bundle.open` refuses a bundle
whose files do not match. Writers build in a temporary sibling directory and rename at the end, so a
failed export never leaves a directory that looks like a complete bundle.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from edgecrelu import __version__
from edgecrelu.errors import EdgeCReLUError
from edgecrelu.fileio import DirLock, make_temp_dir, read_json_object, recover_dir, replace_dir, sha256_file, utc_now
from edgecrelu.schema import manifest as schema
from edgecrelu.schema.base import check
from edgecrelu.validate import require_finite, schema_version_error

if TYPE_CHECKING:
    import numpy as np

SCHEMA_VERSION = schema.SCHEMA_VERSION
MANIFEST = "manifest.json"
KIND = schema.KIND


@dataclass(frozen=True)
class Artifact:
    """One ONNX file of the bundle: a variant in one CReLU form at one precision."""

    variant: str  # e.g. "crelu-half@4"
    form: str  # "graph", "folded", ... ("graph" for relu)
    precision: str  # fp32 | fp16 | int8
    path: str  # relative to the bundle root
    sha256: str
    info: dict  # everything else the manifest holds for it (parity, accuracy, quantization, ...)

    @classmethod
    def from_dict(cls, d: dict) -> Artifact:
        core = {k: d[k] for k in ("variant", "form", "precision", "path", "sha256")}
        rest = {k: v for k, v in d.items() if k not in core}
        return cls(info=rest, **core)


def check_manifest(m: dict, source: str) -> None:
    """The manifest against its model (:class:`edgecrelu.schema.manifest.Manifest`), then what the
    model cannot say: every path a safe relative path listed in ``files``, and each artifact's sha256
    the one ``files`` holds for it."""
    from edgecrelu.validate import is_safe_relpath, want

    typed = check(m, schema.Manifest, source, prefix="manifest ")
    files = typed.files
    for rel in files:
        want(is_safe_relpath(rel), source, "manifest files", "relative paths inside the bundle", rel)

    def listed(path, where):
        want(is_safe_relpath(path), source, where, "a relative path inside the bundle", path)
        want(path in files, source, where, "a file listed in the manifest", path)

    for split in ("eval", "calib"):
        d = getattr(typed.dataset, split)
        if d is not None:
            listed(d.path, f"manifest dataset.{split}.path")
    for i, sh in enumerate(typed.dataset.shifts or []):
        listed(sh.path, f"manifest dataset.shifts[{i}].path")
    for name, v in typed.variants.items():
        for k in ("weights", "arch"):
            if v.torch is not None and getattr(v.torch, k) is not None:
                listed(getattr(v.torch, k), f"manifest variants[{name!r}].torch.{k}")
    for i, a in enumerate(typed.artifacts):
        listed(a.path, f"manifest artifacts[{i}].path")
        want(a.sha256 == files[a.path], source, f"manifest artifacts[{i}].sha256",
             f"the sha256 that files lists for {a.path}", a.sha256)


class Bundle:
    """A bundle on disk, opened read-only. ``Bundle.open(path)`` verifies hashes by default."""

    def __init__(self, root: Path, manifest: dict):
        self.root = Path(root)
        self.manifest = manifest

    # -- opening ---------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | os.PathLike, verify: bool = True) -> Bundle:
        root = Path(path)
        mpath = root / MANIFEST
        if not root.exists():
            with contextlib.suppress(OSError):
                recover_dir(root)  # an export killed mid-commit left the old bundle aside
        if not root.exists():
            raise EdgeCReLUError(f"bundle not found: {root}")
        if not mpath.is_file():
            raise EdgeCReLUError(f"not a bundle (no {MANIFEST}): {root}")
        manifest = read_json_object(mpath, "bundle manifest")
        if manifest.get("kind") != KIND:
            raise EdgeCReLUError(f"not an edgecrelu bundle manifest: {mpath}")
        problem = schema_version_error(manifest.get("schema_version"), SCHEMA_VERSION)
        if problem:
            raise EdgeCReLUError(f"bundle {root}: {problem}")
        check_manifest(manifest, f"bundle {root}")
        bundle = cls(root, manifest)
        if verify:
            problems = bundle.verify()
            if problems:
                more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
                raise EdgeCReLUError(f"bundle {root} failed verification: {problems[0]}{more}")
        return bundle

    def verify(self, paths: Iterable[str] | None = None) -> list[str]:
        """Return one message per file that is missing or whose sha256 differs from the manifest."""
        files: dict = self.manifest.get("files", {})
        problems = []
        for rel in paths if paths is not None else sorted(files):
            want = files.get(rel)
            p = self.root / rel
            if want is None:
                problems.append(f"{rel} is not listed in the manifest")
            elif not p.is_file():
                problems.append(f"{rel} is missing")
            elif sha256_file(p) != want:
                problems.append(f"{rel} does not match its sha256 in the manifest (modified or corrupt)")
        return problems

    @property
    def manifest_sha256(self) -> str:
        return sha256_file(self.root / MANIFEST)

    # -- contents --------------------------------------------------------------------------
    @property
    def model(self) -> dict:
        return self.manifest["model"]

    @property
    def variants(self) -> dict:
        return self.manifest.get("variants", {})

    def artifacts(
        self, variants: Collection[str] | None = None, precisions: Collection[str] | None = None,
        forms: Collection[str] | None = None,
    ) -> list[Artifact]:
        out = [Artifact.from_dict(a) for a in self.manifest.get("artifacts", [])]
        if variants:
            out = [a for a in out if a.variant in variants]
        if precisions:
            out = [a for a in out if a.precision in precisions]
        if forms:
            out = [a for a in out if a.form in forms]
        return out

    def path(self, rel: str) -> Path:
        return self.root / rel

    def load_npz(self, rel: str) -> dict:
        import numpy as np

        p = self.root / rel
        try:
            with np.load(p, allow_pickle=False) as z:
                return {k: z[k] for k in z.files}
        except (OSError, ValueError) as exc:
            raise EdgeCReLUError(f"cannot read {p}: {exc}") from None

    def load_eval(self) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) of the eval split, checked: scores on NaN pixels or labels outside the model's
        classes would be numbers without meaning."""
        import numpy as np

        rel = self.manifest["dataset"]["eval"]["path"]
        d = self.load_npz(rel)
        where = f"eval data {self.root / rel}"
        if "x" not in d or "y" not in d:
            raise EdgeCReLUError(f"{where} must hold arrays 'x' and 'y'")
        x, y = d["x"], d["y"]
        shape = tuple(self.model["input_shape"])
        if x.ndim != 4 or tuple(x.shape[1:]) != shape or len(x) == 0:
            raise EdgeCReLUError(f"{where}: x must be (N >= 1, {', '.join(map(str, shape))}), got {tuple(x.shape)}")
        if not np.issubdtype(x.dtype, np.floating) or not np.isfinite(x).all():
            raise EdgeCReLUError(f"{where}: x must be finite floats (NaN, inf or {x.dtype} found)")
        if y.shape != (len(x),) or not np.issubdtype(y.dtype, np.integer):
            raise EdgeCReLUError(f"{where}: y must be {len(x)} integer labels, got {y.dtype} {tuple(y.shape)}")
        k = self.model.get("num_classes")
        if k is not None and (y.min() < 0 or y.max() >= k):
            raise EdgeCReLUError(f"{where}: labels must lie in 0..{k - 1} (the model's classes), "
                                 f"got {int(y.min())}..{int(y.max())}")
        return x, y


def check_replaceable(out: Path) -> None:
    """Refuse to replace ``out`` unless it is a bundle holding only what its manifest lists.

    ``--overwrite`` replaces a bundle, never a directory that is not one (a train run, a user's
    files) nor files kept inside a bundle (results, ``pairing.json``: docs/contracts.md), which the
    replacement would delete. Refusing, rather than moving them into the new bundle, keeps them
    where they were whatever happens to the export."""
    if not out.exists():
        return
    mpath = out / MANIFEST
    try:
        manifest = json.loads(mpath.read_text()) if mpath.is_file() else None
    except (OSError, ValueError):
        manifest = None
    if not isinstance(manifest, dict) or manifest.get("kind") != KIND:
        raise EdgeCReLUError(f"{out} is not an edgecrelu bundle (no {MANIFEST} of kind {KIND!r}); "
                             "--overwrite replaces only a bundle: choose another --out")
    listed: dict = manifest["files"] if isinstance(manifest.get("files"), dict) else {}
    ours = {str(parent) for rel in listed for parent in Path(rel).parents}  # directories the bundle made
    foreign = set()
    for top, dirs, names in os.walk(out):
        rel = Path(top).relative_to(out)
        links = [d for d in dirs if os.path.islink(os.path.join(top, d))]  # not walked into: an entry
        for name in [*names, *links]:
            r = rel / name
            if r.as_posix() != MANIFEST and r.as_posix() not in listed:
                # named by its outermost directory that is not the bundle's ("results/", not each record)
                outer = next((str(a) + "/" for a in reversed(r.parents) if str(a) not in ours), r.as_posix())
                foreign.add(outer)
    if foreign:
        shown = sorted(foreign)
        more = f" and {len(shown) - 3} more" if len(shown) > 3 else ""
        raise EdgeCReLUError(f"{out} holds files its bundle did not write ({', '.join(shown[:3])}{more}), which "
                             f"--overwrite would delete: move them out of {out} or choose another --out")


class BundleWriter:
    """Build a bundle in a temporary sibling directory; :meth:`commit` hashes, writes the manifest
    and renames it into place. Used as a context manager, an exception removes the temporary dir."""

    def __init__(self, out: str | os.PathLike, overwrite: bool = False):
        self.out = Path(out)
        if self.out.exists() and not self.out.is_dir():
            raise EdgeCReLUError(f"{self.out} exists and is not a directory; choose another --out")
        try:
            self.out.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise EdgeCReLUError(f"cannot create {self.out.parent} for the bundle: {exc.strerror or exc}") from None
        # One writer per bundle path; under the lock, what a killed writer left is recovered or removed.
        self._lock = DirLock(self.out.parent / f".{self.out.name}.lock", f"bundle {self.out}").acquire()
        try:
            recover_dir(self.out, clean_partials=True)
            if self.out.exists() and not overwrite:
                raise EdgeCReLUError(f"{self.out} already exists; choose another --out or remove it")
            check_replaceable(self.out)  # before the work: an --out that must not be replaced
            self.tmp = make_temp_dir(f".{self.out.name}.partial-", self.out.parent)  # the umask's mode, not 0700
        except OSError as exc:
            self._lock.release()
            raise EdgeCReLUError(f"cannot write the bundle {self.out}: {exc.strerror or exc}") from None
        except BaseException:
            self._lock.release()
            raise
        self.overwrite = overwrite
        self._committed = False

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            if not self._committed:
                shutil.rmtree(self.tmp, ignore_errors=True)
        finally:
            self._lock.release()
        return False

    def file(self, rel: str) -> Path:
        """Path inside the temporary bundle for ``rel`` (parent directories created)."""
        p = self.tmp / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        return p

    def write_bytes(self, rel: str, data: bytes) -> Path:
        p = self.file(rel)
        p.write_bytes(data)
        return p

    def write_json(self, rel: str, obj: Any) -> Path:
        return self.write_bytes(rel, (json.dumps(obj, indent=2, sort_keys=True) + "\n").encode())

    def commit(self, manifest: dict) -> Path:
        require_finite(manifest, f"manifest of {self.out}")  # a NaN accuracy or parity is no result
        manifest = dict(manifest)
        manifest.setdefault("schema_version", SCHEMA_VERSION)
        manifest.setdefault("kind", KIND)
        manifest.setdefault("edgecrelu_version", __version__)
        manifest.setdefault("created_utc", utc_now())
        files = {}
        for p in sorted(self.tmp.rglob("*")):
            if p.is_file() and p.name != MANIFEST:
                files[p.relative_to(self.tmp).as_posix()] = sha256_file(p)
        manifest["files"] = files
        for a in manifest.get("artifacts", []):
            a["sha256"] = files[a["path"]]
            a.setdefault("bytes", (self.tmp / a["path"]).stat().st_size)
        self.write_json(MANIFEST, manifest)
        if self.out.exists() and not self.overwrite:
            raise EdgeCReLUError(f"{self.out} already exists")
        check_replaceable(self.out)  # again: files may have been put into it during the export
        replace_dir(self.tmp, self.out)  # rename-aside: one complete bundle, old or new, at every instant
        self._committed = True
        self._lock.release()
        return self.out
