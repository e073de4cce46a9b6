"""Decision-grade statistics for the report, ``edgecrelu compare`` and the profile run's stop rule
(scipy.stats does the maths).

Latency: a record carries one summary per trial (p50, p99, n). The interval on a ratio of two cells
is Welch's t interval on the difference of the log per-trial values, exponentiated: trials are the
independent replicates (each holds hundreds of iterations, so the iteration noise is inside the
trial-to-trial spread). With the usual 3 trials a bootstrap has only 10 distinct resamples per cell
and its percentile interval is too narrow, so the t interval (few degrees of freedom, wide) is used.

Accuracy: top-1 of two models on the same eval images is compared paired, image by image, when both
records carry per-image correctness (``accuracy.correct``): a paired bootstrap interval on the
difference and McNemar's exact test on the discordant images. Records without it fall back to an
unpaired bootstrap over the two counts, and say so. Where both records carry per-seed training
accuracies, Welch's t interval over the seeds is computed too and the wider interval decides.

Percentiles: a sample percentile q from n samples is only quoted as such when a distribution-free
95 % interval for it exists inside the sample (n >= log(0.025) / log(q): 367 samples for p99).
"""

from __future__ import annotations

import base64
import contextlib
import math
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from edgecrelu import sequential

CONFIDENCE = 0.95
POWER = 0.80
N_RESAMPLES = 2000
SEED = 20261128  # fixed: the same records always give the same intervals


# ---------------------------------------------------------------- percentiles



