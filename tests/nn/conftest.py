"""Fixtures of the nn tests. torch is imported inside them: without torch every module here skips
(pytest.importorskip) and this file must still import."""

import textwrap

import pytest


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """One intra-op thread for these tiny models: on a shared 2-core box, two-thread convs spend most of
    their time waiting for each other (measured: a resnet18 variant test 4.8 s -> 0.3 s)."""
    import torch

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture
def user_pkg(tmp_path, monkeypatch):
    """A user's models module outside the zoo, importable the way --model package.module:callable is."""
    pkg = tmp_path / "factory_models"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "nets.py").write_text(textwrap.dedent('''
        from torch import nn

        def small(num_classes, in_channels, width=8):
            return nn.Sequential(nn.Conv2d(in_channels, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU(),
                                 nn.Conv2d(width, width, 3, padding=1), nn.ReLU(),
                                 nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(width, num_classes))

        def positional_only(n):
            return nn.Linear(n, n)

        def not_a_module(num_classes, in_channels):
            return "nope"

        NOT_CALLABLE = 3
    '''))
    monkeypatch.syspath_prepend(str(tmp_path))
    return "factory_models.nets"
