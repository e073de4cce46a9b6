"""Per-class results of a record (recall, precision, the confusion matrix: ``accuracy.confusion``) and
a class's recall against the baseline's, paired image by image where both records carry per-image
classes (``accuracy.predicted``, ``accuracy.correct``): what ``decision.class_recall_budget`` checks.

A class's recall difference is paired like top-1 (README "How the verdict is reached"): only the
images of the class that exactly one of the two models gets right move it. Those images' class is
known from the model that got them right, and the class's image count from the confusion matrix, so
the records need not carry the labels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from edgecrelu import stats
from edgecrelu.errors import EdgeCReLUError

UNCHECKED = "class_recall"  # the constraint's name in a row's violations / unclear lists


@dataclass(frozen=True)
class ClassStats:
    """One record's per-class results on the eval set."""

    names: list[str]
    confusion: np.ndarray  # k x k, row: true class, column: predicted

    @property
    def support(self) -> np.ndarray:
        return self.confusion.sum(axis=1)

    @property
    def recall(self) -> list[float | None]:
        return [float(self.confusion[c, c] / s) if s else None for c, s in enumerate(self.support)]

    @property
    def precision(self) -> list[float | None]:
        cols = self.confusion.sum(axis=0)
        return [float(self.confusion[c, c] / s) if s else None for c, s in enumerate(cols)]


def class_names(record: dict, k: int | None = None) -> list[str]:
    """The record's class names (the manifest's), else the class indices as text."""
    model = (record.get("bundle") or {}).get("model") or {}
    names = model.get("class_names")
    k = k if k is not None else model.get("num_classes")
    if isinstance(names, list) and names and (k is None or len(names) == k):
        return [str(n) for n in names]
    return [str(i) for i in range(int(k or 0))]


def class_stats(record: dict) -> ClassStats | None:
    """Per-class results of ``record``; None where it carries no confusion matrix (older records, or
    more than 100 classes)."""
    conf = (record.get("accuracy") or {}).get("confusion")
    if not isinstance(conf, list) or not conf:
        return None
    m = np.asarray(conf, dtype=np.int64)
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        return None
    return ClassStats(class_names(record, m.shape[0]), m)


def class_index(names: list[str], name: str, where: str) -> int:
    """The index of the class ``name`` (a name, or an index where the records carry no names)."""
    if name in names:
        return names.index(name)
    raise EdgeCReLUError(f"{where}: decision.class_recall_budget names class '{name}', which the records do not "
                         f"have; classes: {', '.join(names)}")


def recall_interval(base: dict, rec: dict, c: int) -> stats.AccuracyCI | None:
    """Recall of class ``c`` in ``rec`` minus the baseline's, in points, with its 95 % interval: paired
    over the class's images where both records carry per-image classes, else unpaired from the counts."""
    from scipy import stats as sps

    sa, sb = class_stats(base), class_stats(rec)
    if sa is None or sb is None or sa.confusion.shape != sb.confusion.shape or c >= len(sa.names):
        return None
    n_c = int(sa.support[c])
    if n_c == 0 or n_c != int(sb.support[c]):
        return None
    ka, kb = int(sa.confusion[c, c]), int(sb.confusion[c, c])
    diff = (kb - ka) / n_c * 100
    acc_a, acc_b = base.get("accuracy") or {}, rec.get("accuracy") or {}
    pa, pb = stats.decode_classes(acc_a), stats.decode_classes(acc_b)
    xa, xb = stats.decode_correct(acc_a), stats.decode_correct(acc_b)
    same_data = (base.get("bundle") or {}).get("dataset_sha256") == (rec.get("bundle") or {}).get("dataset_sha256")
    if (pa is not None and pb is not None and xa is not None and xb is not None and same_data
            and len(pa) == len(pb) == len(xa) == len(xb)):
        only_a = int(np.sum(xa & ~xb & (pa == c)))  # the baseline is right: its class is the true one
        only_b = int(np.sum(~xa & xb & (pb == c)))
        nd = only_a + only_b
        if nd == 0:
            up = sps.binomtest(0, n_c).proportion_ci(stats.CONFIDENCE, method="exact").high * 100
            lo, hi, p = -up, up, 1.0
        else:
            lo, hi = (v * 100 for v in stats.paired_bootstrap(only_a, only_b, n_c))
            p = float(sps.binomtest(only_b, nd, 0.5).pvalue)
        return stats.AccuracyCI(float(diff), lo, hi, n_c, True, "paired bootstrap over the class's images", nd, p)
    if ka in (0, n_c) and kb in (0, n_c):
        up = sps.binomtest(0, n_c).proportion_ci(stats.CONFIDENCE, method="exact").high * 100
        lo, hi = diff - up, diff + up
    else:
        lo, hi = (v * 100 for v in stats.unpaired_bootstrap(ka, n_c, kb, n_c))
    return stats.AccuracyCI(float(diff), lo, hi, n_c, False, "unpaired bootstrap (records carry no per-image classes)")


def budget_checks(base: dict, rec: dict, budget: dict[str, float], where: str) -> dict[str, stats.AccuracyCI | None]:
    """Per budgeted class name: its recall vs the baseline's (None where the records cannot say)."""
    names = class_names(base)
    if not names:
        st = class_stats(base)
        names = st.names if st is not None else []
    out: dict[str, stats.AccuracyCI | None] = {}
    for name in budget:
        if names:
            out[name] = recall_interval(base, rec, class_index(names, name, where))
        else:
            out[name] = None
    return out


def budget_status(cis: dict[str, stats.AccuracyCI | None], budget: dict[str, float]) -> tuple[list[str], list[str]]:
    """(broken, unclear) for the row: ``class_recall`` once, broken where any class's interval lies
    wholly below minus its budget, unclear where one straddles it or cannot be computed."""
    verdicts = [stats.non_inferiority(ci, budget[name]) for name, ci in cis.items()]
    if "fail" in verdicts:
        return [UNCHECKED], []
    if "unclear" in verdicts:
        return [], [UNCHECKED]
    return [], []