@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """scipy's t-tests warn of precision loss on nearly identical samples (identical accuracies, a bundle
    measured twice); the interval is still right, and the warning would reach the user's terminal."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield

def min_samples_for(q: float, confidence: float = CONFIDENCE) -> int:
    """Smallest n for which the distribution-free interval of the q-quantile has its upper end
    inside the sample: P(all n samples below the q-quantile) = q**n <= (1 - confidence) / 2."""
    from scipy import stats

    n = max(1, math.ceil(math.log((1 - confidence) / 2) / math.log(q)))
    while stats.binom.cdf(n - 1, n, q) < 1 - (1 - confidence) / 2:  # the order-statistic bound, via scipy
        n += 1
    return n


def percentile_supported(q: float, n: int | None) -> bool:
    return n is not None and n > 0 and int(n) >= min_samples_for(q)


# ---------------------------------------------------------------- latency ratios


@dataclass
class RatioCI:
    """``b / a`` of one latency statistic with its 95 % interval."""

    metric: str  # p50 | p99
    ratio: float
    lo: float
    hi: float
    trials: tuple  # (trials of a, trials of b)
    method: str
    sd_log: float | None = None  # pooled per-trial standard deviation of log latency
    df: float | None = None

    def to_dict(self) -> dict:
        return {"metric": self.metric, "ratio": self.ratio, "lo": self.lo, "hi": self.hi,
                "trials": list(self.trials), "method": self.method}

    def trials_to_resolve(self, target_ratio: float, limit: int = 1000) -> int | None:
        """Trials per cell that would put ``target_ratio`` outside the interval, the spread staying
        the same (None when the spread is unknown or ``target_ratio`` is the measured ratio)."""
        from scipy import stats

        gap = abs(math.log(self.ratio) - math.log(target_ratio)) if target_ratio > 0 else 0.0
        if not self.sd_log or gap <= 0:
            return None
        for k in range(2, limit + 1):
            half = stats.t.ppf(0.5 + CONFIDENCE / 2, 2 * k - 2) * self.sd_log * math.sqrt(2.0 / k)
            if half < gap:
                return k
        return limit

    def detectable(self) -> float:
        """Smallest relative difference this run would detect with 80 % power (fraction)."""
        from scipy import stats

        if not self.sd_log or not self.df:
            return math.inf
        ka, kb = self.trials
        se = self.sd_log * math.sqrt(1.0 / ka + 1.0 / kb)
        return math.expm1((stats.t.ppf(0.5 + CONFIDENCE / 2, self.df) + stats.t.ppf(POWER, self.df)) * se)


def trial_values(record: dict, metric: str) -> list[float]:
    vals = [t.get(metric) for t in (record.get("trials") or []) if isinstance(t, dict)]
    return [float(v) for v in vals if isinstance(v, (int, float)) and v > 0]


def _single_trial_sd_log(record: dict, metric: str) -> float | None:
    """Sampling sd of log(p50) from one trial's CoV and n: the standard error of a median of a
    normal sample, sqrt(pi / 2) * sd / sqrt(n), relative to the value. None for other percentiles."""
    lat = record.get("latency_ms") or {}
    cov, n = lat.get("cov"), lat.get("n")
    if metric != "p50" or not cov or not n:
        return None
    return math.sqrt(math.pi / 2) * float(cov) / math.sqrt(float(n))


@dataclass
class PairedRatioCI(RatioCI):
    """A ratio from paired rounds: an anytime-valid interval over the workers (``edgecrelu.sequential``)."""

    seq: sequential.Interval | None = None  # the interval on the log ratio (always set: a default only for the dataclass)
    stop: dict | None = None  # why and when the rounds stopped

    @property
    def interval(self) -> sequential.Interval:
        assert self.seq is not None, "a paired ratio is made with its interval (paired_ratio)"
        return self.seq

    def to_dict(self) -> dict:
        d = super().to_dict()
        seq = self.interval
        d.update({"workers": seq.n, "alpha": seq.alpha, "worker_sd_log": seq.sd, "stop": self.stop})
        return d

    def trials_to_resolve(self, target_ratio: float, limit: int = 10_000) -> int | None:
        """Workers at which ``target_ratio`` would leave the interval at the same spread."""
        return self.interval.units_to_resolve(math.log(target_ratio), limit) if target_ratio > 0 else None

    def detectable(self) -> float:
        """Half-width of the interval now, as a fraction: smaller differences are not resolved."""
        seq = self.interval
        return math.expm1((seq.hi - seq.lo) / 2) if math.isfinite(seq.hi) else math.inf


PAIRED_STAT = {"p50": "p50", "p99": "p99", "mean": "mean"}


def paired_units(record: dict, stat: str) -> dict | None:
    """``{worker: unit}`` of a record measured in paired rounds (None for records without them)."""
    p = record.get("paired")
    if not isinstance(p, dict):
        return None
    units = (p.get("units") or {}).get(stat)
    if not isinstance(units, dict):
        return None
    return {str(k): float(v) for k, v in units.items() if isinstance(v, (int, float))}


def same_sequence(a: dict, b: dict) -> bool:
    pa, pb = a.get("paired"), b.get("paired")
    return (isinstance(pa, dict) and isinstance(pb, dict) and pa.get("sequence") is not None
            and pa.get("sequence") == pb.get("sequence") and pa.get("group") == pb.get("group"))


def paired_ratio(a: dict, b: dict, metric: str = "p50") -> PairedRatioCI | None:
    """latency(b) / latency(a) from paired rounds, where both records come from one sequence."""
    if not same_sequence(a, b):
        return None
    stat = PAIRED_STAT.get(metric, "p50")
    ua, ub = paired_units(a, stat), paired_units(b, stat)
    if ua is None or ub is None:
        return None
    alpha = float(a["paired"].get("alpha") or sequential.ALPHA)
    seq = sequential.interval(sequential.contrast_units(ub, ua), alpha)
    return PairedRatioCI(metric, seq.ratio, seq.ratio_lo, seq.ratio_hi, (seq.n, seq.n),
                         f"paired rounds, anytime-valid interval over {seq.n} workers (alpha {alpha:.2g})",
                         seq.sd, float(max(seq.n - 1, 0)), seq=seq, stop=a["paired"].get("stop"))


def ratio_interval(a: dict, b: dict, metric: str = "p50") -> RatioCI | None:
    """Interval on latency(b) / latency(a) for ``metric`` (p50 or p99): from paired rounds where both
    records carry them, else from the records' trials."""
    from scipy import stats

    paired = paired_ratio(a, b, metric)
    if paired is not None:
        return paired
    la, lb = (r.get("latency_ms") or {} for r in (a, b))
    va, vb = la.get(metric), lb.get(metric)
    if not va or not vb:
        return None
    ratio = float(vb) / float(va)
    ta, tb = trial_values(a, metric), trial_values(b, metric)
    if len(ta) >= 2 and len(tb) >= 2:
        xa, xb = np.log(ta), np.log(tb)
        sa, sb = float(np.var(xa, ddof=1)), float(np.var(xb, ddof=1))
        if sa + sb > 0:
            with _quiet():
                res = stats.ttest_ind(xb, xa, equal_var=False)
                ci = res.confidence_interval(CONFIDENCE)
            sd = math.sqrt(((len(xa) - 1) * sa + (len(xb) - 1) * sb) / (len(xa) + len(xb) - 2))
            return RatioCI(metric, ratio, math.exp(ci.low), math.exp(ci.high), (len(ta), len(tb)),
                           "Welch t on log per-trial values", sd, float(res.df))
        return RatioCI(metric, ratio, ratio, ratio, (len(ta), len(tb)), "identical trials (no spread)")
    sda, sdb = _single_trial_sd_log(a, metric), _single_trial_sd_log(b, metric)
    if sda is None or sdb is None:
        return RatioCI(metric, ratio, 0.0, math.inf, (len(ta), len(tb)), "no trial spread: interval unknown")
    half = stats.norm.ppf(0.5 + CONFIDENCE / 2) * math.hypot(sda, sdb)
    return RatioCI(metric, ratio, ratio * math.exp(-half), ratio * math.exp(half), (1, 1),
                   "single trial: standard error of the median from CoV", None, None)


