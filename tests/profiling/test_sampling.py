"""What every power monitor shares: the energy arithmetic."""

import pytest

from edgecrelu.profiling.sampling import energy_mj_per_inference


def test_energy_arithmetic():
    # 5000 mW for 2 s = 10 J = 10000 mJ, over 1000 images = 10 mJ each
    assert energy_mj_per_inference(5000.0, 2.0, 1000) == pytest.approx(10.0)
    with pytest.raises(ValueError):
        energy_mj_per_inference(5000.0, 2.0, 0)
