"""Jetson telemetry parsing and the tegrastats monitor.

No Jetson can be here, so the tegrastats / nvpmodel / jetson_clocks lines below are recorded-format
test doubles: written in the formats NVIDIA's tools print on each module (docs/platform-notes.md "Jetson"), not
captured from this machine. The fake ``tegrastats`` on PATH is a shell script printing such lines.
"""

from __future__ import annotations

import os
import stat
import sys
import time

import pytest

from edgecrelu import hostinfo
from edgecrelu.devices import Power
from edgecrelu.errors import EdgeCReLUError
from edgecrelu.profiling import jetson as J
from edgecrelu.profiling.power import get_monitor

# Recorded-format doubles, one per module (rail names and units differ).
NANO = ("RAM 1650/3964MB (lfb 93x4MB) SWAP 0/1982MB (cached 0MB) IRAM 0/252kB(lfb 252kB) "
        "CPU [8%@1479,4%@1479,1%@1479,2%@1479] EMC_FREQ 3%@1600 GR3D_FREQ 0%@921 APE 25 PLL@34.5C "
        "CPU@37C PMIC@100C GPU@35.5C AO@43C thermal@36.25C POM_5V_IN 2077/2077 POM_5V_GPU 41/41 POM_5V_CPU 328/328")
XAVIER_NX_L4T32 = ("RAM 2245/7772MB (lfb 1024x4MB) SWAP 0/3886MB (cached 0MB) CPU [5%@1190,2%@1190,1%@1190,"
                   "2%@1190,off,off] EMC_FREQ 0% GR3D_FREQ 0% AO@39.5C GPU@40C PMIC@100C AUX@39.5C CPU@41.5C "
                   "thermal@40.6C VDD_IN 4385/4385 VDD_CPU_GPU_CV 671/671 VDD_SOC 1271/1271")
ORIN_NANO = ("12-28-2022 09:27:09 RAM 2448/7620MB (lfb 1x4MB) SWAP 0/3810MB (cached 0MB) "
             "CPU [0%@729,0%@729,0%@729,0%@729,0%@729,0%@729] EMC_FREQ 0%@2133 GR3D_FREQ 0%@[305] VIC_FREQ 729 "
             "APE 200 CV0@-256C CPU@46.875C SOC2@44.968C SOC0@45.031C CV1@-256C GPU@44.562C tj@47.062C "
             "SOC1@47.062C CV2@-256C VDD_IN 4823mW/4823mW VDD_CPU_GPU_CV 640mW/640mW VDD_SOC 1440mW/1440mW")
AGX_ORIN = ("RAM 5460/30536MB (lfb 5862x4MB) SWAP 0/15268MB (cached 0MB) CPU [1%@2201,0%@2201,0%@2201,0%@2201,"
            "0%@2201,0%@2201,0%@2201,0%@2201] EMC_FREQ 0%@3199 GR3D_FREQ 0%@[1300,1300] VIC_FREQ 115 APE 174 "
            "CV0@-256C CPU@47.281C Tboard@36C SOC2@43.562C Tdiode@37.25C SOC0@43.937C CV1@-256C GPU@-256C "
            "tj@47.281C SOC1@43.718C CV2@-256C VDD_GPU_SOC 2794mW/2794mW VDD_CPU_CV 794mW/794mW "
            "VIN_SYS_5V0 3620mW/3620mW VDDQ_VDD2_1V8AO 503mW/503mW")


@pytest.mark.parametrize("line, rails, total, how, ram, gpu_mhz", [
    (NANO, {"POM_5V_IN": 2077, "POM_5V_GPU": 41, "POM_5V_CPU": 328}, 2077, "POM_5V_IN", (1650, 3964), 921),
    (XAVIER_NX_L4T32, {"VDD_IN": 4385, "VDD_CPU_GPU_CV": 671, "VDD_SOC": 1271}, 4385, "VDD_IN", (2245, 7772), None),
    (ORIN_NANO, {"VDD_IN": 4823, "VDD_CPU_GPU_CV": 640, "VDD_SOC": 1440}, 4823, "VDD_IN", (2448, 7620), 305),
    (AGX_ORIN, {"VDD_GPU_SOC": 2794, "VDD_CPU_CV": 794, "VIN_SYS_5V0": 3620, "VDDQ_VDD2_1V8AO": 503},
     2794 + 794 + 3620 + 503, "sum of rails", (5460, 30536), 1300),
])
def test_tegrastats_line_per_module(line, rails, total, how, ram, gpu_mhz):
    s = J.parse_tegrastats_line(line)
    assert s["rails_mw"] == rails  # RAM / SWAP / IRAM pairs are not rails
    assert J.total_rail(s["rails_mw"]) == (total, how)
    assert (s["ram_mb"]["used"], s["ram_mb"]["total"]) == ram
    assert s["gpu_mhz"] == gpu_mhz
    assert "PMIC" not in s["temps_c"]  # fixed 100C placeholder on Nano / Xavier
    assert all(t > -40 for t in s["temps_c"].values())  # -256C = sensor off


