"""Sections per machine and the warnings against comparing across machines."""

from edgecrelu.report import sections

from .helpers import load_case


def test_split_two_devices():
    secs = sections.split_by_machine(load_case("two_devices"))
    assert [s.device for s in secs] == ["cpu", "jetson-orin-nano"]
    assert secs[1].label == "jetson-orin-nano on orin-07 (Orin (nvgpu) / ARMv8 Processor rev 1 (v8l) (fixture))"
    assert len(sections.machine_warnings(secs)) == 1


def test_same_profile_on_two_hosts_is_two_sections_with_a_warning():
    recs = load_case("go")
    for r in recs[: len(recs) // 2]:
        r["environment"] = dict(r["environment"], host="bench-02")
    secs = sections.split_by_machine(recs)
    assert len(secs) == 2
    warns = sections.machine_warnings(secs)
    assert any("device profile 'cpu' was measured on 2 different machines" in w for w in warns)


def test_consistency_warnings():
    recs = load_case("go")
    recs[0]["bundle"] = dict(recs[0]["bundle"], manifest_sha256="b" * 64)
    (sec,) = sections.split_by_machine(recs)
    assert any("2 different bundles" in w for w in sections.consistency_warnings(sec))


def test_gpu_and_cpu_name_shapes():
    assert sections.gpu_name({"gpu": [{"name": "A"}, {"name": "B"}]}) == "A, B"
    # the shape edgecrelu.profiling.environment.capture() writes
    assert sections.gpu_name({"gpu": {"devices": [{"name": "NVIDIA H100"}], "cuda_driver_version": "12.8"}}) == "NVIDIA H100"
    assert sections.gpu_name({"gpu": None, "jetson": {"model": "Jetson AGX Orin"}}) == "Jetson AGX Orin"
    assert sections.cpu_name({"cpu": "Cortex-A78AE"}) == "Cortex-A78AE"
    assert sections.cpu_name({}) == ""


def test_duplicate_cells_are_flagged():
    recs = load_case("go")
    (sec,) = sections.split_by_machine(recs + recs[:1])
    c = recs[0]["cell"]
    key = f"{c['variant']}/{c['form']}/{c['precision']}/{c['backend']}/{c['batch']}"
    assert any("measured more than once" in w and key in w for w in sections.consistency_warnings(sec))
