"""Short profile runs on the tiny bundle, shared by the run tests here."""

from edgecrelu.profiling import session
from edgecrelu.profiling.plan import ProfileConfig

FAST = dict(warmup_s=0.0, duration_s=0.02, iterations=5, trials=2, budget_s=1.0)


def cfg(bundle_dir, out, **kw):
    base = dict(bundle=str(bundle_dir), device="cpu", out=str(out), batches=(1,), isolation="none", **FAST)
    base.update(kw)
    return ProfileConfig(**base)


def files(out):
    return sorted(p.name for p in out.glob("*.json"))


def no_timing(monkeypatch):
    def boom(*a, **k):
        raise AssertionError("timing started on a bad bundle")

    monkeypatch.setattr(session.Session, "run_trial", boom)