def test_tegrastats_details():
    s = J.parse_tegrastats_line(ORIN_NANO)
    assert s["temps_c"]["tj"] == pytest.approx(47.062)
    assert "CV0" not in s["temps_c"]
    assert s["emc_mhz"] == 2133 and s["cpu_mhz"] == [729] * 6
    x = J.parse_tegrastats_line(XAVIER_NX_L4T32)
    assert x["cpu_mhz"] == [1190] * 4  # 'off' cores skipped
    assert x["emc_mhz"] is None
    assert J.parse_tegrastats_line("hello world") is None
    assert J.parse_tegrastats_line("") is None


def _orin(vdd_in, gpu_mhz=305, tj=47.0):
    return ORIN_NANO.replace("VDD_IN 4823mW/4823mW", f"VDD_IN {vdd_in}mW/4823mW") \
        .replace("GR3D_FREQ 0%@[305]", f"GR3D_FREQ 99%@[{gpu_mhz}]").replace("tj@47.062C", f"tj@{tj}C")


def test_summary_means_and_energy():
    samples = [J.parse_tegrastats_line(_orin(v)) for v in (4000, 5000, 6000)]
    out = J.summarize_power(samples, duration_s=3.0, inferences=600)
    assert out["mean_mw"] == pytest.approx(5000.0)
    assert out["rails_mw"]["VDD_IN"] == pytest.approx(5000.0)
    assert out["rails_mw"]["VDD_SOC"] == pytest.approx(1440.0)
    assert out["mj_per_inference"] == pytest.approx(5000.0 * 3.0 / 600)
    assert out["samples"] == 3 and out["source"] == "tegrastats"
    assert "warnings" not in out


def test_summary_warnings_clock_change_throttle_and_few_samples():
    samples = [J.parse_tegrastats_line(_orin(5000, gpu_mhz=f, tj=t)) for f, t in ((624, 80.0), (510, 91.5))]
    out = J.summarize_power(samples, duration_s=1.0, inferences=10)
    text = " | ".join(out["warnings"])
    assert "GPU clock changed" in text and "510-624 MHz" in text
    assert "thermal throttling" in text and "tj" in text
    assert "only 2 power sample" in text


def test_summary_sum_of_rails_is_flagged_and_none_without_power():
    out = J.summarize_power([J.parse_tegrastats_line(AGX_ORIN)] * 3, 1.0, 1)
    assert out["total_rail"] == "sum of rails"
    assert any("sum of the module's rails" in w for w in out["warnings"])
    assert J.summarize_power([], 1.0, 1) is None


NVPMODEL_ORIN = "NV Fan Mode:quiet\nNV Power Mode: 15W\n0\n"
NVPMODEL_XAVIER = "NVPM WARN: fan mode is not set!\nNV Power Mode: MODE_20W_6CORE\n8\n"
NVPMODEL_AGX = "NV Power Mode: MAXN\n0\n"


@pytest.mark.parametrize("text, name, mode_id", [
    (NVPMODEL_ORIN, "15W", 0), (NVPMODEL_XAVIER, "MODE_20W_6CORE", 8), (NVPMODEL_AGX, "MAXN", 0),
])
def test_nvpmodel(text, name, mode_id):
    assert J.parse_nvpmodel(text) == {"name": name, "id": mode_id}


def test_nvpmodel_garbage():
    assert J.parse_nvpmodel("command not found") is None


