"""The paper's diagnosis as a decision aid (README "Phase pairing"): how strongly a trained ReLU
model's conv filters come in opposite-phase pairs, the CReLU depth that suggests, and the
conversion of a trained ReLU model into its CReLU-half variant.

- :mod:`~edgecrelu.analysis.phase_pairing`: μ per filter and the random Gaussian baseline (numpy only).
- :mod:`~edgecrelu.analysis.recommend`: the depth rule.
- :mod:`~edgecrelu.analysis.layers`: a model's conv layers with BN-folded weights (torch).
- :mod:`~edgecrelu.analysis.analyze`: ``analyze_checkpoints`` -> ``pairing.json`` and its plots.
- :mod:`~edgecrelu.analysis.select` / :mod:`~edgecrelu.analysis.convert`: ReLU -> CReLU-half.
"""
