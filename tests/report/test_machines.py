"""Sections per machine and the warnings against comparing across machines."""

from edgecrelu.report import machines

from .helpers import load_case


def test_split_two_devices():
    secs = machines.split_by_machine(load_case("two_devices"))
    assert [s.device for s in secs] == ["cpu", "jetson-orin-nano"]
    assert secs[1].label == "jetson-orin-nano on orin-07 (Orin (nvgpu) / ARMv8 Processor rev 1 (v8l) (fixture))"
    assert len(machines.machine_warnings(secs)) == 1


def test_same_profile_on_two_hosts_is_two_sections_with_a_warning():
    recs = load_case("go")
    for r in recs[: len(recs) // 2]:
        r["environment"] = dict(r["environment"], host="bench-02")
    secs = machines.split_by_machine(recs)
    assert len(secs) == 2
    warns = machines.machine_warnings(secs)
    assert any("device profile 'cpu' was measured on 2 different machines" in w for w in warns)


def test_consistency_warnings():
    recs = load_case("go")
    recs[0]["bundle"] = dict(recs[0]["bundle"], manifest_sha256="b" * 64)
    (sec,) = machines.split_by_machine(recs)
    assert any("2 different bundles" in w for w in machines.consistency_warnings(sec))


def test_gpu_and_cpu_name_shapes():
    assert machines.gpu_name({"gpu": [{"name": "A"}, {"name": "B"}]}) == "A, B"
    # the shape edgecrelu.profiling.environment.capture() writes
    assert machines.gpu_name({"gpu": {"devices": [{"name": "NVIDIA H100"}], "cuda_driver_version": "12.8"}}) == "NVIDIA H100"
    assert machines.gpu_name({"gpu": None, "jetson": {"model": "Jetson AGX Orin"}}) == "Jetson AGX Orin"
    assert machines.cpu_name({"cpu": "Cortex-A78AE"}) == "Cortex-A78AE"
    assert machines.cpu_name({}) == ""


def test_duplicate_cells_are_flagged():
    recs = load_case("go")
    (sec,) = machines.split_by_machine(recs + recs[:1])
    c = recs[0]["cell"]
    key = f"{c['variant']}/{c['form']}/{c['precision']}/{c['backend']}/{c['batch']}"
    assert any("measured more than once" in w and key in w for w in machines.consistency_warnings(sec))
