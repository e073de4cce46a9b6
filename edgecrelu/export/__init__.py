"""Export: PyTorch checkpoints -> ONNX bundle (fp32 / fp16 / int8 QDQ, exact CReLU forms, parity).

Torch side only. The entry point is :func:`edgecrelu.export.exporter.export_bundle`; the modules
import torch / onnxruntime inside the functions that need them. This package module imports nothing,
so the CLI takes the names below from it without loading onnx.
"""

CALIB_METHODS = ("minmax", "entropy", "percentile")  # INT8 calibration (edgecrelu.export.int8)
INT8_WEIGHTS = ("reduced", "full")  # 7-bit (saturation-safe on AVX2 without VNNI) or full int8 range
MIN_OPSET = 13  # the lowest --opset; the highest is what the installed onnx knows (ExportConfig.validate)
