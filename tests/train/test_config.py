"""The config side of a train run, without torch: checks that fail before any data or model loads."""

from __future__ import annotations

import subprocess
import sys

import pytest

from edgecrelu.errors import EdgeCReLUError
from edgecrelu.train import TrainConfig
from edgecrelu.train.config import check_device, input_size_of, recipe, seeds_of


def test_importing_the_package_loads_no_torch():
    code = "import sys, edgecrelu.train; print('torch' in sys.modules, 'edgecrelu.nn' in sys.modules)"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["False", "False"]


def test_checks():
    with pytest.raises(EdgeCReLUError, match="unknown device 'tpu'"):
        check_device(TrainConfig(device="tpu"))
    with pytest.raises(EdgeCReLUError, match="seed listed twice"):
        seeds_of(TrainConfig(seeds=(1, 1)))
    with pytest.raises(EdgeCReLUError, match="--input-size must be at least 8 pixels"):
        input_size_of(TrainConfig(input_size=4))
    assert input_size_of(TrainConfig(model="pkg.mod:fn")) == 32
    with pytest.raises(EdgeCReLUError, match="unknown optimizer 'lion'"):
        recipe(TrainConfig(optimizer="lion"), 32)


def test_recipe_defaults():
    r = recipe(TrainConfig(optimizer="adamw"), 32)
    assert (r["lr"], r["weight_decay"], r["momentum"]) == (0.002, 0.05, None)
    assert r["augment"]["shift_px"] == 2 and r["checkpoint"] is None
