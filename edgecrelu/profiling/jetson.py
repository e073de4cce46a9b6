"""Jetson telemetry: module / L4T detection, power mode, clocks, and tegrastats power during a cell.

Everything here is plain text parsing plus one subprocess, so it imports on any machine. Formats
(docs/platform-notes.md "Jetson"): tegrastats prints rails as ``NAME cur``, ``NAME cur/avg`` or
``NAME cur/avg/max``, with or without ``mW``, and temperatures as ``name@41C`` or ``name@41C/43C``,
whose names differ by module and L4T release; the board input rail (``VDD_IN`` on Orin / Xavier NX,
``POM_5V_IN`` on Nano / TX2, ``VIN`` where a carrier names it so) is the total. Modules without an input rail (AGX Xavier, AGX Orin devkit) report the
sum of their rails, and say so.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from edgecrelu.errors import EdgeCReLUError
from edgecrelu.hostinfo import jetson_module, read_file
from edgecrelu.profiling.sampling import SampledMonitor, energy_mj_per_inference

# Rails that measure the whole module's input; the first one present is the total.
INPUT_RAILS = ("VDD_IN", "POM_5V_IN", "VIN")
# Temperatures at or above this (°C) make a cell suspect: Jetson thermal throttling starts in the
# high 80s to high 90s depending on module and zone.
THROTTLE_WARN_C = 85.0
# Sensors that print -256C (or similar) are powered off; ignore them.
_OFFLINE_C = -40.0
# Nano / Xavier print a fixed PMIC@100C that is not a measured temperature.
_FAKE_TEMPS = {"PMIC"}

# NAME cur[/avg[/max]] with an optional mW on each value. A single value without a unit is a rail only
# under a power-rail name (``APE 200`` and ``VIC_FREQ 729`` are clocks, not rails).
_RAIL = re.compile(r"(?<!\S)([A-Za-z][A-Za-z0-9_]*) (\d+(?:\.\d+)?)(mW)?((?:/\d+(?:\.\d+)?(?:mW)?){0,2})(?=\s|$)")
_RAIL_PREFIXES = ("VDD_", "VDDQ_", "POM_", "VIN")
_NON_RAILS = {"RAM", "SWAP", "IRAM"}
_RAM = re.compile(r"\bRAM (\d+)/(\d+)MB")
_SWAP = re.compile(r"\bSWAP (\d+)/(\d+)MB")
_TEMP = re.compile(r"(?<!\S)([A-Za-z][A-Za-z0-9_]*)@(-?\d+(?:\.\d+)?)C(?:/-?\d+(?:\.\d+)?C)*(?=\s|$)")
# GR3D_FREQ 12%@[305]  /  12%@[1300,1300]  /  12%@921  /  12%  (Xavier L4T 32 prints no frequency)
_GR3D = re.compile(r"\bGR3D_FREQ (\d+)%(?:@\[?([\d,]+)\]?)?")
_EMC = re.compile(r"\bEMC_FREQ (\d+)%(?:@(\d+))?")
_CPU = re.compile(r"\bCPU \[([^\]]*)\]")


def jetson_info(root: str = "/") -> dict | None:
    """:func:`jetson_module` plus device tree, GPU clocks and temperatures, or None when this is not a Jetson.

    ``root`` lets tests point at a fake filesystem tree. Power mode and clocks come from the
    commands (``nvpmodel -q``, ``jetson_clocks --show``) when they are on PATH and answer.
    """
    info = jetson_module(root)
    if info is None:
        return None
    r = Path(root)
    compat = read_file(r, "/proc/device-tree/compatible")
    if compat:
        info["compatible"] = compat
    info["gpu_devfreq"] = read_gpu_devfreq(root)
    info["temps_c"] = read_thermal_zones(root)
    if str(r) == "/":  # the commands describe the live board, never a fake tree
        info["power_mode"] = query_power_mode()
        info["clocks"] = query_clocks()
    return info


# Jetson iGPU devfreq device names: ga10b (Orin), gv11b (Xavier), gp10b (TX2), gm20b (Nano / TX1).
_GPU_DEVFREQ = ("ga10b", "gv11b", "gp10b", "gm20b", "gpu")


def read_gpu_devfreq(root: str = "/") -> dict | None:
    """GPU clock limits from sysfs (no root needed): {"device", "min_hz", "max_hz", "cur_hz", "governor",
    "locked"}; ``locked`` when min == max (what jetson_clocks sets). None when not found."""
    base = Path(root) / "sys/class/devfreq"
    try:
        devs = sorted(base.iterdir())
    except OSError:
        return None
    for d in devs:
        if any(tag in d.name for tag in _GPU_DEVFREQ):
            vals = {k: _int(read_file(d, k)) for k in ("min_freq", "max_freq", "cur_freq")}
            if vals["max_freq"] is None:
                continue
            return {"device": d.name, "min_hz": vals["min_freq"], "max_hz": vals["max_freq"],
                    "cur_hz": vals["cur_freq"], "governor": read_file(d, "governor"),
                    "locked": vals["min_freq"] == vals["max_freq"]}
    return None


def read_thermal_zones(root: str = "/") -> dict[str, float]:
    """{zone type: °C} from /sys/class/thermal (millidegrees in sysfs); offline sensors left out."""
    out: dict[str, float] = {}
    base = Path(root) / "sys/class/thermal"
    try:
        zones = sorted(base.glob("thermal_zone*"))
    except OSError:
        return out
    for z in zones:
        name, temp = read_file(z, "type"), _int(read_file(z, "temp"))
        if name and temp is not None and temp / 1000.0 > _OFFLINE_C:
            out[name] = temp / 1000.0
    return out


# -- nvpmodel / jetson_clocks ---------------------------------------------------------------------
def parse_nvpmodel(text: str) -> dict | None:
    """``nvpmodel -q`` output (``NV Power Mode: 15W`` then the mode id) -> {"name", "id"}."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for i, ln in enumerate(lines):
        m = re.match(r"NV Power Mode\s*:\s*(.+)$", ln)
        if m:
            mode_id = None
            if i + 1 < len(lines) and lines[i + 1].isdigit():
                mode_id = int(lines[i + 1])
            return {"name": m.group(1).strip(), "id": mode_id}
    return None


