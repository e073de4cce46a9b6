"""One intra-op thread for these tiny models: on a shared 2-core box, two-thread convs spend most of
their time waiting for each other (measured: a resnet18 variant test 4.8 s -> 0.3 s)."""

import pytest
import torch


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)
