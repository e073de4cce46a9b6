"""On a model trained on digits, the first conv layer's filters pair more than random filters do."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("sklearn")
from torch import nn  # noqa: E402

from edgecrelu.analysis.layers import conv_layers  # noqa: E402
from edgecrelu.analysis.phase_pairing import mu_of, random_baseline  # noqa: E402
from edgecrelu.data import load_dataset  # noqa: E402


def _train_tiny(seed: int):
    """32 5x5 filters on the 8 px digits, 3 epochs of Adam (~2 s on one thread). No BN: with BN
    after it, this short a training leaves the first layer's pairing weaker (measured over seeds
    0-2: mean μ -0.42 to -0.50 with BN, -0.52 to -0.54 without, random -0.42 ± 0.03)."""
    ds = load_dataset("digits", size=8, seed=0)
    torch.manual_seed(seed)
    m = nn.Sequential(nn.Conv2d(1, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                      nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                      nn.Linear(32, 10))
    opt = torch.optim.Adam(m.parameters(), 3e-3)
    x, y = torch.from_numpy(ds.x_train), torch.from_numpy(ds.y_train)
    g = torch.Generator().manual_seed(seed)
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        m.train()
        for _ in range(3):
            perm = torch.randperm(len(x), generator=g)
            for i in range(0, len(x), 32):
                b = perm[i:i + 32]
                loss = nn.functional.cross_entropy(m(x[b]), y[b])
                opt.zero_grad()
                loss.backward()
                opt.step()
        m.eval()
        with torch.no_grad():
            acc = float((m(torch.from_numpy(ds.x_test)).argmax(1).numpy() == ds.y_test).mean())
    finally:
        torch.set_num_threads(n)
    return m, acc


def test_first_conv_of_a_trained_model_pairs_below_the_random_baseline():
    model, acc = _train_tiny(seed=0)
    assert acc > 0.6  # it learnt something
    first = conv_layers(model)[0]
    assert first.site == 1 and first.bn is None and first.act == "relu"
    base = random_baseline(first.shape, draws=8)
    trained = mu_of(first.weights).mean()
    untrained = mu_of(nn.Conv2d(1, 32, 5).weight.detach().numpy()).mean()
    assert trained < base["mean"] - 3 * base["mean_std"], (trained, base)
    assert abs(untrained - base["mean"]) < 4 * base["mean_std"] + 0.02  # an untrained conv is random


def test_bn_sign_is_folded_into_the_filters():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU()).eval()
    with torch.no_grad():
        model[1].weight.copy_(torch.tensor([-2.0, 1.0, 0.5, 3.0]))
    w = conv_layers(model)[0].weights
    raw = model[0].weight.detach().double().numpy()
    assert conv_layers(model)[0].bn == "1"
    assert np.sign(w[0].ravel() @ raw[0].ravel()) < 0 and np.sign(w[1].ravel() @ raw[1].ravel()) > 0
