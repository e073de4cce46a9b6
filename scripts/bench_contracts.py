#!/usr/bin/env python3
"""How long loading a large results directory takes with each way of checking a record: the hand
validator that ``results.py`` had, msgspec (the models in ``edgecrelu/schema/``), and pydantic v2
(models generated here from the same msgspec models, strict, unknown fields forbidden).

Usage: python scripts/bench_contracts.py [--records 2000] [--repeats 5]

It copies the fixture records (tests/fixtures/records/*) into a temporary directory until it holds
``--records`` files, then times, per way, reading every file and checking it (median of
``--repeats``), and the import time of each library in a fresh interpreter. Ratios to the hand
validator matter, not the absolute times: run it on a quiet machine, or read it as noisy. Needs
pydantic installed (``pip install pydantic``); it is no dependency of edgecrelu.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
import tempfile
import time
import typing
from pathlib import Path
from typing import Annotated, Union

import msgspec

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from edgecrelu.schema.base import check  # noqa: E402
from edgecrelu.schema.record import Record  # noqa: E402
from edgecrelu.validate import want  # noqa: E402


# -- the hand validator results.py had before the models (commit 3ca75cb) and the helpers it used from
# validate.py, kept here only to measure --
def is_num(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def is_finite(v) -> bool:
    return is_num(v) and math.isfinite(v)


def is_pos_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 1


def is_text(v) -> bool:
    return isinstance(v, str) and bool(v)


def numbers(d, source: str, where: str, keys=None, minimum=None, maximum=None) -> None:
    if d is None:
        return
    want(isinstance(d, dict), source, where, "an object or null", d)
    for k in keys if keys is not None else d:
        in_range(d.get(k), source, f"{where}.{k}", minimum, maximum, allow_none=True)


def in_range(v, source: str, where: str, minimum=None, maximum=None, allow_none: bool = False) -> None:
    if v is None and allow_none:
        return
    want(is_num(v), source, where, "a number or null" if allow_none else "a number", v)
    want(math.isfinite(v), source, where, "a finite number", v)
    if minimum is not None:
        want(v >= minimum, source, where, f"a number >= {minimum:g}", v)
    if maximum is not None:
        want(v <= maximum, source, where, f"a number <= {maximum:g}", v)


def hand_validate(r: dict, source: str) -> dict:
    from edgecrelu.errors import EdgeCReLUError
    from edgecrelu.validate import schema_version_error

    if not isinstance(r, dict) or r.get("kind") != "edgecrelu-result":
        raise EdgeCReLUError(f"{source} is not an edgecrelu result record")
    problem = schema_version_error(r.get("schema_version"), 1)
    if problem:
        raise EdgeCReLUError(f"{source}: {problem}")
    required = ("schema_version", "run_id", "created_utc", "device_profile", "environment", "bundle", "cell",
                "latency_ms", "throughput_ips", "memory", "accuracy", "warnings")
    missing = [k for k in required if k not in r]
    if missing:
        raise EdgeCReLUError(f"{source}: missing field(s): {', '.join(missing)}")
    cell = r["cell"]
    want(isinstance(cell, dict), source, "cell", "an object", cell)
    for k in ("variant", "form", "precision", "backend"):
        want(is_text(cell.get(k)), source, f"cell.{k}", "a non-empty string", cell.get(k))
    want(is_pos_int(cell.get("batch")), source, "cell.batch", "a positive integer", cell.get("batch"))
    for k in ("device_profile", "environment", "bundle"):
        want(isinstance(r[k], dict), source, k, "an object", r[k])
    for k, v in (("bundle.manifest_sha256", r["bundle"].get("manifest_sha256")),
                 ("device_profile.name", r["device_profile"].get("name")),
                 ("environment.host", r["environment"].get("host"))):
        want(v is None or is_text(v), source, k, "a non-empty string", v)
    decision = r["device_profile"].get("decision")
    want(decision is None or isinstance(decision, dict), source, "device_profile.decision", "an object", decision)
    numbers(r["latency_ms"], source, "latency_ms", minimum=0)
    in_range(r["throughput_ips"], source, "throughput_ips", minimum=0, allow_none=True)
    numbers(r["memory"], source, "memory", ("model_bytes", "params", "macs", "peak_rss_bytes", "device_bytes",
                                            "artifact_macs", "artifact_params"), minimum=0)
    numbers(r["accuracy"], source, "accuracy", ("top1", "top5", "agreement_top1"))
    for k in ("top1", "top5", "agreement_top1"):
        v = (r["accuracy"] or {}).get(k)
        if v is not None and not 0 <= v <= 1:
            raise EdgeCReLUError(f"{source}: accuracy.{k} = {v} is not a fraction in [0, 1]")
    numbers(r["accuracy"], source, "accuracy", ("n", "max_abs_diff"), minimum=0)
    stages = r.get("stages_ms")
    want(stages is None or isinstance(stages, dict), source, "stages_ms", "an object or null", stages)
    for name, st in (stages or {}).items():
        numbers(st, source, f"stages_ms.{name}", minimum=0)
    trials = r.get("trials")
    want(trials is None or isinstance(trials, list), source, "trials", "a list", trials)
    for i, t in enumerate(trials or []):
        numbers(t, source, f"trials[{i}]", ("p50", "p99", "n"), minimum=0)
    power = r.get("power")
    numbers(power, source, "power", ("mean_mw", "mj_per_inference", "idle_mw"), minimum=0)
    numbers(power, source, "power", ("dynamic_mw", "dynamic_mj_per_inference"))
    if power is not None:
        numbers(power.get("rails_mw"), source, "power.rails_mw", minimum=0)
    device_mem = r["memory"].get("device") if isinstance(r["memory"], dict) else None
    if isinstance(device_mem, dict):
        numbers(device_mem, source, "memory.device", ("footprint_bytes", "activation_bytes", "io_bytes"), minimum=0)
    ds = r["bundle"].get("dataset")
    want(ds is None or isinstance(ds, dict), source, "bundle.dataset", "an object or null", ds)
    numbers(ds, source, "bundle.dataset", ("eval_n", "epochs"), minimum=0)
    train = r["bundle"].get("train")
    if isinstance(train, dict) and train.get("test_acc") is not None:
        accs = train["test_acc"]
        want(isinstance(accs, list) and all(is_finite(a) for a in accs), source, "bundle.train.test_acc",
             "a list of numbers", accs)
    ops = r.get("ops")
    want(ops is None or isinstance(ops, dict), source, "ops", "an object or null", ops)
    if ops is not None:
        numbers(ops.get("shares"), source, "ops.shares")
        numbers(ops.get("convs"), source, "ops.convs", ("qlinear", "float"))
    w = r["warnings"]
    want(isinstance(w, list) and all(isinstance(x, str) for x in w), source, "warnings", "a list of strings", w)
    return r


# -- pydantic v2 models generated from the msgspec ones: the same fields, constraints and strictness --
def pydantic_model(struct: type):
    import pydantic

    made: dict = {}

    def conv(t):
        origin, args = typing.get_origin(t), typing.get_args(t)
        if origin is Annotated:
            base, *extras = args
            kw = {}
            for e in extras:
                if isinstance(e, msgspec.Meta):
                    kw = {k: getattr(e, k) for k in ("ge", "le", "min_length", "max_length", "pattern")
                          if getattr(e, k) is not None}
            return Annotated[conv(base), pydantic.Field(**kw)]
        if origin in (Union, getattr(__import__("types"), "UnionType", Union)):
            return Union[tuple(conv(a) for a in args)]  # noqa: UP007 -- built from a runtime tuple
        if origin is list:
            return list[conv(args[0])]
        if origin is dict:
            return dict[conv(args[0]), conv(args[1])]
        if isinstance(t, type) and issubclass(t, msgspec.Struct):
            if t not in made:
                config = pydantic.ConfigDict(strict=True, protected_namespaces=(),
                                             extra="forbid" if t.__struct_config__.forbid_unknown_fields else "allow")
                fields = {}
                for f in msgspec.structs.fields(t):
                    default = ... if f.required else (f.default if f.default is not msgspec.NODEFAULT else None)
                    fields[f.name] = (conv(f.type), default)
                made[t] = pydantic.create_model(f"P{t.__name__}", __config__=config, **fields)
            return made[t]
        return t

    return conv(struct)


def fixture_dir(n: int, out: Path) -> list[Path]:
    sources = sorted((ROOT / "tests" / "fixtures" / "records").glob("*/*.json"))
    paths = []
    for i in range(n):
        p = out / f"{i:05d}.json"
        p.write_bytes(sources[i % len(sources)].read_bytes())
        paths.append(p)
    return paths


def import_time(stmt: str, repeats: int) -> float:
    code = f"import time; t = time.perf_counter(); {stmt}; print(time.perf_counter() - t)"
    runs = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
            for _ in range(repeats)]
    return statistics.median(runs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    PRecord = pydantic_model(Record)
    dec = msgspec.json.Decoder(Record)
    ways = {
        "hand validator (json + results.py before)": lambda b, p: hand_validate(json.loads(b), str(p)),
        "msgspec convert (json + schema.check, used)": lambda b, p: check(json.loads(b), Record, str(p)),
        "msgspec decode (bytes -> Record)": lambda b, p: dec.decode(b),
        "pydantic validate (json + model_validate)": lambda b, p: PRecord.model_validate(json.loads(b)),
        "pydantic validate_json (bytes -> model)": lambda b, p: PRecord.model_validate_json(b),
    }
    with tempfile.TemporaryDirectory() as d:
        paths = fixture_dir(args.records, Path(d))
        times = {}
        for name, fn in ways.items():
            runs = []
            for _ in range(args.repeats):
                t = time.perf_counter()
                for p in paths:
                    fn(p.read_bytes(), p)
                runs.append(time.perf_counter() - t)
            times[name] = statistics.median(runs)
    base = times["hand validator (json + results.py before)"]
    print(f"{args.records} records, median of {args.repeats} (read + check every file):")
    for name, t in times.items():
        print(f"  {name:46s} {t * 1000:8.1f} ms   x{t / base:5.2f} of the hand validator")
    print(f"import in a fresh interpreter (median of {args.repeats}):")
    for stmt in ("import msgspec", "import pydantic; pydantic.BaseModel"):
        print(f"  {stmt:46s} {import_time(stmt, args.repeats) * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
