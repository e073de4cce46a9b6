"""What the numbers came from and how steady they were: the report's data line, the "accuracy cannot
separate them" line and the count of unstable cells next to the verdict.

Everything here reads the records only (their ``bundle``, ``settings``, ``latency_ms`` and
``trials``); a field older records lack is shown as "not recorded", never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict

from edgecrelu.report.data_check import data_check_facts, data_check_sentence

if TYPE_CHECKING:
    from edgecrelu.report.model import Report, SectionReport
    from edgecrelu.report.rows import Row

NOT_RECORDED = "not recorded"


def _distinct(values) -> list:
    out = []
    for v in values:
        if v is not None and v not in out:
            out.append(v)
    return out


def _join(values, unit: str = "") -> str:
    vals = _distinct(values)
    if not vals:
        return NOT_RECORDED
    return " / ".join(f"{v}{unit}" for v in vals)


def data_facts(records: list[dict]) -> dict:
    """Data set, eval size, model, width, input size, epochs, seeds, threads (values differing
    between records are all listed)."""
    bundles = [r.get("bundle") or {} for r in records]
    models = [b.get("model") or {} for b in bundles]
    datasets = [b.get("dataset") or {} for b in bundles]
    specs = []
    for d in datasets:
        if d.get("spec"):
            specs.append(f"{d['spec']} (synthetic)" if d.get("synthetic") else str(d["spec"]))
    evals = [d.get("eval_n") for d in datasets] + [(r.get("accuracy") or {}).get("n") for r in records]
    widths = [(m.get("arch_args") or {}).get("width") for m in models]
    sizes = ["×".join(str(x) for x in m["input_shape"]) for m in models if m.get("input_shape")]
    seeds = [",".join(str(s) for s in (b.get("train") or {}).get("seeds") or []) or None for b in bundles]
    threads = [(r.get("settings") or {}).get("threads") for r in records]
    return {
        "dataset": _join(specs),
        "eval_images": _join(evals),
        "model": _join(m.get("arch") for m in models),
        "width": _join(widths),
        "input": _join(sizes),
        "epochs": _join(d.get("epochs") for d in datasets),
        "seeds": _join(seeds),
        "threads": _join(threads),
        "synthetic": any(d.get("synthetic") for d in datasets),
        **data_check_facts(records),  # classes, split counts, resize policy, skipped files: where recorded
    }


def data_line(records: list[dict]) -> str:
    f = data_facts(records)
    line = (f"Data: data set {f['dataset']}, eval images {f['eval_images']}; model {f['model']}, "
            f"width {f['width']}, input {f['input']}; epochs {f['epochs']}; training seeds {f['seeds']}; "
            f"threads {f['threads']}.")
    line += data_check_sentence(f)
    if f["synthetic"]:
        line += " Synthetic data: the accuracy numbers say nothing about real images."
    return line


def accuracy_line(rows: list[Row]) -> str | None:
    """One line when every cell scores the same top-1: then accuracy cannot separate the variants."""
    tops = {round(r.top1, 9) for r in rows if r.top1 is not None}
    if len(tops) != 1 or len({r.variant for r in rows}) < 2:
        return None
    n = _join(r.n for r in rows)
    return (f"Every cell scores the same top-1 ({next(iter(tops)) * 100:.2f} % on {n} images): "
            "accuracy cannot separate the variants on this data.")


@dataclass(frozen=True)
class Noise:
    unstable: int  # cells whose latency CoV or trial-to-trial p50 drift exceeds the run's cov_warn
    total: int
    worst_cov: float  # fraction, over the unstable cells
    worst_drift: float  # fraction
    covered: int  # cells whose p50 ratio interval vs the baseline includes 1 (no difference shown)
    compared: int  # cells with a p50 ratio interval
    spread: tuple | None = None  # paired rounds: (workers, median, max sd of a cell's per-worker log ratio, its cell)

    def sentence(self) -> str:
        parts = []
        if self.spread is not None:
            workers, med, worst, cell = self.spread
            parts.append(f"timed in paired rounds over {workers} worker processes; the spread between workers (sd of "
                         f"a cell's per-worker log ratio to the baseline) is {med:.1%} at the median and {worst:.1%} at "
                         f"the most ({cell})")
        elif self.unstable:
            parts.append(f"{self.unstable} of {self.total} cells were unstable (latency CoV up to "
                         f"{self.worst_cov:.0%}, p50 drift between trials up to {self.worst_drift:.0%})")
        else:
            parts.append(f"all {self.total} cells were steady (CoV and trial drift within cov_warn)")
        if self.compared:
            parts.append(f"{self.covered} of {self.compared} latency ratios are inside the spread (≈ in the table)"
                         if self.spread is None else
                         f"{self.covered} of {self.compared} latency ratio intervals include 1 (≈ in the table)")
        return "Noise: " + "; ".join(parts) + "."


def cell_noise(record: dict) -> tuple[float, float, bool]:
    """(CoV, p50 drift between trials, unstable) of one record."""
    lat = record.get("latency_ms") or {}
    cov = float(lat.get("cov") or 0.0)
    p50s = [float(t["p50"]) for t in record.get("trials") or [] if isinstance(t, dict) and t.get("p50")]
    drift = max(p50s) / min(p50s) - 1 if len(p50s) > 1 and min(p50s) > 0 else 0.0
    warn = (record.get("settings") or {}).get("cov_warn")
    warn = 0.05 if warn is None else float(warn)
    return cov, drift, cov > warn or drift > warn


def latency_covered(row: Row) -> bool:
    """True when the 95 % interval of the row's p50 ratio vs the baseline includes 1."""
    ci = row.p50_ratio_ci
    return ci is not None and ci.lo <= 1.0 <= ci.hi


