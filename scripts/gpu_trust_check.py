"""The checks of scripts/gpu_check.sh that only a GPU machine or a Jetson can answer (issue: "GPU and
Jetson numbers that can be trusted"), read from the records the profile stages wrote.

    python scripts/gpu_trust_check.py RESULTS_DIR [RESULTS_DIR ...]

Each check prints one line ``CHECK <name>: PASS|FAIL|SKIP <detail>``; the exit code is 1 when any
check failed. A check whose records are absent (no TensorRT stage, no Jetson) is SKIP, never PASS.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def load(dirs) -> list[dict]:
    out = []
    for d in dirs:
        for p in sorted(Path(d).glob("*.json")):
            try:
                rec = json.loads(p.read_text())
            except (OSError, ValueError):
                continue
            if isinstance(rec, dict) and rec.get("kind") == "edgecrelu-result":
                out.append(rec)
    return out


def _backend(rec) -> dict:
    return (rec.get("settings") or {}).get("backend") or {}


def _by(records, backend):
    return [r for r in records if (r.get("cell") or {}).get("backend") == backend]


def check_cuda_graphs(records):
    """Item 2/11: a graph ran where one was asked for, and the trtexec line says what ran."""
    trt = [r for r in _by(records, "tensorrt") if _backend(r).get("dla_core", -1) < 0]
    if not trt:
        return "SKIP", "no TensorRT GPU cells"
    bad = []
    for r in trt:
        b = _backend(r)
        line, ran = b.get("trtexec") or "", bool(b.get("cuda_graph"))
        try:
            v11 = int(str(b.get("tensorrt_version", "0")).split(".")[0]) >= 11
        except ValueError:
            v11 = False
        says = ("--noCudaGraph" not in line) if v11 else ("--useCudaGraph" in line)
        if says != ran:
            bad.append(f"{r['cell']['precision']}: ran={ran} line={line[-60:]}")
    ran = sum(bool(_backend(r).get("cuda_graph")) for r in trt)
    if bad:
        return "FAIL", "; ".join(bad)
    via = sorted({str(_backend(r).get("cuda_graph_via")) for r in trt})
    return "PASS", f"{ran}/{len(trt)} cells ran a CUDA graph (via {', '.join(via)}); trtexec lines agree"


def check_precision(records):
    """Item 8: every engine's compute layers in the precision its name says (inspector counts)."""
    trt = _by(records, "tensorrt")
    if not trt:
        return "SKIP", "no TensorRT cells"
    rows, bad = [], []
    for r in trt:
        layers = _backend(r).get("layers") or {}
        name = f"{r['cell']['variant']}/{r['cell']['precision']}"
        if not layers.get("available"):
            bad.append(f"{name}: no layer info ({layers.get('why')})")
            continue
        rows.append(f"{name} {layers.get('compute_precision')}")
        if not layers.get("matches_name"):
            bad.append(f"{name}: {layers.get('compute_precision')}")
    if any("no layer info" in b for b in bad):
        return "FAIL", "; ".join(bad)
    # an engine that is not what its name says is a finding, flagged in its record, not a tool failure
    return "PASS", ("; ".join(rows) + (f" | NOT AS NAMED: {'; '.join(bad)}" if bad else ""))[:400]


def check_memory(records):
    """Item 7: a deterministic footprint next to the measured memory, activations for the cell's shapes."""
    trt = _by(records, "tensorrt")
    if not trt:
        return "SKIP", "no TensorRT cells"
    parts = []
    for r in trt:
        d = (r.get("memory") or {}).get("device") or {}
        if d.get("footprint_bytes") is None:
            return "FAIL", f"{r['cell']} has no footprint"
        parts.append(f"b{r['cell']['batch']} {r['cell']['precision']}: footprint {d['footprint_bytes'] / 1e6:.2f} MB "
                     f"({d.get('activation_scope')}), measured {(d.get('device_bytes') or 0) / 1e6:.2f} MB")
    return "PASS", "; ".join(parts[:6])


def check_power(records, jetson: bool):
    """Items 1/5/6/10/15: power from the energy counter (desktop) or rails (Jetson), idle baseline,
    dynamic energy, clocks."""
    cells = [r for r in records if r.get("power") is not None]
    if not cells:
        return "SKIP", "no power records"
    bad, parts = [], []
    for r in cells:
        p = r["power"]
        name = f"{r['cell']['backend']}/{r['cell']['precision']}/b{r['cell']['batch']}"
        if p.get("mean_mw") is None:
            bad.append(f"{name}: no power ({'; '.join(p.get('warnings', []))[:120]})")
            continue
        if p.get("idle_mw") is None:
            bad.append(f"{name}: no idle baseline")
        if jetson:
            if not p.get("rails_mw") or (p.get("samples") or 0) < 3:
                bad.append(f"{name}: {p.get('samples')} tegrastats samples")
        else:
            if p.get("method") != "energy counter":
                bad.append(f"{name}: method {p.get('method')}")
            if not p.get("sm_mhz"):
                bad.append(f"{name}: no SM clock samples")
        parts.append(f"{name} {p['mean_mw'] / 1000:.1f} W (idle {(p.get('idle_mw') or 0) / 1000:.1f} W, "
                     f"dyn {p.get('dynamic_mj_per_inference') or 0:.3g} mJ/inf)")
    if bad:
        return "FAIL", "; ".join(bad)[:400]
    return "PASS", "; ".join(parts[:6])


