"""Data sets laid out as ``answers.csv`` + ``gold.csv`` + ``meta.json`` folders.

One small real data set ships with labeljury (``weather_sentiment_amt``,
Apache-2.0, see its PROVENANCE.md); :func:`load_folder` reads any folder in
the same layout, such as those in ``../shared/datasets``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .annotations import Annotations
from .errors import InputError

__all__ = ["BUILTIN", "Dataset", "load_builtin", "load_folder"]

BUILTIN = ("weather_sentiment_amt",)


@dataclass
class Dataset:
    """Annotations with gold labels and metadata.

    Attributes
    ----------
    name : str
    annotations : Annotations
        The answers only: gold labels are kept apart (in ``gold``) so that no
        method sees them unless asked (``annotations.with_gold(...)``).
    gold : ndarray of int
        Gold class code per item in ``annotations.items`` order, ``-1`` = unknown.
    meta : dict
        The folder's ``meta.json``.
    path : Path
    """

    name: str
    annotations: Annotations
    gold: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    def accuracy(self, labels: np.ndarray) -> float:
        """Accuracy of consensus class codes on the items with a gold label."""
        known = self.gold >= 0
        return float(np.mean(np.asarray(labels)[known] == self.gold[known]))


def load_folder(path: str | os.PathLike[str], *, class_names: bool = False) -> Dataset:
    """Read ``answers.csv`` (item,worker,label), ``gold.csv`` (item,label), ``meta.json``.

    Parameters
    ----------
    path : folder
    class_names : bool, default False
        Name classes as in ``meta.json`` instead of keeping the integer codes.

    Examples
    --------
    >>> from labeljury.datasets import load_builtin
    >>> ds = load_builtin("weather_sentiment_amt")
    >>> ds.annotations.n_items, list(ds.annotations.classes)
    (300, [0, 1, 2, 3, 4])
    """
    path = Path(path)
    if not (path / "answers.csv").exists():
        raise InputError(f"{path}: no answers.csv (expected answers.csv, gold.csv, meta.json)")
    meta = json.loads((path / "meta.json").read_text()) if (path / "meta.json").exists() else {}
    answers = pd.read_csv(path / "answers.csv")
    classes = None
    names = meta.get("classes")
    if names:
        classes = sorted(int(k) for k in names)
    ann = Annotations.from_long(
        answers,
        item_col="item",
        annotator_col="worker",
        label_col="label",
        classes=classes,
        source=str(path / "answers.csv"),
    )
    gold = np.full(ann.n_items, -1, dtype=np.int64)
    if (path / "gold.csv").exists():
        g = pd.read_csv(path / "gold.csv")
        pos = ann.items.get_indexer(g["item"])
        gold[pos[pos >= 0]] = ann.classes.get_indexer(g["label"])[pos >= 0]
    if class_names and names:
        ann = Annotations(
            ann.item,
            ann.annotator,
            ann.label,
            ann.items,
            ann.annotators,
            [names[str(c)] for c in ann.classes],
            validate=False,
        )
    return Dataset(meta.get("name", path.name), ann, gold, meta, path)


def load_builtin(name: str = "weather_sentiment_amt", *, class_names: bool = False) -> Dataset:
    """Load a data set shipped inside the package (see :data:`BUILTIN`)."""
    if name not in BUILTIN:
        raise InputError(f"no built-in data set {name!r}; available: {', '.join(BUILTIN)}")
    with resources.as_file(resources.files("labeljury") / "data" / name) as p:
        return load_folder(p, class_names=class_names)
