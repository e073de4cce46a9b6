"""How much of a variant's MAC saving became time, and where the rest went (per-op-type times).

The realisation of a saving is ``(1 - time ratio) / (1 - MAC ratio)`` against the baseline (README
"Forms"); :func:`realisation_breakdown` splits it into parts that add up exactly. Plain arithmetic on
op-type times, so the report can use it without importing a backend.
"""

from __future__ import annotations

INT_CONVS = ("QLinearConv", "ConvInteger")
FLOAT_CONVS = ("Conv", "FusedConv")  # ORT's NCHWc layout keeps the name Conv, in its own domain
MAC_OPS = INT_CONVS + FLOAT_CONVS + ("Gemm", "QGemm", "MatMul", "MatMulInteger", "QLinearMatMul")


def realisation_breakdown(base_us: dict[str, float], form_us: dict[str, float], mac_ratio: float,
                          form_mac_ratio: float | None = None) -> dict:
    """Where a variant's MAC saving went, from per-op-type times of the baseline and the variant.

    With M / O the time in MAC ops (convs, GEMMs) / in every other op, T = M_base + O_base,
    r = ``mac_ratio`` (the variant's MACs over the baseline's) and r_f = ``form_mac_ratio`` (what the
    form's file executes, e.g. ``pm1`` with its +-I convs; r when not given), the realisation
    ``(1 - time ratio) / (1 - r)`` splits exactly into
    ``realised + extra_macs + mac_kernels + fixed + extra_ops = 1``:

    * ``extra_macs = (r_f - r) M_base / (T (1 - r))``: MACs the form executes beyond its variant's;
    * ``mac_kernels = (M_form - r_f M_base) / (T (1 - r))``: the MAC ops did not shrink with their MACs;
    * ``fixed = O_base / T``: the baseline's non-MAC time (Quantize, Relu, pooling ...) is not
      expected to shrink, yet the realisation counts it against the saving;
    * ``extra_ops = (O_form - O_base) / (T (1 - r))``: what the variant adds, also per op type
      (``extra_by_op``, largest first, equal ones by name; an op the variant runs less of is negative).
    """
    m_b = sum(v for k, v in base_us.items() if k in MAC_OPS)
    m_f = sum(v for k, v in form_us.items() if k in MAC_OPS)
    total = sum(base_us.values())
    if total <= 0 or mac_ratio >= 1:
        raise ValueError("a breakdown needs a timed baseline and a MAC ratio below 1")
    r_f = mac_ratio if form_mac_ratio is None else form_mac_ratio
    o_b, o_f = total - m_b, sum(form_us.values()) - m_f
    scale = total * (1 - mac_ratio)
    extra = {op: (form_us.get(op, 0.0) - base_us.get(op, 0.0)) / scale
             for op in sorted(set(base_us) | set(form_us)) if op not in MAC_OPS}
    return {
        "time_ratio": (m_f + o_f) / total,
        "mac_op_ratio": m_f / m_b if m_b else None,
        "realised": ((m_b - m_f) - (o_f - o_b)) / scale,
        "extra_macs": (r_f - mac_ratio) * m_b / scale,
        "mac_kernels": (m_f - r_f * m_b) / scale,
        "fixed": o_b / total,
        "extra_ops": (o_f - o_b) / scale,
        # equal parts by name: set order changes with PYTHONHASHSEED, and the report must not
        "extra_by_op": dict(sorted(((k, v) for k, v in extra.items() if abs(v) >= 0.005),
                                   key=lambda kv: (-kv[1], kv[0]))),
    }
