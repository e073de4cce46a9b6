import numpy as np
import pytest

from edgecrelu.scoring import accuracy_metrics, predict_logits, topk_accuracy


def test_predict_pads_the_last_partial_batch():
    seen = []

    def infer(feed):
        x = feed["input"]
        seen.append(len(x))
        return {"logits": np.repeat(x.reshape(len(x), -1)[:, :1], 3, axis=1) * [1, 2, 3]}

    x = np.arange(10, dtype=np.float32).reshape(10, 1, 1, 1)
    out = predict_logits(infer, "input", x, 4, "logits")
    assert seen == [4, 4, 4]  # every call at the cell's batch size
    assert out.shape == (10, 3)
    assert np.allclose(out[:, 0], np.arange(10))


def test_topk_and_agreement():
    logits = np.array([[0.1, 0.9, 0.0], [0.8, 0.1, 0.1], [0.2, 0.3, 0.5], [0.5, 0.4, 0.1]], np.float32)
    labels = np.array([1, 1, 2, 1])
    assert topk_accuracy(logits, labels, 1) == 0.5
    assert topk_accuracy(logits, labels, 2) == 1.0
    ref = logits.copy()
    ref[3] = [0.1, 0.6, 0.3]  # flips one argmax
    m = accuracy_metrics(logits, labels, ref, "fp32")
    assert m["top1"] == 0.5 and m["top5"] == 1.0 and m["n"] == 4
    assert m["agreement_top1"] == 0.75
    assert m["max_abs_diff"] == pytest.approx(0.4)
    assert m["reference"] == "fp32"
    none = accuracy_metrics(logits, labels)
    assert none["agreement_top1"] is None and none["max_abs_diff"] is None


def test_shape_mismatch_is_an_error():
    with pytest.raises(ValueError):
        accuracy_metrics(np.zeros((3, 2)), np.zeros(4))
