"""edgecrelu: is the CReLU version of our CNN worth shipping on our edge GPU, and at which precision?

The package imports nothing heavy: torch, tensorrt and pycuda are imported inside the functions
that need them, so ``profile`` and ``report`` run on a target without torch.
"""

__version__ = "0.1.0"
