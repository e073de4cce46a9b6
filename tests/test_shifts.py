"""The shifted eval sets (edgecrelu/shifts.py): deterministic, parameters recorded, known answers."""

import numpy as np
import pytest

from edgecrelu import shifts
from edgecrelu.errors import EdgeCReLUError

PRE = {"mean": [0.4], "std": [0.25], "scale": 1 / 255}


def _eval(n=6, size=64, seed=0):
    rng = np.random.default_rng(seed)
    light = rng.uniform(0.1, 0.9, (n, 1, size, size)).astype(np.float32)
    return (light - 0.4) / 0.25, rng.integers(0, 3, n)


@pytest.mark.parametrize("name,sev", shifts.parse_spec("default"))
def test_each_shift_is_deterministic_and_records_its_parameters(name, sev):
    x, y = _eval()
    a = shifts.make_sets(x, y, PRE, [(name, sev)])[0]
    b = shifts.make_sets(x.copy(), y, PRE, [(name, sev)])[0]
    assert np.array_equal(a[1], b[1]) and a[0] == b[0]
    entry = a[0]
    assert entry["name"] == name and entry["severity"] == sev and entry["n"] == len(x)
    assert entry["params"] == shifts.params(name, sev, x.shape[1:]) and entry["params"] or name == "invert"
    assert entry["x_sha256"] == shifts.array_sha256(a[1])
    assert a[1].dtype == np.uint8 and a[1].shape == x.shape
    if name != "invert":  # a shift changes the images, more at a higher severity
        light8 = np.round(np.clip(shifts.to_light(x, PRE), 0, 1) * 255)
        assert np.abs(a[1].astype(float) - light8).mean() > 0.5


def test_severity_orders_the_change():
    yy, xx = np.mgrid[0:32, 0:32]
    smooth = (0.5 + 0.3 * np.sin(xx / 4.0) * np.cos(yy / 5.0) + 0.1 * (xx > 16)).astype(np.float32)  # a part, not noise
    x = ((np.stack([smooth, smooth.T])[:, None] - 0.4) / 0.25).astype(np.float32)
    light8 = np.round(np.clip(shifts.to_light(x, PRE), 0, 1) * 255)
    for name, s in shifts.SHIFTS.items():
        if len(s.levels) < 3:
            continue
        moved = [np.abs(shifts.apply(name, k, shifts.to_light(x, PRE)).astype(float) - light8).mean() for k in (1, 2, 3)]
        assert moved[0] < moved[1] < moved[2], name


def test_inversion_twice_is_identity_and_decode_undoes_the_normalisation():
    x, _ = _eval()
    light8 = np.round(np.clip(shifts.to_light(x, PRE), 0, 1) * 255).astype(np.uint8)  # an 8-bit image
    once = shifts.apply("invert", 1, light8.astype(np.float32) / 255)
    twice = shifts.apply("invert", 1, once.astype(np.float32) / 255)
    assert np.array_equal(once, 255 - light8)
    assert np.array_equal(twice, light8)
    assert np.allclose(shifts.decode(light8, PRE), x, atol=0.5 / 255 / 0.25 + 1e-6)  # 8-bit quantisation only


def test_known_answers_of_the_simple_shifts():
    light = np.full((1, 1, 8, 8), 0.5, np.float32)
    assert (shifts.apply("gain", 2, light) == round(0.5 * 0.65 * 255)).all()
    assert (shifts.apply("offset", 1, light) == round(0.6 * 255)).all()
    assert (shifts.apply("contrast", 3, light) == round(0.5 * 255)).all()  # a flat image has no contrast to lose
    assert (shifts.apply("blur", 3, light) == round(0.5 * 255)).all()  # blur keeps a flat image
    assert (shifts.apply("rotate", 3, light) == round(0.5 * 255)).all()
    ramp = shifts.apply("gradient", 1, light)[0, 0, 0]
    assert ramp[0] < ramp[-1] and np.all(np.diff(ramp.astype(int)) >= 0)
    dot = np.zeros((1, 1, 25, 25), np.float32)
    dot[0, 0, 12, 12] = 1.0
    moved = shifts.apply("translate", 3, dot)
    assert moved[0, 0, 15, 15] == 255  # 12 % of 25 px = 3 px down and right
    turned = shifts.apply("rotate", 2, dot)
    assert turned[0, 0, 12, 12] == 255  # the centre stays


def test_noise_is_seeded_and_clipped():
    light = np.full((2, 1, 16, 16), 0.5, np.float32)
    a, b = shifts.apply("noise", 2, light), shifts.apply("noise", 2, light)
    assert np.array_equal(a, b)
    sd = (a.astype(float) / 255).std()
    assert 0.03 < sd < 0.05  # the recorded sd 0.04


def test_spec_parsing():
    assert shifts.parse_spec("none") == []
    assert len(shifts.parse_spec("default")) == sum(len(s.levels) for s in shifts.SHIFTS.values())
    assert shifts.parse_spec("blur@2,invert") == [("blur", 2), ("invert", 1)]
    with pytest.raises(EdgeCReLUError, match="unknown shift 'fog'"):
        shifts.parse_spec("fog")
    with pytest.raises(EdgeCReLUError, match="invert has severities 1"):
        shifts.parse_spec("invert@2")


def test_first_n_images_and_user_data_channels():
    rng = np.random.default_rng(3)
    x = rng.uniform(-1, 1, (10, 3, 12, 12)).astype(np.float32)
    pre = {"mean": [0.5, 0.4, 0.3], "std": [0.2, 0.3, 0.25]}
    sets = shifts.make_sets(x, np.arange(10), pre, [("contrast", 2)], max_images=4)
    entry, x8, y = sets[0]
    assert entry["n"] == 4 and x8.shape == (4, 3, 12, 12) and list(y) == [0, 1, 2, 3]
