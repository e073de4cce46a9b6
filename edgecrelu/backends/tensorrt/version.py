"""TensorRT version strings and what each release can do (docs/platform-notes.md "TensorRT")."""

from __future__ import annotations

import re
from dataclasses import dataclass

from edgecrelu.errors import EdgeCReLUError

# The support matrix (README "Support matrix"): JetPack 6.1+ (Python 3.10, TensorRT 10.3), JetPack 7
# (TensorRT 11), desktop TensorRT 10 and 11. JetPack 5 (TensorRT 8.5, Python 3.8) and JetPack 6.0
# (TensorRT 8.6) are out: their ONNX parsers stop at opset 17 and their Python is below ours.
MIN_SUPPORTED = (10, 0)
TOO_OLD_HINT = ("edgecrelu needs TensorRT 10.0 or newer (JetPack 6.1+ or a desktop TensorRT 10 / 11); on "
                "older JetPack profile with --backend onnxruntime")


@dataclass(frozen=True, order=True)
class TrtVersion:
    major: int
    minor: int
    patch: int = 0
    build: int = 0  # fourth component of e.g. "8.6.2.3"; does not change what the release can do

    @classmethod
    def parse(cls, text: str) -> TrtVersion:
        """``"10.3.0"``, ``"8.6.2.3"``, ``"11.4.1.post1"``, ``"10.0.0b6"`` -> TrtVersion."""
        m = re.match(r"\s*(\d+)\.(\d+)(?:\.(\d+))?(?:\.(\d+))?", str(text))
        if not m:
            raise EdgeCReLUError(f"cannot parse TensorRT version '{text}'")
        return cls(*(int(g) if g is not None else 0 for g in m.groups()))

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"

    @property
    def triple(self) -> tuple:
        return (self.major, self.minor, self.patch)

    # -- feature gates ----------------------------------------------------------------------
    @property
    def supported(self) -> bool:
        return (self.major, self.minor) >= MIN_SUPPORTED

    @property
    def has_optimization_level(self) -> bool:
        """IBuilderConfig.builder_optimization_level exists from 8.6."""
        return (self.major, self.minor) >= (8, 6)

    @property
    def weak_typing(self) -> bool:
        """Precision builder flags (FP16 / INT8) exist: removed in 11.0."""
        return self.major < 11

    @property
    def needs_explicit_batch_flag(self) -> bool:
        """EXPLICIT_BATCH must be passed before 10.0 (deprecated and ignored from 10.0)."""
        return self.major < 10

    def dla_support(self, module: str | None) -> tuple[bool, str]:
        """(supported, reason) for DLA with this release on the given Jetson module model string.

        10.7 was the last 10.x with DLA; it returned in 11.4.1 only on AGX Orin (docs/platform-notes.md).
        """
        if self.triple < (10, 8, 0):
            return True, ""
        if self.triple < (11, 4, 1):
            return False, f"TensorRT {self} has no DLA support (10.8 to 11.4.0 dropped it)"
        if module and "agx orin" in module.lower():
            return True, ""
        where = module or "this device"
        return False, f"TensorRT {self} supports DLA only on Jetson AGX Orin, not on {where}"
