"""The data check's part of the report's data line: listed where the records carry it, absent (not
guessed) where they do not."""

from __future__ import annotations

from edgecrelu.report.context import data_facts, data_line
from edgecrelu.report.data_check import data_check_facts, data_check_sentence


def _record(**dataset) -> dict:
    return {"bundle": {"model": {"class_names": ["good", "crack"]}, "dataset": {"spec": "imagefolder:/c", **dataset}}}


def test_records_from_before_the_data_check_add_nothing():
    rec = _record()
    assert data_check_facts([rec]) == {} and data_check_sentence({}) == ""
    assert set(data_facts([rec])) == {"dataset", "eval_images", "model", "width", "input", "epochs", "seeds",
                                      "threads", "synthetic"}


def test_classes_in_class_order_split_counts_resize_and_every_skipped_file():
    skipped = [{"path": "crack/a.jpg", "reason": "unreadable: image file is truncated"},
               {"path": ".DS_Store", "reason": "hidden"}]
    rec = _record(resize_policy="letterbox", skipped=skipped, skipped_n=2,
                  splits={"test": {"crack": 3, "good": 4}, "train": {"crack": 14, "good": 20},
                          "val": {"crack": 3, "good": 4}})  # sorted keys, as the manifest writes them
    line = data_line([rec])
    assert ("2 classes (train/val/test images): good 20/4/4, crack 14/3/3; in all 34/7/7; "
            "images resized by letterbox.") in line
    assert "Skipped 2 file(s) not in the data: 1 unreadable: crack/a.jpg (image file is truncated); " \
           "1 not images of a class (hidden, other files): .DS_Store." in line


def test_skipped_files_past_those_the_records_carry_are_counted():
    rec = _record(skipped=[{"path": f"c/{i}.png", "reason": "unreadable: x"} for i in range(20)], skipped_n=25)
    line = data_line([rec])
    assert "Skipped 25 file(s)" in line and "and 10 more" in line and "5 more listed in the bundle's data/check.json" in line
    assert "No file was skipped." in data_line([_record(skipped=[], skipped_n=0)])
