"""Build plans per TensorRT release and precision. TensorRT cannot be installed here, so versions are
plain strings (test doubles for ``tensorrt.__version__``); nothing here imports tensorrt."""

from __future__ import annotations

import pytest

from edgecrelu.backends.tensorrt.builder import BuildPlan, batch_profile, make_plan
from edgecrelu.backends.tensorrt.version import TrtVersion
from edgecrelu.devices import TrtOptions
from edgecrelu.errors import EdgeCReLUError

CHW = (1, 8, 8)
ORIN_NANO = "NVIDIA Jetson Orin Nano Engineering Reference Developer Kit Super"
AGX_ORIN = "NVIDIA Jetson AGX Orin Developer Kit"


def plan(version, precision, batches=(1, 32), batch=1, module=None, **opts) -> BuildPlan:
    return make_plan(TrtOptions(**opts), precision, version, batches=batches, batch=batch,
                     input_name="input", input_chw=CHW, module=module)


@pytest.mark.parametrize("text, triple", [
    ("8.6.2.3", (8, 6, 2)), ("10.3.0", (10, 3, 0)), ("11.4.1.post1", (11, 4, 1)), ("10.0.0b6", (10, 0, 0)),
    ("10.7", (10, 7, 0)),
])
def test_version_parse(text, triple):
    assert TrtVersion.parse(text).triple == triple


def test_version_parse_garbage_and_order():
    with pytest.raises(EdgeCReLUError, match="cannot parse TensorRT version"):
        TrtVersion.parse("trt")
    assert TrtVersion.parse("10.12.0") > TrtVersion.parse("10.3.0")  # numeric, not lexical
    assert str(TrtVersion.parse("8.6.1.6")) == "8.6.1"


# (version, precision) -> (strongly typed, explicit batch flag, precision flags)
@pytest.mark.parametrize("version, precision, typed, explicit, flags", [
    ("10.3.0", "fp32", False, False, ()),
    ("10.3.0", "fp16", False, False, ("FP16",)),
    ("10.3.0", "int8", False, False, ("INT8",)),
    ("11.4.1", "fp32", True, False, ()),
    ("11.4.1", "fp16", True, False, ()),  # FP16 comes from the FP16 ONNX
    ("11.4.1", "int8", True, False, ()),  # INT8 from the QDQ ONNX
])
def test_precision_per_version(version, precision, typed, explicit, flags):
    p = plan(version, precision)
    assert p.strongly_typed is typed
    assert p.explicit_batch_flag is explicit
    assert p.builder_flags == flags
    assert p.precision == precision and p.trt_version == version


def test_options_from_profile():
    p = plan("10.3.0", "fp16", workspace_mb=512, builder_optimization_level=5)
    assert p.workspace_bytes == 512 * 1024 * 1024
    assert p.optimization_level == 5
    assert p.dla_core == -1
    with pytest.raises(EdgeCReLUError, match="0-5"):
        plan("10.3.0", "fp16", builder_optimization_level=7)


def test_refusals():
    with pytest.raises(EdgeCReLUError, match="bf16"):
        plan("10.3.0", "bf16")
    with pytest.raises(EdgeCReLUError, match="TensorRT 8.2.1 is too old; edgecrelu needs TensorRT 10.0"):
        plan("8.2.1", "fp32")  # Jetson Nano's JetPack 4.6


@pytest.mark.parametrize("version", ["8.5.2", "8.6.2"])  # JetPack 5.1, JetPack 6.0: outside the support matrix
def test_tensorrt_8_refused(version):
    with pytest.raises(EdgeCReLUError, match=f"TensorRT {version} is too old; edgecrelu needs TensorRT 10.0"):
        plan(version, "fp16")


def test_batch_profile_covers_profiled_batches():
    assert batch_profile([1, 8, 32], 8) == (1, 8, 32)
    assert batch_profile([32, 1], 1) == (1, 1, 32)
    assert batch_profile([4], 16) == (4, 16, 16)  # the cell's batch always fits
    assert batch_profile([1, 32], 8, static=True) == (8, 8, 8)
    p = plan("10.3.0", "fp32", batches=(1, 8, 32), batch=8)
    assert p.profile.min == (1, *CHW) and p.profile.opt == (8, *CHW) and p.profile.max == (32, *CHW)
    assert p.profile.input_name == "input"


@pytest.mark.parametrize("version, module", [
    ("10.0.1", ORIN_NANO), ("10.3.0", ORIN_NANO), ("10.7.0", AGX_ORIN), ("11.4.1", AGX_ORIN),
])
def test_dla_allowed(version, module):
    p = plan(version, "int8", batches=(1, 32), batch=32, module=module, dla_core=0)
    assert p.dla_core == 0
    assert "GPU_FALLBACK" in p.builder_flags
    assert p.profile.min == p.profile.opt == p.profile.max == (32, *CHW)  # DLA: static shapes


@pytest.mark.parametrize("version, module, why", [
    ("10.8.0", AGX_ORIN, "10.8 to 11.4.0"),
    ("11.0.0", AGX_ORIN, "10.8 to 11.4.0"),
    ("11.4.0", AGX_ORIN, "10.8 to 11.4.0"),
    ("11.4.1", ORIN_NANO, "only on Jetson AGX Orin"),
    ("11.4.1", None, "only on Jetson AGX Orin"),
])
def test_dla_refused(version, module, why):
    with pytest.raises(EdgeCReLUError, match=why) as err:
        plan(version, "fp16", module=module, dla_core=0)
    assert "\n" not in str(err.value)


def test_dla_fp32_refused():
    with pytest.raises(EdgeCReLUError, match="FP16 and INT8 only"):
        plan("10.3.0", "fp32", module=AGX_ORIN, dla_core=0)


def test_key_options_are_plain_data():
    import json

    k = plan("10.3.0", "int8").key_options()
    assert json.loads(json.dumps(k)) == k
    assert k["profile"]["max"] == [32, *CHW]
