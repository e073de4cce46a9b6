"""One support matrix (README "Support matrix"): the version gate, the `trt` extra and the device
profiles agree with it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from edgecrelu.backends.tensorrt.version import MIN_SUPPORTED, TrtVersion
from edgecrelu.devices import PROFILE_DIR
from edgecrelu.devices import load_device as load_profile

ROOT = Path(__file__).resolve().parents[3]
PROFILES = sorted(PROFILE_DIR.glob("*.toml"))


def test_extra_lower_bound_is_the_gate():
    text = (ROOT / "pyproject.toml").read_text()
    (bound,) = re.findall(r'"tensorrt>=([\d.]+)"', text)
    assert tuple(int(p) for p in bound.split(".")[:2]) == MIN_SUPPORTED
    assert '"cuda-python' in text  # CUDA graphs are captured with cuda-python


@pytest.mark.parametrize("version, ok", [("8.5.2", False), ("8.6.2", False), ("10.3.0", True), ("11.4.1", True)])
def test_matrix_rows(version, ok):
    assert TrtVersion.parse(version).supported is ok


def test_readme_states_the_matrix():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Support matrix", 1)[1].split("\n## ", 1)[0]
    for needle in ("JetPack 6.1", "TensorRT 10.3", "JetPack 7", "TensorRT 11", "3.10"):
        assert needle in section


@pytest.mark.parametrize("path", PROFILES, ids=lambda p: p.stem)
def test_profiles_offer_tensorrt_only_inside_the_matrix(path):
    p = load_profile(str(path))
    text = path.read_text().split("\n[", 1)[0]
    old = re.search(r"JetPack (4|5)\b|TensorRT 8\.\d", text)
    if old:
        assert "tensorrt" not in p.backends, f"{path.name} names {old.group(0)} but lists the tensorrt backend"
