"""The data check's part of the report's data line: images per class in each split, the resize
policy and the files not in the data (docs/contracts.md "Data check"). Records from bundles
exported before the data check carry none of it: then nothing is added (never guessed)."""

from __future__ import annotations

SPLITS = ("train", "val", "test")
NAMED = 10  # skipped files named in the line; the bundle's data/check.json lists them all


def _first(values):
    return next((v for v in values if v), None)


def data_check_facts(records: list[dict]) -> dict:
    """``{resize_policy, classes: {name: [train, val, test]}, skipped: [...], skipped_n}``, each key
    only where the records carry it (the first record that has it: one report shows one data set)."""
    bundles = [r.get("bundle") or {} for r in records]
    datasets = [b.get("dataset") or {} for b in bundles]
    out: dict = {}
    policies = list(dict.fromkeys(d["resize_policy"] for d in datasets if d.get("resize_policy")))
    if policies:
        out["resize_policy"] = " / ".join(policies)
    splits = _first(d.get("splits") for d in datasets)
    if isinstance(splits, dict):
        order = _first((b.get("model") or {}).get("class_names") for b in bundles) or []
        names = [c for c in order if any(c in (splits.get(k) or {}) for k in SPLITS)]
        names += [c for k in SPLITS for c in (splits.get(k) or {}) if c not in names]
        out["classes"] = {c: [int((splits.get(k) or {}).get(c, 0)) for k in SPLITS] for c in names}
    have = next((d for d in datasets if d.get("skipped") is not None), None)
    if have is not None:
        out["skipped"] = list(have["skipped"])
        out["skipped_n"] = int(have.get("skipped_n", len(have["skipped"])))
    return out


def data_check_sentence(facts: dict) -> str:
    """`` Classes (train/val/test images): ...; resize ... Skipped ...`` or "" without the facts."""
    parts = []
    classes = facts.get("classes")
    if classes:
        totals = [sum(v[i] for v in classes.values()) for i in range(len(SPLITS))]
        per = ", ".join(f"{c} {'/'.join(str(n) for n in v)}" for c, v in classes.items())
        parts.append(f"{len(classes)} classes (train/val/test images): {per}; in all "
                     f"{'/'.join(str(n) for n in totals)}")
    if facts.get("resize_policy"):
        parts.append(f"images resized by {facts['resize_policy']}")
    out = " " + "; ".join(parts) + "." if parts else ""
    if "skipped" in facts:
        skipped = facts["skipped"]
        bad = [s for s in skipped if str(s.get("reason", "")).startswith("unreadable")]
        other = [s for s in skipped if s not in bad]
        unseen = facts["skipped_n"] - len(skipped)  # past what the records carry
        if not skipped:
            out += " No file was skipped."
        else:
            words = []
            if bad:
                named = ", ".join(f"{s['path']} ({str(s['reason']).partition(': ')[2] or s['reason']})"
                                  for s in bad[:NAMED])
                words.append(f"{len(bad)} unreadable: {named}" + (f" and {len(bad) - NAMED} more" if len(bad) > NAMED
                                                                   else ""))
            if other:
                words.append(f"{len(other)} not images of a class (hidden, other files): "
                             + ", ".join(s["path"] for s in other[:NAMED])
                             + (f" and {len(other) - NAMED} more" if len(other) > NAMED else ""))
            if unseen > 0:
                words.append(f"{unseen} more listed in the bundle's data/check.json")
            out += f" Skipped {facts['skipped_n']} file(s) not in the data: " + "; ".join(words) + "."
    return out
