"""``edgecrelu ship``: the configuration the verdict chose, ready to deploy, in one folder.

For the configuration a GO verdict chose (the report's best CReLU configuration, at the form and
batch the verdict judged), or the one ``--cell`` names, the folder holds: the ONNX artifact from the
bundle with its manifest entry and sha256, the command that builds its engine on the target
(``trtexec`` and the TensorRT Python API with the flags it was profiled with; for ONNX Runtime the
session options), an inference script that needs numpy, onnxruntime and pillow only (no edgecrelu:
the target of a deployment is not a profiling box), the bundle's eval set so the folder can check
itself (``python infer.py --eval eval.npz`` gives the record's top-1), the record, and a one-page
``MODEL_CARD.md``.

The choice uses the report library (:mod:`edgecrelu.report`) so ``ship`` and ``report`` never
disagree on which configuration won. Without a GO verdict nothing was chosen: ``--cell`` ships a
configuration anyway, and the model card says the verdict it shipped under.
"""
