"""The built-in device profiles: real settings, and bad profiles rejected with the key named."""

import shutil

import pytest

from edgecrelu.devices import PROFILE_DIR, builtin_names, load_device
from edgecrelu.errors import EdgeCReLUError

JETSONS = ("jetson-orin-nano", "jetson-agx-orin", "jetson-xavier-nx", "jetson-thor", "jetson-nano")


def test_all_builtins_load():
    names = builtin_names()
    for n in ("cpu", "desktop-gpu", *JETSONS):
        assert n in names
        p = load_device(n)
        assert p.name == n and p.description and p.decision.objective


def test_gpu_profiles_prefer_tensorrt_and_jetsons_measure_power():
    assert load_device("desktop-gpu").backends[0] == "tensorrt"
    for n in JETSONS:
        p = load_device(n)
        # JetPack 4 (Nano) and 5 (Xavier NX) ship TensorRT 8.2 / 8.5, below the 10.0 the backend needs
        assert p.backends == ("onnxruntime",) if n in ("jetson-nano", "jetson-xavier-nx") else (  # below TensorRT 10
            p.backends[0] == "tensorrt" and "onnxruntime" in p.backends)
        assert p.jetson and p.power.source == "tegrastats"
    assert load_device("cpu").power.source == "none"


def test_dla_cores_per_module():
    assert {n: load_device(n).dla_cores for n in JETSONS} == {
        "jetson-orin-nano": 0, "jetson-agx-orin": 2, "jetson-xavier-nx": 2, "jetson-thor": 0, "jetson-nano": 0}


def test_jetson_nano_has_no_int8():
    p = load_device("jetson-nano")
    assert p.int8 is False and "int8" not in p.precisions
    with pytest.raises(EdgeCReLUError, match="no INT8 support"):
        p.check_precision("int8")
    p.check_precision("fp16")


def _write(tmp_path, text):
    p = tmp_path / "p.toml"
    p.write_text('name = "x"\nbackends = ["onnxruntime"]\nprecisions = ["fp32"]\nbatch_sizes = [1]\n' + text)
    return p


@pytest.mark.parametrize("text, match", [
    ("colour = 1\n", "unknown key 'colour'"),
    ("[timing]\nwarmup = 1\n", "unknown key 'timing.warmup'"),
    ("[timing]\ntrials = \"3\"\n", "timing.trials must be an integer"),
    ("[tensorrt]\ndla_core = 0\n", "tensorrt.dla_core"),
    ("[power]\nsource = \"ina219\"\n", "power.source"),
    ("[decision]\nobjective = \"vibes\"\n", "decision.objective"),
    ("int8 = false\n", "int8"),  # precisions fp32 only: fine ...
])
def test_bad_profiles_name_the_key(tmp_path, text, match):
    p = _write(tmp_path, text)
    if text == "int8 = false\n":
        assert load_device(p).int8 is False  # ... int8 = false without int8 precision is valid
        return
    with pytest.raises(EdgeCReLUError, match=match):
        load_device(p)


def test_int8_precision_on_an_int8_less_device_is_rejected(tmp_path):
    p = tmp_path / "p.toml"
    p.write_text('name = "x"\nbackends = ["onnxruntime"]\nprecisions = ["fp32", "int8"]\nbatch_sizes = [1]\n'
                 'int8 = false\n')
    with pytest.raises(EdgeCReLUError, match="int8"):
        load_device(p)


def test_user_copy_by_path(tmp_path):
    dst = tmp_path / "my-orin.toml"
    shutil.copy(PROFILE_DIR / "jetson-orin-nano.toml", dst)
    p = load_device(str(dst))
    assert p.name == "jetson-orin-nano" and p.path == str(dst)
    with pytest.raises(EdgeCReLUError, match="unknown device 'orin'"):
        load_device("orin")
    with pytest.raises(EdgeCReLUError, match="not found"):
        load_device(str(tmp_path / "missing.toml"))


def test_builtins_live_in_the_top_level_profiles_folder_and_setup_ships_them():
    """The repository keeps the profiles in profiles/; setup.py installs that folder as
    edgecrelu/profiles (checked by hand with `pip install .` into a fresh venv: `edgecrelu devices`
    lists all of them), which devices.py prefers when it exists."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    on_disk = sorted(p.stem for p in (root / "profiles").glob("*.toml"))
    assert on_disk and set(on_disk) <= set(builtin_names())
    if not (root / "edgecrelu" / "profiles").is_dir():  # a source checkout, not an installed copy
        assert PROFILE_DIR.resolve() == (root / "profiles").resolve()
    setup = (root / "setup.py").read_text()
    assert '"edgecrelu.profiles": "profiles"' in setup and '"*.toml"' in setup