CLOCKS_ORIN_LOCKED = """SOC family:tegra234  Machine:NVIDIA Jetson Orin Nano Developer Kit
Online CPUs: 0-5
cpu0: Online=1 Governor=schedutil MinFreq=1510400 MaxFreq=1510400 CurrentFreq=1510400 IdleStates: WFI=0 cpu-sleep=0
cpu1: Online=1 Governor=schedutil MinFreq=1510400 MaxFreq=1510400 CurrentFreq=1510400 IdleStates: WFI=0 cpu-sleep=0
GPU MinFreq=624750000 MaxFreq=624750000 CurrentFreq=624750000
EMC MinFreq=204000000 MaxFreq=2133000000 CurrentFreq=2133000000 FreqOverride=1
FAN Dynamic Speed control=active hwmon2_pwm=92
NV Power Mode: 15W
"""
CLOCKS_ORIN_DEFAULT = CLOCKS_ORIN_LOCKED.replace("MinFreq=1510400", "MinFreq=729600") \
    .replace("GPU MinFreq=624750000", "GPU MinFreq=306000000").replace("CurrentFreq=624750000", "CurrentFreq=306000000")
CLOCKS_TX1 = """SOC family:tegra210  Machine:jetson_tx1
Online CPUs: 0-3
cpu0: Gonvernor=interactive MinFreq=1734000 MaxFreq=1734000 CurrentFreq=1734000
GPU MinFreq=998400000 MaxFreq=998400000 CurrentFreq=998400000
EMC MinFreq=12750000 MaxFreq=1600000000 CurrentFreq=1600000000 FreqOverride=1
"""


def test_jetson_clocks_parsing():
    c = J.parse_jetson_clocks(CLOCKS_ORIN_LOCKED)
    assert c["soc"] == "tegra234" and c["machine"].startswith("NVIDIA Jetson Orin Nano")
    assert c["cpus"]["cpu0"]["governor"] == "schedutil" and c["cpus"]["cpu1"]["max_khz"] == 1510400
    assert c["gpu"] == {"min_hz": 624750000, "max_hz": 624750000, "cur_hz": 624750000}
    assert c["emc"]["override"] is True
    assert c["power_mode"] == "15W"
    assert c["locked"] is True
    d = J.parse_jetson_clocks(CLOCKS_ORIN_DEFAULT)
    assert d["locked"] is False and d["gpu"]["cur_hz"] == 306000000
    t = J.parse_jetson_clocks(CLOCKS_TX1)
    assert t["cpus"]["cpu0"]["governor"] == "interactive" and t["locked"] is True
    assert J.parse_jetson_clocks("")["locked"] is None


def test_nv_tegra_release():
    r = hostinfo.parse_nv_tegra_release("# R36 (release), REVISION: 4.3, GCID: 38968081, BOARD: generic, "
                                 "EABI: aarch64, DATE: Wed Jan  8 01:49:37 UTC 2025\n")
    assert r["l4t"] == "36.4.3" and r["board"] == "generic"
    assert hostinfo.parse_nv_tegra_release("Ubuntu 22.04") is None


def _fake_root(tmp_path, model=None, release=None):
    if model is not None:
        (tmp_path / "proc/device-tree").mkdir(parents=True)
        (tmp_path / "proc/device-tree/model").write_bytes(model.encode() + b"\x00")
    if release is not None:
        (tmp_path / "etc").mkdir(parents=True)
        (tmp_path / "etc/nv_tegra_release").write_text(release)
    return str(tmp_path)


def test_jetson_info_fake_tree(tmp_path):
    root = _fake_root(tmp_path, "NVIDIA Jetson Orin Nano Developer Kit",
                      "# R36 (release), REVISION: 4.0, GCID: 37537400, BOARD: generic, EABI: aarch64\n")
    info = J.jetson_info(root)
    assert info["model"] == "NVIDIA Jetson Orin Nano Developer Kit"  # NUL terminator stripped
    assert info["l4t"] == "36.4.0"
    assert "power_mode" not in info  # commands describe the live board, never a fake tree


def test_jetson_info_sysfs_clocks_and_temps(tmp_path):
    root = _fake_root(tmp_path, "NVIDIA Jetson AGX Orin Developer Kit",
                      "# R35 (release), REVISION: 4.1, GCID: 33958178, BOARD: t186ref, EABI: aarch64\n")
    gpu = tmp_path / "sys/class/devfreq/17000000.ga10b"
    gpu.mkdir(parents=True)
    for k, v in {"min_freq": "1300500000", "max_freq": "1300500000", "cur_freq": "1300500000",
                 "governor": "nvhost_podgov"}.items():
        (gpu / k).write_text(v + "\n")
    for i, (name, milli) in enumerate((("cpu-thermal", "47281"), ("gpu-thermal", "45500"), ("cv0-thermal", "-256000"))):
        z = tmp_path / f"sys/class/thermal/thermal_zone{i}"
        z.mkdir(parents=True)
        (z / "type").write_text(name + "\n")
        (z / "temp").write_text(milli + "\n")
    info = J.jetson_info(root)
    assert info["l4t"] == "35.4.1"
    assert info["gpu_devfreq"] == {"device": "17000000.ga10b", "min_hz": 1300500000, "max_hz": 1300500000,
                                   "cur_hz": 1300500000, "governor": "nvhost_podgov", "locked": True}
    assert info["temps_c"] == {"cpu-thermal": pytest.approx(47.281), "gpu-thermal": pytest.approx(45.5)}


