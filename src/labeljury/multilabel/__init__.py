"""Multi-label annotations: each annotator chooses a set of classes (possibly empty) per item.

Examples
--------
>>> from labeljury.multilabel import MultiLabelAnnotations
>>> ann = MultiLabelAnnotations.from_sets(["d1", "d1"], ["a", "b"], [["x", "y"], ["x"]])
>>> ann.votes().tolist()
[[2, 1]]
>>> aggregate(ann, "majority_vote").label_quality["consensus_label"].tolist()
['x']
"""

from __future__ import annotations

from .data import MultiLabelAnnotations
from .reader import read_multilabel
from .result import MultiLabelResult, aggregate

__all__ = ["MultiLabelAnnotations", "MultiLabelResult", "aggregate", "read_multilabel"]