def _kv(text: str) -> dict:
    return {k: v for k, v in re.findall(r"([A-Za-z_]+)=(\S+)", text)}


def _int(v):
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


def parse_jetson_clocks(text: str) -> dict:
    """``jetson_clocks --show`` -> CPUs / GPU / EMC min-max-current and whether clocks look locked.

    ``locked`` is True when every online CPU and the GPU have MinFreq == MaxFreq (what
    ``jetson_clocks`` sets), False when one differs, None when the output shows none of them.
    """
    out: dict = {"cpus": {}, "gpu": None, "emc": None, "power_mode": None, "soc": None}
    for ln in text.splitlines():
        s = ln.strip()
        if not s:
            continue
        m = re.match(r"SOC family:\s*(\S+)\s+Machine:\s*(.+)$", s)
        if m:
            out["soc"], out["machine"] = m.group(1), m.group(2).strip()
            continue
        m = re.match(r"(cpu\d+):\s*(.*)$", s)
        if m:
            kv = _kv(m.group(2))
            out["cpus"][m.group(1)] = {
                "online": kv.get("Online", "1") == "1",
                "governor": kv.get("Governor") or kv.get("Gonvernor"),  # older scripts misspell it
                "min_khz": _int(kv.get("MinFreq")), "max_khz": _int(kv.get("MaxFreq")),
                "cur_khz": _int(kv.get("CurrentFreq")),
            }
            continue
        m = re.match(r"(GPU|EMC)\s+(.*)$", s)
        if m and "MinFreq=" in s:
            kv = _kv(m.group(2))
            out[m.group(1).lower()] = {
                "min_hz": _int(kv.get("MinFreq")), "max_hz": _int(kv.get("MaxFreq")),
                "cur_hz": _int(kv.get("CurrentFreq")),
                **({"override": kv["FreqOverride"] == "1"} if "FreqOverride" in kv else {}),
            }
            continue
        m = re.match(r"NV Power Mode\s*:\s*(.+)$", s)
        if m:
            out["power_mode"] = m.group(1).strip()
    checks = [c["min_khz"] == c["max_khz"] for c in out["cpus"].values()
              if c["online"] and c["min_khz"] is not None]
    if out["gpu"] and out["gpu"]["min_hz"] is not None:
        checks.append(out["gpu"]["min_hz"] == out["gpu"]["max_hz"])
    out["locked"] = all(checks) if checks else None
    return out