def paired_spread(rows: list[Row]) -> tuple | None:
    """(workers, median sd, max sd, the noisiest cell) of the per-worker log ratios of rows timed in paired
    rounds (the reference, all zeros, left out); None where no row was."""
    import statistics

    sds, workers = [], 0
    for r in rows:
        units = ((r.record.get("paired") or {}).get("units") or {}).get("p50") or {}
        vals = [float(v) for v in units.values()]
        workers = max(workers, len(vals))
        if len(vals) >= 2 and any(vals):
            sds.append((statistics.stdev(vals), f"{r.variant} {r.form} {r.precision} b{r.batch}"))
    if not sds:
        return None
    worst = max(sds)
    return workers, statistics.median(s for s, _ in sds), worst[0], worst[1]


def noise_of(rows: list[Row]) -> Noise:
    stats = [cell_noise(r.record) for r in rows]
    bad = [s for s in stats if s[2]]
    compared = [r for r in rows if r.p50_ratio_ci is not None]
    return Noise(len(bad), len(rows), max((s[0] for s in bad), default=0.0), max((s[1] for s in bad), default=0.0),
                 sum(latency_covered(r) for r in compared), len(compared), paired_spread(rows))


def noise_of_sections(sections: list[SectionReport]) -> Noise:
    return noise_of([r for sr in sections for r in sr.rows])


def all_records(report: Report) -> list[dict[str, Any]]:
    return [rec for sr in report.sections for rec in sr.section.records]


class HeaderLines(TypedDict):
    plain: str  # "In short"
    data: str
    noise: str
    accuracy: str | None


def header_lines(report: Report) -> HeaderLines:
    """The lines under the verdict, shared by every renderer: ``data``, ``noise``, ``accuracy``
    (None when accuracy does separate the cells)."""
    acc = [(label, a) for label, a in ((sr.section.label, accuracy_line(sr.rows)) for sr in report.sections) if a]
    if not acc:
        accuracy = None
    elif len(report.sections) == 1:
        accuracy = acc[0][1]
    else:
        accuracy = " ".join(f"[{label}] {a}" for label, a in acc)
    from edgecrelu.report.plain import in_plain_words

    plain = " ".join((f"[{sr.section.label}] " if len(report.sections) > 1 else "")
                     + in_plain_words(sr.verdict, sr.policy) for sr in report.sections)
    return {"data": data_line(all_records(report)), "noise": noise_of_sections(report.sections).sentence(),
            "accuracy": accuracy, "plain": plain}


def headline(report: Report) -> str:
    """The page's verdict box: the whole sentence with one section; with several, the overall
    verdict and each device's word (each section boxes its own sentence, so none is said twice)."""
    if len(report.sections) == 1:
        return report.sentence
    head = report.sentence.split(": ", 1)[0]
    return head + ": " + "; ".join(f"{sr.section.label}: {sr.verdict.verdict}" for sr in report.sections)


FALLBACK_KEYS = ("provider_fallback", "cuda_fallback")  # settings.backend.<key> or the record's top level


def provider_fallback(record: dict) -> str | None:
    """What the record says about an execution provider that fell back (e.g. CUDA to CPU), or None.
    A record may carry it as ``settings.backend.provider_fallback`` (text or true) or at its top level."""
    backend = (record.get("settings") or {}).get("backend") or {}
    for holder in (backend, record):
        if not isinstance(holder, dict):
            continue
        for key in FALLBACK_KEYS:
            value = holder.get(key)
            if value:
                return value if isinstance(value, str) else "the requested execution provider fell back to CPU"
    return None


def fallback_line(rows: list[Row]) -> str | None:
    """Once per section: how many cells ran on a fallback provider, and what the records say."""
    said = [s for s in (provider_fallback(r.record) for r in rows) if s]
    if not said:
        return None
    what = "; ".join(dict.fromkeys(said))
    return (f"Provider fallback in {len(said)} of {len(rows)} cells ({what}): those latencies are not the "
            "requested device's.")
