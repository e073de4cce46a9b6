"""Data sets for training and evaluation: sources, stratified splits, preprocessing in numpy.

No torch here: export and the target reuse :func:`preprocess` with the recorded ``preprocessing``.
scikit-learn is imported only by the ``digits`` source.
"""

from edgecrelu.data.dataset import Dataset, load_dataset
from edgecrelu.data.preprocess import preprocess
from edgecrelu.data.split import stratified_split

__all__ = ["Dataset", "load_dataset", "preprocess", "stratified_split"]
