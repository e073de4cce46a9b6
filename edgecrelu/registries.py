"""Every set of names the tool takes, in one place: backends, precisions, CReLU forms, data sources.

Each entry names the module that implements it (imported only when used), so this file imports
nothing heavy and every layer may read it. CLI choices, help text and validation come from here:
adding a backend, a form or a data source is one new module plus its line below.
"""

from __future__ import annotations

from edgecrelu.registry_types import Entry, Registry, SourceEntry

BACKENDS = Registry("backend", [
    Entry("onnxruntime", "ONNX Runtime: CPU, CUDA or TensorRT execution providers", "edgecrelu.backends.onnxruntime"),
    Entry("tensorrt", "TensorRT engines built on the target", "edgecrelu.backends.tensorrt"),
    Entry("torch", "PyTorch eager or torch.compile, from the bundle's weights", "edgecrelu.backends.torch"),
])

PRECISIONS = Registry("precision", [
    Entry("fp32", "32-bit float, the reference"),
    Entry("fp16", "16-bit float"),
    Entry("int8", "8-bit integer, explicit Q/DQ calibrated on the bundle's calibration images"),
    Entry("bf16", "bfloat16, torch backend only"),
])
ONNX_PRECISIONS = ("fp32", "fp16", "int8")  # what export writes into a bundle
ORT_CPU_PROVIDER = "CPUExecutionProvider"  # ONNX Runtime's CPU provider: the fallback and the reference
# ONNX Runtime's execution provider names (onnxruntime.get_all_providers() of 1.32, and a few older
# builds had): a device profile's [onnxruntime] providers must be one of them, since a misspelt one would
# be skipped and the run would measure the CPU provider instead. A new provider is one more name here.
ORT_PROVIDERS = (
    "TensorrtExecutionProvider", "NvTensorRTRTXExecutionProvider", "CUDAExecutionProvider", "ROCMExecutionProvider",
    "MIGraphXExecutionProvider", "OpenVINOExecutionProvider", "DnnlExecutionProvider", "VitisAIExecutionProvider",
    "QNNExecutionProvider", "SNPEExecutionProvider", "NnapiExecutionProvider", "VSINPUExecutionProvider",
    "JsExecutionProvider", "CoreMLExecutionProvider", "ArmNNExecutionProvider", "ACLExecutionProvider",
    "DmlExecutionProvider", "RknpuExecutionProvider", "WebNNExecutionProvider", "WebGpuExecutionProvider",
    "XnnpackExecutionProvider", "CANNExecutionProvider", "AzureExecutionProvider", "TvmExecutionProvider",
    ORT_CPU_PROVIDER,
)
TORCH_DEVICES = ("cpu", "cuda")  # where torch trains (train --train-device) and runs (a profile's [torch] device)
TORCH_FORMS = ("eager", "compile")  # the torch backend's own forms (it runs the weights, not an ONNX form)
OPTIMIZERS = {"sgd": 0.05, "adamw": 0.002}  # training optimizer -> its default peak learning rate
RESIZE_POLICIES = ("stretch", "letterbox", "crop")  # how images meet the input size (edgecrelu/data/preprocess.py)
PRECISION_ORDER = {name: i for i, name in enumerate(("fp32", "fp16", "bf16", "int8"))}  # table rows, plot groups

FORMS = Registry("form", [
    Entry("graph", "Conv -> Neg -> Concat -> Relu, as exporters emit it", "edgecrelu.export.forms.graph"),
    Entry("folded", "one conv with [W; -W]: no Neg / Concat, but the conv's MACs doubled", "edgecrelu.export.forms.folded"),
    Entry("pm1", "conv, then a 1x1 conv with [I; -I]", "edgecrelu.export.forms.pm1"),
    Entry("split", "next-conv split: the consumer conv takes relu(y) and y, no Neg / Concat", "edgecrelu.export.forms.split"),
    Entry("tile", "Tile(y) x [+1; -1], then Relu: y read once, so INT8 keeps every conv quantized",
          "edgecrelu.export.forms.tile"),
])

# takes: what follows "name:" in a --data spec ("path", "options" or nothing); read from here, so
# --help and spec parsing import no source module
_SOURCES = (
    SourceEntry("inspection", "synthetic surface inspection (good + 4 defects on 4 textures), generated in memory, "
                "seeded", "edgecrelu.data.sources.inspection", takes="options", synthetic=True),
    SourceEntry("digits", "scikit-learn's 8x8 digits, built in (no download)", "edgecrelu.data.sources.digits"),
    SourceEntry("imagefolder", "imagefolder:PATH, one sub-folder of images per class",
                "edgecrelu.data.sources.imagefolder", takes="path"),
    SourceEntry("cifar10", "cifar10:PATH, the CIFAR-10 python batches", "edgecrelu.data.sources.cifar10",
                takes="path"),
    SourceEntry("npz", "npz:PATH with x (N,H,W[,C]) and y (N,)", "edgecrelu.data.sources.npz", takes="path"),
)
DATA_SOURCES = Registry("data source", _SOURCES)
DATA_SPECS = tuple(e.spec for e in _SOURCES)  # what --data accepts: digits, npz:PATH, inspection[:OPTIONS], ...