def value_interval(record: dict, metric: str) -> tuple[float, float] | None:
    """95 % t interval on one cell's latency statistic from its trials (for budgets)."""
    from scipy import stats

    vals = trial_values(record, metric)
    if len(vals) < 2:
        return None
    with _quiet():
        ci = stats.ttest_1samp(np.log(vals), 0.0).confidence_interval(CONFIDENCE)
    if not (math.isfinite(ci.low) and math.isfinite(ci.high)):
        v = float(np.mean(vals))
        return v, v
    return math.exp(ci.low), math.exp(ci.high)


# ---------------------------------------------------------------- accuracy


def encode_classes(predicted: ArrayLike) -> str:
    """Per-image top-1 classes as base64 of the zlib-compressed uint8 (uint16 past 256 classes) array;
    ``n`` is kept beside it and the item size follows from the length."""
    import zlib

    p = np.asarray(predicted, dtype=np.int64).reshape(-1)
    dtype = np.uint8 if (p.size == 0 or p.max() < 256) else np.dtype("<u2")
    return base64.b64encode(zlib.compress(p.astype(dtype).tobytes(), 9)).decode("ascii")


def decode_classes(acc: dict) -> np.ndarray | None:
    """The per-image top-1 classes of ``acc`` (an accuracy record), or None where absent or unreadable."""
    import zlib

    text, n = acc.get("predicted"), acc.get("n")
    if not isinstance(text, str) or not n:
        return None
    try:
        raw = zlib.decompress(base64.b64decode(text, validate=True))
    except (ValueError, TypeError, zlib.error):
        return None
    n = int(n)
    if len(raw) == n:
        return np.frombuffer(raw, dtype=np.uint8).astype(np.int64)
    if len(raw) == 2 * n:
        return np.frombuffer(raw, dtype="<u2").astype(np.int64)
    return None


def encode_correct(correct: ArrayLike) -> str:
    """Per-image top-1 correctness as base64 of the packed bits (``n`` is kept beside it)."""
    return base64.b64encode(np.packbits(np.asarray(correct, dtype=bool)).tobytes()).decode("ascii")


