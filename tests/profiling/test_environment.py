import json

from edgecrelu.profiling import environment as env

X86 = "processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Platinum 8480+\nflags\t\t: fpu sse4_2 avx avx2 fma avx512f avx512_vnni amx_tile amx_int8\n"
ARM = "processor\t: 0\nBogoMIPS\t: 62.50\nFeatures\t: fp asimd evtstrm aes asimddp\nCPU part\t: 0xd42\n"


def test_parse_cpuinfo_x86_and_arm():
    x = env.parse_cpuinfo(X86)
    assert x["model"].startswith("Intel(R) Xeon")
    assert {"avx2", "avx512f", "avx512_vnni", "amx_int8"} <= set(x["flags"])
    a = env.parse_cpuinfo(ARM)
    assert a["model"] is None and a["flags"] == ["asimd", "asimddp"]


def test_parse_nvidia_smi():
    # nvidia-smi cannot run here (no GPU); this is the documented CSV shape of --query-gpu.
    rows = env.parse_nvidia_smi("NVIDIA H100 80GB HBM3, 570.86.15, 81559 MiB\n")
    assert rows == [{"name": "NVIDIA H100 80GB HBM3", "driver": "570.86.15", "memory_total_mib": 81559}]


def test_parse_meminfo():
    assert env.parse_meminfo("MemTotal:       16384 kB\nMemFree: 1 kB\n") == 16384 * 1024


def test_capture_is_complete_and_serialisable():
    e = env.capture()
    for key in ("host", "os", "python", "cpu", "memory_total_bytes", "gpu", "libraries", "jetson"):
        assert key in e
    assert e["cpu"]["logical_cores"] >= 1
    assert e["libraries"]["onnxruntime"] and e["libraries"]["numpy"]
    assert "CPUExecutionProvider" in e["onnxruntime_providers"]
    json.dumps(e)