def _run(cmd: list[str], timeout: float = 10.0) -> str | None:
    if shutil.which(cmd[0]) is None:
        return None
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.SubprocessError):
        return None
    return p.stdout + p.stderr if p.returncode == 0 else None


def query_power_mode() -> dict | None:
    text = _run(["nvpmodel", "-q"])
    return parse_nvpmodel(text) if text else None


def query_clocks() -> dict | None:
    # jetson_clocks --show reads sysfs; without root some fields are missing, so the parse may be partial.
    text = _run(["jetson_clocks", "--show"])
    return parse_jetson_clocks(text) if text else None


# -- tegrastats -----------------------------------------------------------------------------------
def parse_tegrastats_line(line: str) -> dict | None:
    """One tegrastats line -> {"rails_mw", "ram_mb", "temps_c", "gpu_util", "gpu_mhz", ...}.

    Rails are read generically as ``NAME cur``, ``NAME cur/avg`` or ``NAME cur/avg/max``, with or
    without ``mW`` (mW either way); the current value is kept. Returns None for a line with neither
    rails nor RAM (not tegrastats output).
    """
    rails = {}
    for name, cur, unit, rest in _RAIL.findall(line):
        if name in _NON_RAILS:
            continue
        if not unit and not rest and not name.startswith(_RAIL_PREFIXES):
            continue  # a lone unitless number under a non-rail name: a clock or a load figure
        rails[name] = float(cur)
    ram = _RAM.search(line)
    if not rails and not ram:
        return None
    sample: dict = {"rails_mw": rails}
    if ram:
        sample["ram_mb"] = {"used": int(ram.group(1)), "total": int(ram.group(2))}
    swap = _SWAP.search(line)
    if swap:
        sample["swap_mb"] = {"used": int(swap.group(1)), "total": int(swap.group(2))}
    sample["temps_c"] = {n: float(v) for n, v in _TEMP.findall(line)
                         if float(v) > _OFFLINE_C and n not in _FAKE_TEMPS}
    g = _GR3D.search(line)
    if g:
        sample["gpu_util"] = int(g.group(1))
        freqs = [int(f) for f in g.group(2).split(",") if f] if g.group(2) else []
        sample["gpu_mhz"] = max(freqs) if freqs else None
    e = _EMC.search(line)
    if e:
        sample["emc_mhz"] = int(e.group(2)) if e.group(2) else None
    c = _CPU.search(line)
    if c:
        sample["cpu_mhz"] = [int(x.split("@")[1]) for x in c.group(1).split(",") if "@" in x]
    return sample


def total_rail(rails: dict) -> tuple[float | None, str | None]:
    """(total mW, how it was obtained): the board input rail if present, else the sum of rails."""
    for name in INPUT_RAILS:
        if name in rails:
            return rails[name], name
    if rails:
        return float(sum(rails.values())), "sum of rails"
    return None, None