def decode_correct(acc: dict) -> np.ndarray | None:
    text, n = acc.get("correct"), acc.get("n")
    if not isinstance(text, str) or not n:
        return None
    try:
        bits = np.unpackbits(np.frombuffer(base64.b64decode(text, validate=True), dtype=np.uint8))
    except (ValueError, TypeError):
        return None
    if len(bits) < int(n):
        return None
    out = bits[: int(n)].astype(bool)
    top1 = acc.get("top1")
    if top1 is not None and int(out.sum()) != int(round(float(top1) * int(n))):
        return None  # the bits do not match the recorded top-1: not trusted for a paired test
    return out


@dataclass
class AccuracyCI:
    """top-1 of b minus top-1 of a, in points, with its 95 % interval."""

    diff_pts: float
    lo: float
    hi: float
    n: int
    paired: bool
    method: str
    discordant: int | None = None  # images where exactly one model is right (paired only)
    p_value: float | None = None  # McNemar exact (paired) — probability of a split this uneven by chance
    seeds: tuple | None = None  # (lo, hi) of the seed-level interval where both records carry seeds
    notes: list = field(default_factory=list)
    seed_counts: tuple[int, int] | None = None  # (seeds of a, seeds of b) where the seed interval sets the width
    images_interval: tuple[float, float] | None = None  # (lo, hi) from the images alone, kept when the seeds set the width

    def to_dict(self) -> dict:
        return {"diff_pts": self.diff_pts, "lo": self.lo, "hi": self.hi, "n": self.n, "paired": self.paired,
                "method": self.method, "discordant": self.discordant, "mcnemar_p": self.p_value,
                "seed_interval_pts": list(self.seeds) if self.seeds else None,
                "width_set_by": "seeds" if self.seed_counts else "images"}

    @property
    def half_width(self) -> float:
        return (self.hi - self.lo) / 2

    def images_to_resolve(self, margin_pts: float) -> int | None:
        """Eval images that would put ``margin_pts`` outside the interval at the same difference
        (the half-width shrinks as 1 / sqrt(n)); None where the seeds set the width (more images
        would not narrow it)."""
        if self.seed_counts:
            return None
        gap = abs(self.diff_pts - margin_pts)
        if gap < 1e-6 or self.half_width <= 0:
            return None
        return int(math.ceil(self.n * (self.half_width / gap) ** 2))


def _counts(acc: dict) -> tuple[int, int] | None:
    top1, n = acc.get("top1"), acc.get("n")
    if top1 is None or not n:
        return None
    return int(round(float(top1) * int(n))), int(n)


def _percentile_ci(draws: np.ndarray) -> tuple[float, float]:
    a = (1 - CONFIDENCE) / 2
    lo, hi = np.quantile(draws, [a, 1 - a])
    return float(lo), float(hi)


def paired_bootstrap(only_a: int, only_b: int, n: int) -> tuple[float, float]:
    """Percentile bootstrap of mean(b) - mean(a) over n paired images, in fractions. Resampling the
    n images with replacement only moves the counts of the two kinds of discordant image, so the
    resamples are drawn as multinomial counts (scipy.stats) — the same bootstrap, without n x B work."""
    from scipy import stats

    counts = stats.multinomial.rvs(n, [only_a / n, only_b / n, 1 - (only_a + only_b) / n], size=N_RESAMPLES,
                                   random_state=SEED)
    return _percentile_ci((counts[:, 1] - counts[:, 0]) / n)


def unpaired_bootstrap(ka: int, na: int, kb: int, nb: int) -> tuple[float, float]:
    """Percentile bootstrap of kb/nb - ka/na for two independent sets of images: a resample of n
    right/wrong outcomes has a binomial number right (scipy.stats), so the counts are drawn directly."""
    from scipy import stats

    rng = np.random.default_rng(SEED)
    da = stats.binom.rvs(na, ka / na, size=N_RESAMPLES, random_state=rng) / na
    db = stats.binom.rvs(nb, kb / nb, size=N_RESAMPLES, random_state=rng) / nb
    return _percentile_ci(db - da)


