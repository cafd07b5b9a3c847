"""labeljury: consensus labels, label quality and annotator quality from multi-annotator data.

Examples
--------
>>> import labeljury
>>> ann = labeljury.Annotations.from_arrays([0, 0, 1], ["a", "b", "a"], ["x", "x", "y"])
>>> labeljury.aggregate(ann, method="majority_vote").label_quality["consensus_label"].tolist()
['x', 'y']
"""

from __future__ import annotations

from .annotations import Annotations, read_annotations
from .errors import LabeljuryError

__version__ = "0.1.0"

__all__ = ["Annotations", "LabeljuryError", "Result", "__version__", "aggregate",
           "read_annotations"]


def __getattr__(name: str):  # lazy: keep `import labeljury` light
    if name in ("aggregate", "Result"):
        from . import result

        return getattr(result, name)
    raise AttributeError(f"module 'labeljury' has no attribute {name!r}")