def summarize_power(samples: list[dict], duration_s: float, inferences: int,
                    throttle_c: float = THROTTLE_WARN_C) -> dict | None:
    """Power record for a cell from its tegrastats samples, or None without any power sample."""
    with_power = [s for s in samples if s.get("rails_mw")]
    if not with_power:
        return None
    names = sorted({n for s in with_power for n in s["rails_mw"]})
    rails_mw = {}
    for n in names:
        vals = [s["rails_mw"][n] for s in with_power if n in s["rails_mw"]]
        rails_mw[n] = sum(vals) / len(vals)
    totals = [total_rail(s["rails_mw"]) for s in with_power]  # rails_mw is not empty: never (None, None)
    mean_mw = sum(t for t, _ in totals if t is not None) / len(totals)
    how = totals[0][1]
    warnings = []
    if how == "sum of rails":
        warnings.append("no board input rail in tegrastats; total power is the sum of the module's rails")
    if len(with_power) < 3:
        warnings.append(f"only {len(with_power)} power sample(s) during the cell; lengthen timing.min_duration_s "
                        "or shorten power.interval_ms")
    gpu = [s["gpu_mhz"] for s in samples if s.get("gpu_mhz")]
    if gpu and min(gpu) != max(gpu):
        warnings.append(f"GPU clock changed during the cell ({min(gpu)}-{max(gpu)} MHz); lock clocks with "
                        "'sudo jetson_clocks' for reproducible numbers")
    emc = [s["emc_mhz"] for s in samples if s.get("emc_mhz")]
    if emc and min(emc) != max(emc):
        warnings.append(f"memory (EMC) clock changed during the cell ({min(emc)}-{max(emc)} MHz)")
    hot: dict[str, float] = {}
    for s in samples:
        for n, t in s.get("temps_c", {}).items():
            hot[n] = max(hot.get(n, t), t)
    if hot:
        sensor, peak = max(hot.items(), key=lambda kv: kv[1])
        if peak >= throttle_c:
            warnings.append(f"temperature reached {peak:.1f} C on {sensor} during the cell; "
                            "thermal throttling likely")
    out = {
        "mean_mw": mean_mw,
        "rails_mw": rails_mw,
        "total_rail": how,
        "mj_per_inference": energy_mj_per_inference(mean_mw, duration_s, inferences),
        "duration_s": duration_s,
        "source": "tegrastats",
        "samples": len(with_power),
        "max_temp_c": max(hot.values()) if hot else None,
    }
    if gpu:
        out["gpu_mhz"] = {"min": min(gpu), "max": max(gpu)}
    ram = [s["ram_mb"]["used"] for s in samples if "ram_mb" in s]
    if ram:
        out["ram_used_mb_max"] = max(ram)
    if warnings:
        out["warnings"] = warnings
    return out


def no_rail_record(lines: int, duration_s: float) -> dict:
    """The power record of a cell whose tegrastats output had no rail this parser reads: no number,
    and a warning saying so (the record must not look like a run without power measurement)."""
    return {"mean_mw": None, "mj_per_inference": None, "rails_mw": {}, "duration_s": duration_s,
            "source": "tegrastats", "samples": 0, "lines": lines,
            "warnings": [f"power.source = \"tegrastats\" but no power rail was read from its {lines} line(s); "
                         "this tegrastats prints rails in a format edgecrelu does not parse, or none at all"]}


class TegrastatsMonitor(SampledMonitor):
    """Runs ``tegrastats --interval MS`` during a cell (after an idle window of ``idle_s``) and
    summarises its power samples; the board rail includes carrier, CPU and DRAM, so the idle baseline
    is measured per cell."""

    source = "tegrastats"

    def __init__(self, interval_ms: int = 100, command: str = "tegrastats", throttle_c: float = THROTTLE_WARN_C,
                 idle_s: float = 0.0):
        super().__init__(interval_ms, idle_s)
        self.command = command
        self.throttle_c = throttle_c

    def _start_sampling(self) -> None:
        exe = shutil.which(self.command)
        if exe is None:
            raise EdgeCReLUError(
                f"{self.command} not found on PATH; power.source = \"tegrastats\" needs a Jetson"
            )
        self._spawn([exe, "--interval", str(self.interval_ms)], parse_tegrastats_line)

    def _sample_mw(self, sample) -> float | None:
        return total_rail(sample.get("rails_mw") or {})[0]

    def _summarize(self, samples: list, duration_s: float, inferences: int) -> dict | None:
        out = summarize_power(samples, duration_s, inferences, self.throttle_c)
        if out is None and self._t0 is not None:
            return no_rail_record(len(samples), duration_s)
        return out