def identical_outputs(a: dict, b: dict) -> bool:
    """True when two records of the same eval images give the same top-1 class on every image (both
    carry per-image classes), or, lacking them, ran the same file on the same backend and are right on
    the same images."""
    acc_a, acc_b = a.get("accuracy") or {}, b.get("accuracy") or {}
    if (a.get("bundle") or {}).get("dataset_sha256") != (b.get("bundle") or {}).get("dataset_sha256"):
        return False
    pa, pb = decode_classes(acc_a), decode_classes(acc_b)
    if pa is not None and pb is not None:
        return len(pa) == len(pb) and bool(np.array_equal(pa, pb))
    xa, xb = decode_correct(acc_a), decode_correct(acc_b)
    return (same_artifact(a, b) and (a.get("cell") or {}).get("backend") == (b.get("cell") or {}).get("backend")
            and xa is not None and xb is not None and len(xa) == len(xb) and bool(np.array_equal(xa, xb)))


def same_artifact(a: dict, b: dict) -> bool:
    """Both records ran one file: the same artifact hash, or the same cell of one bundle (its manifest
    hash pins every file's)."""
    art_a, art_b = ((r.get("bundle") or {}).get("artifact") or {} for r in (a, b))
    if art_a.get("sha256") and art_b.get("sha256"):
        return bool(art_a["sha256"] == art_b["sha256"])
    ma, mb = ((r.get("bundle") or {}).get("manifest_sha256") for r in (a, b))
    ca, cb = ({k: (r.get("cell") or {}).get(k) for k in ("variant", "form", "precision")} for r in (a, b))
    return ma is not None and ma == mb and ca == cb


def accuracy_interval(a: dict, b: dict, seeds_gate: bool = False, identical_exact: bool = False) -> AccuracyCI | None:
    """Interval on top1(b) - top1(a) in points; paired where both records carry per-image results.
    With ``seeds_gate`` the seed-to-seed interval sets the width where it is the wider one. With
    ``identical_exact`` (``compare``: one model measured twice) identical outputs on every image give
    a difference of exactly 0 (a zero-width interval): no image can move the estimate."""
    from scipy import stats

    acc_a, acc_b = a.get("accuracy") or {}, b.get("accuracy") or {}
    ca, cb = _counts(acc_a), _counts(acc_b)
    if ca is None or cb is None:
        return None
    xa, xb = decode_correct(acc_a), decode_correct(acc_b)
    same_data = (a.get("bundle") or {}).get("dataset_sha256") == (b.get("bundle") or {}).get("dataset_sha256")
    if identical_exact and xa is not None and identical_outputs(a, b):
        return AccuracyCI(0.0, 0.0, 0.0, len(xa), True,
                          "identical outputs on every image (the same model measured twice): exactly 0", 0, 1.0)
    if xa is not None and xb is not None and len(xa) == len(xb) and same_data:
        diff = (xb.mean() - xa.mean()) * 100
        only_b, only_a = int(np.sum(xb & ~xa)), int(np.sum(xa & ~xb))
        nd = only_a + only_b
        if nd == 0:
            # No image differs: the bootstrap is degenerate. Bound the difference by the 95 % upper
            # bound on the rate of discordant images instead.
            up = stats.binomtest(0, len(xa)).proportion_ci(CONFIDENCE, method="exact").high * 100
            lo, hi, p = -up, up, 1.0
        else:
            lo, hi = (v * 100 for v in paired_bootstrap(only_a, only_b, len(xa)))
            p = float(stats.binomtest(only_b, nd, 0.5).pvalue)
        out = AccuracyCI(float(diff), lo, hi, len(xa), True, "paired bootstrap over the same images; McNemar exact",
                         nd, p)
    else:
        (ka, na), (kb, nb) = ca, cb
        diff = (kb / nb - ka / na) * 100
        if ka in (0, na) and kb in (0, nb):
            up = max(stats.binomtest(0, na).proportion_ci(CONFIDENCE, method="exact").high,
                     stats.binomtest(0, nb).proportion_ci(CONFIDENCE, method="exact").high) * 100
            lo, hi = diff - up, diff + up
        else:
            lo, hi = (v * 100 for v in unpaired_bootstrap(ka, na, kb, nb))
        out = AccuracyCI(float(diff), lo, hi, min(na, nb), False,
                         "unpaired bootstrap (records carry no per-image results)")
        out.notes.append("unpaired: the records carry no per-image results, so the interval is wider than a paired one")
    sa_seeds, sb_seeds = seed_accuracies(a), seed_accuracies(b)
    if sa_seeds and sb_seeds:
        # The verdict compares the exported artifacts, the models that would be shipped; the spread
        # over training seeds is the risk of a retrain, reported with its own interval. It sets the
        # width only where the policy says so (decision.seed_spread_gates).
        with _quiet():
            res = stats.ttest_ind(np.array(sb_seeds) * 100, np.array(sa_seeds) * 100, equal_var=False)
            ci = res.confidence_interval(CONFIDENCE)
        if math.isfinite(ci.low) and math.isfinite(ci.high):
            out.seeds = (float(ci.low), float(ci.high))
            if seeds_gate and ci.high - ci.low > out.hi - out.lo:
                out.images_interval = (out.lo, out.hi)
                out.seed_counts = (len(sa_seeds), len(sb_seeds))
                out.lo, out.hi = out.diff_pts - (ci.high - ci.low) / 2, out.diff_pts + (ci.high - ci.low) / 2
                out.notes.append(f"training seeds spread more than the eval images: the seed interval "
                                 f"({ci.low:+.2f} to {ci.high:+.2f} points) sets the width")
    return out


