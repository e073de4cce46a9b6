import pytest
from fixtures.tiny_bundle import cached_tiny_bundle, copy_bundle


@pytest.fixture
def tiny_bundle_copy(tmp_path):
    return copy_bundle(cached_tiny_bundle(), tmp_path / "bundle")
