"""TensorRT pieces behind ``backends/tensorrt.py``.

``version`` (version parsing, feature gates), ``builder`` (a plain :class:`BuildPlan` from the device
profile, then applied to the real builder), ``cache`` (engines on disk, keyed so that one is never
reused under another key), ``buffers`` (host / device buffer sizes), ``runtime`` (pycuda inference).
Only ``builder.build_engine`` and ``runtime`` import tensorrt / pycuda, inside their functions.
"""