def seed_accuracies(record: dict) -> list[float] | None:
    """Per-seed test accuracies from training, where the record carries them (else None).

    Looked up in ``record["train"]["test_acc"]`` or ``record["bundle"]["train"]["test_acc"]`` (the
    bundle manifest keeps them per variant; a profile run may copy them into the record).
    """
    for holder in (record, record.get("bundle") or {}):
        train = holder.get("train") if isinstance(holder, dict) else None
        if isinstance(train, dict):
            accs = train.get("test_acc")
            if isinstance(accs, list) and len(accs) >= 2:
                return [float(a) for a in accs]
    return None



Z_95 = 1.959963984540054  # two-sided 95 %: the verdict's intervals
Z_POWER = 0.8416212335729143  # one-sided 80 %: POWER


def images_for_budget(discordance: float, budget_pts: float) -> int | None:
    """Paired eval images for which a true 0-point difference puts the 95 % interval above minus
    ``budget_pts`` with 80 % power, at ``discordance`` (the share of images exactly one of the two models
    gets right: at a 0 difference the per-image variance of the paired difference). None without a budget."""
    if budget_pts <= 0:
        return None
    return max(1, math.ceil((Z_95 + Z_POWER) ** 2 * discordance / (budget_pts / 100.0) ** 2))


def detectable_drop_pts(discordance: float, n: int) -> float:
    """The smallest accuracy budget (points) ``n`` paired images decide with 80 % power when the true
    difference is 0, at ``discordance``: the inverse of :func:`images_for_budget`."""
    return (Z_95 + Z_POWER) * math.sqrt(discordance / n) * 100.0 if n > 0 else math.inf


def discordance_bound(discordant: int, n: int) -> float:
    """The discordant share to plan with: the measured one, or with none seen its exact 95 % upper
    bound (a set where no image differs says only that the rate is small)."""
    if n <= 0:
        return 0.0
    if discordant > 0:
        return discordant / n
    return 1.0 - ((1.0 - CONFIDENCE) / 2) ** (1.0 / n)  # Clopper-Pearson, as accuracy_interval's 0-discordant bound


def non_inferiority(ci: AccuracyCI | None, max_drop_pts: float) -> str:
    """'pass' (the whole interval is above -max_drop), 'fail' (entirely below), else 'unclear'."""
    if ci is None:
        return "unclear"
    if ci.lo > -max_drop_pts:
        return "pass"
    if ci.hi < -max_drop_pts:
        return "fail"
    return "unclear"
