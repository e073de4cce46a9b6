"""Known answer for the shifted eval sets: a model trained with a shift is more robust to it than the
same model trained without (tiny CNN on the 8 px digits, a few seconds on one thread)."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("sklearn")
from torch import nn  # noqa: E402

from edgecrelu import shifts  # noqa: E402
from edgecrelu.data import load_dataset  # noqa: E402


def shifted(x: np.ndarray, pre: dict, name: str, severity: int) -> np.ndarray:
    """``x`` (preprocessed) under the shift, as export stores it and profile reads it back."""
    return shifts.decode(shifts.apply(name, severity, shifts.to_light(x, pre)), pre)


def train(ds, augment: str | None, seed: int = 0):
    torch.manual_seed(seed)
    m = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                      nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                      nn.Linear(32, 10))
    x, y = ds.x_train, ds.y_train
    if augment:  # the training set with a shifted copy of every image
        x, y = np.concatenate([x, shifted(x, ds.preprocessing, augment, 1)]), np.concatenate([y, y])
    xt, yt = torch.from_numpy(np.ascontiguousarray(x)), torch.from_numpy(y)
    opt = torch.optim.Adam(m.parameters(), 5e-3)
    g = torch.Generator().manual_seed(seed)
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        for _ in range(6):
            perm = torch.randperm(len(xt), generator=g)
            for i in range(0, len(xt), 32):
                b = perm[i:i + 32]
                loss = nn.functional.cross_entropy(m(xt[b]), yt[b])
                opt.zero_grad()
                loss.backward()
                opt.step()
    finally:
        torch.set_num_threads(n)
    return m.eval()


def top1(m, x, y) -> float:
    with torch.no_grad():
        return float((m(torch.from_numpy(np.ascontiguousarray(x))).argmax(1).numpy() == y).mean())


def test_training_with_polarity_inversion_makes_a_model_robust_to_it():
    ds = load_dataset("digits", size=8, seed=0)
    inverted = shifted(ds.x_test, ds.preprocessing, "invert", 1)
    plain, augmented = train(ds, None), train(ds, "invert")
    clean_plain, clean_aug = top1(plain, ds.x_test, ds.y_test), top1(augmented, ds.x_test, ds.y_test)
    inv_plain, inv_aug = top1(plain, inverted, ds.y_test), top1(augmented, inverted, ds.y_test)
    assert clean_plain > 0.8 and clean_aug > 0.8  # both learnt the digits
    assert inv_plain < 0.5  # the plain model does not recognise inverted digits ...
    assert inv_aug > 0.8 and inv_aug - inv_plain > 0.3  # ... the one trained with them does
