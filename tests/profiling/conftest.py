"""The tiny bundle every profile run here measures."""

import pytest
from fixtures.tiny_bundle import cached_tiny_bundle


@pytest.fixture(scope="module")
def bundle():
    return cached_tiny_bundle()