def test_jetson_info_not_jetson(tmp_path):
    assert J.jetson_info(str(tmp_path)) is None
    assert J.jetson_info(_fake_root(tmp_path, "Raspberry Pi 4 Model B Rev 1.4")) is None


def _fake_tegrastats(tmp_path, lines):
    """A shell script named tegrastats that prints lines every --interval ms, like the real one."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "tegrastats"
    body = "\n".join(f"  echo '{ln}'; sleep $S" for ln in lines)
    script.write_text(
        "#!/bin/sh\n# test double for NVIDIA tegrastats (no Jetson here)\n"
        'S=$(awk "BEGIN{print $2/1000}")\n'
        f"while true; do\n{body}\ndone\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return bin_dir


@pytest.mark.skipif(sys.platform == "win32", reason="shell script double")
def test_tegrastats_monitor_with_fake_binary(tmp_path, monkeypatch):
    bin_dir = _fake_tegrastats(tmp_path, [_orin(4000), _orin(6000)])
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    mon = get_monitor(Power(source="tegrastats", interval_ms=20))
    assert isinstance(mon, J.TegrastatsMonitor)
    with mon:
        time.sleep(0.5)
    out = mon.summary(inferences=100)
    assert out["samples"] >= 4
    assert 4000 <= out["mean_mw"] <= 6000
    assert out["mj_per_inference"] == pytest.approx(out["mean_mw"] * mon.duration_s / 100)
    assert 0.45 <= mon.duration_s < 2.0
    assert mon._proc is None  # subprocess reaped


def test_tegrastats_missing_is_one_line_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    mon = J.TegrastatsMonitor(interval_ms=50)
    with pytest.raises(EdgeCReLUError, match="tegrastats not found on PATH"):
        mon.start()
    assert mon.summary(1) is None


def test_energy_over_timed_duration_not_warmup(tmp_path, monkeypatch):
    bin_dir = _fake_tegrastats(tmp_path, [_orin(5000)])
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    mon = J.TegrastatsMonitor(interval_ms=20)
    with mon:
        time.sleep(0.3)
    out = mon.summary(inferences=100, duration_s=0.2)  # the timed loop took 0.2 s of the window
    assert out["mean_mw"] == pytest.approx(5000.0)
    assert out["mj_per_inference"] == pytest.approx(5000.0 * 0.2 / 100)
    assert out["monitored_s"] >= 0.3


# -- every rail / temperature family (issue: one, two or three values, with or without mW) -----------
# Composed lines in the formats tegrastats prints across modules and L4T releases (no Jetson here).
THOR_JP7 = ("RAM 9120/125772MB (lfb 28x4MB) SWAP 0/0MB (cached 0MB) CPU [2%@972,1%@972,0%@972] "
            "GR3D_FREQ 0% cpu@38.5C/39.1C tj@41.2C/41.2C soc012@37.9C "
            "VDD_GPU 1820mW/1790mW/2210mW VDD_CPU_SOC_MSS 5120mW/5080mW/5600mW VIN 22040mW/21900mW/23110mW")
ORIN_JP6_MAX = ("RAM 3010/7620MB (lfb 2x4MB) SWAP 0/3810MB (cached 0MB) CPU [3%@1510,2%@1510] "
                "EMC_FREQ 1%@2133 GR3D_FREQ 50%@[624] VIC_FREQ 115 APE 200 tj@52.1C "
                "VDD_IN 7210mW/6980mW/7400mW VDD_CPU_GPU_CV 2110mW/2010mW/2300mW VDD_SOC 1610mW/1600mW/1700mW")
SINGLE_VALUE = ("RAM 2245/7772MB (lfb 1024x4MB) CPU [5%@1190] EMC_FREQ 0% GR3D_FREQ 0% APE 25 "
                "GPU@40C VDD_IN 4385 VDD_CPU_GPU_CV 671mW VDD_SOC 1271")
NO_RAILS = "RAM 2245/7772MB (lfb 1024x4MB) CPU [5%@1190] EMC_FREQ 0% GR3D_FREQ 0% APE 25 GPU@40C"


@pytest.mark.parametrize("line, rails, total, how", [
    (THOR_JP7, {"VDD_GPU": 1820, "VDD_CPU_SOC_MSS": 5120, "VIN": 22040}, 22040, "VIN"),
    (ORIN_JP6_MAX, {"VDD_IN": 7210, "VDD_CPU_GPU_CV": 2110, "VDD_SOC": 1610}, 7210, "VDD_IN"),
    (SINGLE_VALUE, {"VDD_IN": 4385, "VDD_CPU_GPU_CV": 671, "VDD_SOC": 1271}, 4385, "VDD_IN"),
    (NO_RAILS, {}, None, None),
])
def test_every_rail_family(line, rails, total, how):
    s = J.parse_tegrastats_line(line)
    assert s["rails_mw"] == rails  # APE 200 / VIC_FREQ 115 (clocks, no unit) are not rails
    assert J.total_rail(s["rails_mw"]) == (total, how)


def test_temperatures_with_current_and_max():
    s = J.parse_tegrastats_line(THOR_JP7)
    assert s["temps_c"] == {"cpu": pytest.approx(38.5), "tj": pytest.approx(41.2), "soc012": pytest.approx(37.9)}


@pytest.mark.skipif(sys.platform == "win32", reason="shell script double")
def test_no_rail_read_is_a_warning_not_silence(tmp_path, monkeypatch):
    bin_dir = _fake_tegrastats(tmp_path, [NO_RAILS])
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    mon = get_monitor(Power(source="tegrastats", interval_ms=20))
    with mon:
        time.sleep(0.2)
    out = mon.summary(inferences=10)
    assert out["mean_mw"] is None and out["samples"] == 0 and out["lines"] >= 2
    assert "no power rail was read" in out["warnings"][0]


def _switchable_tegrastats(tmp_path, state):
    """A tegrastats double whose VDD_IN is read from the file ``state`` at each line."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "tegrastats"
    line = ORIN_JP6_MAX.replace("VDD_IN 7210mW/6980mW/7400mW", "VDD_IN ${P}mW/${P}mW/${P}mW")
    script.write_text("#!/bin/sh\n# test double for NVIDIA tegrastats (no Jetson here)\n"
                      'S=$(awk "BEGIN{print $2/1000}")\n'
                      f'while true; do P=$(cat {state}); echo "{line}"; sleep $S; done\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return bin_dir


@pytest.mark.skipif(sys.platform == "win32", reason="shell script double")
def test_idle_baseline_and_dynamic_energy_per_cell(tmp_path, monkeypatch):
    state = tmp_path / "power"
    state.write_text("3000")
    bin_dir = _switchable_tegrastats(tmp_path, state)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    mon = get_monitor(Power(source="tegrastats", interval_ms=20, idle_s=0.4))
    mon.start()  # returns after the idle window
    state.write_text("8000")  # the timed loop runs
    time.sleep(0.4)
    mon.stop()
    out = mon.summary(inferences=100, duration_s=0.4)
    assert out["idle_mw"] == pytest.approx(3000.0)
    assert out["idle_samples"] >= 3 and out["idle_s"] == 0.4
    assert out["mean_mw"] == pytest.approx(8000.0, rel=0.1)  # at most a line read before the switch
    assert out["dynamic_mw"] == pytest.approx(out["mean_mw"] - 3000.0)
    assert out["dynamic_mj_per_inference"] == pytest.approx(out["dynamic_mw"] * 0.4 / 100)


@pytest.mark.skipif(sys.platform == "win32", reason="shell script double")
def test_lines_read_line_buffered_and_stamped_on_arrival(tmp_path, monkeypatch):
    import shutil

    bin_dir = _fake_tegrastats(tmp_path, [_orin(5000)])
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    mon = J.TegrastatsMonitor(interval_ms=50)
    with mon:
        time.sleep(0.5)
    if shutil.which("stdbuf"):
        assert mon.argv[:2] == [shutil.which("stdbuf"), "-oL"]  # the sampler is asked to flush per line
    ts = [s["t"] for s in mon.samples]
    assert len(ts) >= 5 and ts == sorted(ts)
    gaps = [b - a for a, b in zip(ts, ts[1:], strict=False)]
    assert min(gaps) > 0.02  # stamped as each line arrived, not in one burst
    assert mon._t0 <= ts[0] and ts[-1] <= mon._t1 + 0.2
