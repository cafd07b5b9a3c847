"""Multi-label annotations: each annotator chooses a set of classes (possibly empty) per item.

Examples
--------
>>> from labeljury.multilabel import MultiLabelAnnotations
>>> ann = MultiLabelAnnotations.from_sets(["d1", "d1"], ["a", "b"], [["x", "y"], ["x"]])
>>> ann.votes().tolist()
[[2, 1]]
"""

from __future__ import annotations

from .data import MultiLabelAnnotations
from .reader import read_multilabel

__all__ = ["MultiLabelAnnotations", "read_multilabel"]