def check_engine_cache(records):
    """Item 12: a second run of the same cell is served from the cache (full-version key) and loads."""
    trt = _by(records, "tensorrt")
    built = {_backend(r).get("engine_key") for r in trt if _backend(r).get("cache_hit") is False}
    hits = [r for r in trt if _backend(r).get("cache_hit") is True]
    if not trt:
        return "SKIP", "no TensorRT cells"
    if not hits:
        return "FAIL", "no cell was served from the engine cache on the second run"
    notes = sorted({_backend(r).get("timing_cache_note") for r in trt if _backend(r).get("timing_cache_note")})
    if any("not used" in n or "not saved" in n for n in notes):  # item 13: the cache works on a real device
        return "FAIL", "; ".join(notes)
    same = sum(_backend(r).get("engine_key") in built for r in hits)
    rebuilt = sum(bool(_backend(r).get("rebuilt")) for r in trt)
    return "PASS", (f"{len(hits)} cache hit(s), {same} of an engine built in this check; {rebuilt} rebuilt; "
                    f"version {_backend(trt[0]).get('tensorrt_version')}")


def live_tegrastats(seconds: float = 1.5) -> tuple[str, str]:
    """Items 1/15 on a Jetson: the real tegrastats, piped, arrives line by line and its rails parse."""
    import time

    from edgecrelu.profiling.jetson import TegrastatsMonitor

    mon = TegrastatsMonitor(interval_ms=100, idle_s=0.5)
    mon.start()
    time.sleep(seconds)
    mon.stop()
    ts = [s["t"] for s in mon.samples]
    out = mon.summary(inferences=1)
    gaps = sorted(b - a for a, b in zip(ts, ts[1:], strict=False))
    if len(ts) < 5 or not out or out.get("mean_mw") is None:
        return "FAIL", f"{len(ts)} lines; power {out and out.get('mean_mw')}; {out and out.get('warnings')}"
    median_gap = gaps[len(gaps) // 2]
    if median_gap < 0.03:  # bursts: the lines were buffered, not read as printed
        return "FAIL", f"lines arrived in bursts (median gap {median_gap * 1000:.0f} ms)"
    return "PASS", (f"{len(ts)} lines, median gap {median_gap * 1000:.0f} ms, rails {sorted(out['rails_mw'])}, "
                    f"total via {out.get('total_rail')}, idle {out.get('idle_mw')} mW")


def check_ort_int8(records):
    """Item 9: INT8 on the CUDA provider is flagged and the node placement recorded."""
    cells = [r for r in _by(records, "onnxruntime") if (_backend(r).get("providers") or [""])[0] != "CPUExecutionProvider"]
    if not cells:
        return "SKIP", "no ONNX Runtime GPU cells"
    bad = []
    for r in cells:
        b = _backend(r)
        if not b.get("node_providers"):
            bad.append(f"{r['cell']['precision']}: no node placement")
        if r["cell"]["precision"] == "int8" and b["providers"][0] == "CUDAExecutionProvider" \
                and not any("not an INT8 number" in w for w in r.get("warnings", [])):
            bad.append("int8 on CUDA not flagged")
    if bad:
        return "FAIL", "; ".join(bad)
    return "PASS", "; ".join(f"{r['cell']['precision']}: {_backend(r)['node_providers']['nodes']}" for r in cells)


def main(argv) -> int:
    if not argv:
        print(__doc__)
        return 2
    records = load(argv)
    jetson = Path("/etc/nv_tegra_release").exists()
    failed = False
    checks = [("cuda_graphs+trtexec", check_cuda_graphs), ("engine_precision", check_precision),
              ("memory_footprint", check_memory), ("power+clocks", lambda r: check_power(r, jetson)),
              ("engine_cache", check_engine_cache), ("ort_int8_placement", check_ort_int8)]
    if jetson:
        checks.append(("tegrastats_live", lambda r: live_tegrastats()))
    for name, fn in checks:
        status, detail = fn(records)
        failed |= status == "FAIL"
        print(f"CHECK {name}: {status} {detail}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
