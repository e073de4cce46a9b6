"""Fixtures of the TensorRT tests: the tiny bundle at every precision, and an engine cache of each
test's own (an engine built by one test never answers another's cache lookup)."""

import pytest
from fixtures.tiny_bundle import cached_tiny_bundle

from edgecrelu.bundle import Bundle


@pytest.fixture(scope="module")
def bundle():
    return Bundle.open(cached_tiny_bundle(precisions=("fp32", "fp16", "int8")))


@pytest.fixture(autouse=True)
def engine_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("EDGECRELU_ENGINE_CACHE", str(tmp_path / "engines"))
    return tmp_path / "engines"
