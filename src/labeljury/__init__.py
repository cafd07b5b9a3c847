"""labeljury: consensus labels, label quality and annotator quality from multi-annotator data.

Examples
--------
>>> import labeljury
>>> ann = labeljury.Annotations.from_arrays([0, 0, 1], ["a", "b", "a"], ["x", "x", "y"])
>>> labeljury.aggregate(ann, method="majority_vote").label_quality["consensus_label"].tolist()
['x', 'y']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import LabeljuryError

if TYPE_CHECKING:  # pragma: no cover
    from .active import relabel_priority
    from .annotations import Annotations, read_annotations
    from .pipeline import run
    from .result import Result, aggregate

__version__ = "0.1.0"

__all__ = [
    "Annotations",
    "LabeljuryError",
    "Result",
    "__version__",
    "aggregate",
    "read_annotations",
    "relabel_priority",
    "run",
]

# name -> submodule; imported on first use so `import labeljury` stays light
_LAZY = {
    "Annotations": "annotations",
    "read_annotations": "annotations",
    "aggregate": "result",
    "Result": "result",
    "run": "pipeline",
    "relabel_priority": "active",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    if name in ("io", "methods", "model", "synth", "datasets", "agreement", "errors"):
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'labeljury' has no attribute {name!r}")
