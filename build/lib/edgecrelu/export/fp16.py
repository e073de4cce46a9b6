"""FP16 ONNX with float32 I/O (docs/platform-notes.md "ONNX Runtime": onnxconverter-common, ``keep_io_types``).

TensorRT >= 11 has no ``--fp16`` flag: the FP16 must be in the file. On ORT CPU the model runs through
Casts, so its accuracy is what export records, not its speed.
"""

from __future__ import annotations

import warnings

import onnx

from edgecrelu.errors import require


def to_fp16(model: onnx.ModelProto) -> onnx.ModelProto:
    f16 = require("onnxconverter_common.float16", "torch", "needed for FP16 export")
    with warnings.catch_warnings():
        # it warns about weights clamped to the fp16 range; the accuracy check catches real damage
        warnings.simplefilter("ignore")
        return f16.convert_float_to_float16(model, keep_io_types=True)
