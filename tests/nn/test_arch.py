"""User models by name (package.module:callable): import errors and the callable's contract."""

import pytest

pytest.importorskip("torch")

from edgecrelu.errors import EdgeCReLUError  # noqa: E402
from edgecrelu.nn.arch import load_user_callable  # noqa: E402
from edgecrelu.nn.build import make_model  # noqa: E402


@pytest.mark.parametrize("spec,msg", [
    ("nosuchpkg.mod:f", "cannot import module 'nosuchpkg.mod' for model 'nosuchpkg.mod:f'"),
    ("factory_models.nets:missing", "module 'factory_models.nets' has no attribute 'missing'"),
    ("factory_models.nets:NOT_CALLABLE", "is a int, not a callable"),
    ("factory_models.nets", "write it as package.module:callable"),
])
def test_load_user_callable_errors(user_pkg, spec, msg):
    with pytest.raises(EdgeCReLUError) as exc:
        load_user_callable(spec)
    assert msg in str(exc.value) and "\n" not in str(exc.value)


def test_user_callable_contract(user_pkg):
    with pytest.raises(EdgeCReLUError, match="must accept keyword arguments in_channels, num_classes"):
        make_model(f"{user_pkg}:positional_only", "relu", in_channels=1, num_classes=3, input_size=8)
    with pytest.raises(EdgeCReLUError, match="returned str, not an nn.Module"):
        make_model(f"{user_pkg}:not_a_module", "relu", in_channels=1, num_classes=3, input_size=8)
