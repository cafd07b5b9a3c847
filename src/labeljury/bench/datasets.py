"""The benchmark's data: real folders and synthetic scenarios, as :class:`BenchData`.

Real data sets are folders laid out like ``../shared/datasets/*`` (``answers.csv``,
``gold.csv``, ``meta.json``, optionally ``features.csv`` (numeric table),
``items.csv`` (free text) or ``*.npy`` (embeddings), one row per item). The
default root is found by :func:`find_data_root`.

Synthetic scenarios come with their true labels and a *simulated* model: a
noisy copy of the truth with a stated accuracy and confidence (see
:func:`simulate_pred_probs`), so that model-aware methods can be compared on
them. The tutorial scenario instead has real 2-d features, and gets
out-of-fold ``pred_probs`` like the real data sets with features.

Scenarios (:data:`SCENARIOS`):

``synth_tutorial``
    the classic 3-class, 50-annotator tutorial data (:func:`labeljury.synth.make_tutorial_data`);
``synth_confusions``
    4 classes, each annotator with a class-dependent confusion matrix that
    systematically mistakes class ``k`` for ``k + 1``;
``synth_spammers``
    binary, 30% uniform spammers and 10% adversarial annotators (who flip the
    truth 80% of the time) among good annotators;
``synth_hardest``
    10 classes, the CROWDLAB paper's "hardest" sparsity profile: 1 to 12
    labels per item, most items with 1-3, annotators of mixed quality; with a
    good (0.9), a weak (0.6) and an over-confident (0.8 accuracy but
    probability ~0.99 on its guess) simulated model;
``synth_large``
    one million annotations (200,000 items x 5, 2,000 annotators, 5 classes).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..annotations import Annotations
from ..datasets import load_folder
from ..errors import InputError
from ._bench_data import BenchData
from ._scenarios import (  # the synthetic half, re-exported: callers import it from here
    HARDEST_PROFILE,
    SCENARIOS,
    make_scenario,
    scenario_confusions,
    scenario_hardest,
    scenario_large,
    scenario_spammers,
    scenario_tutorial,
    simulate_pred_probs,
)

__all__ = [
    "HARDEST_PROFILE",
    "SCENARIOS",
    "BenchData",
    "discover",
    "find_data_root",
    "load_real",
    "make_scenario",
    "scenario_confusions",
    "scenario_hardest",
    "scenario_large",
    "scenario_spammers",
    "scenario_tutorial",
    "simulate_pred_probs",
    "subsample_per_item",
]

#: environment variable naming the default data root
DATA_ENV = "LABELJURY_DATA"


# ------------------------------------------------------------------ real data
def find_data_root(start: str | os.PathLike[str] | None = None) -> Path | None:
    """The default data root: ``$LABELJURY_DATA``, else the first ``shared/datasets``
    found beside the current directory or one of its parents.

    Parameters
    ----------
    start : path, optional
        Where to start walking up (default: the current directory).

    Returns
    -------
    Path or None
        None when nothing is found.
    """
    env = os.environ.get(DATA_ENV)
    if env:
        return Path(env)
    here = Path(start if start is not None else Path.cwd()).resolve()
    for p in (here, *here.parents):
        for cand in (p / "shared" / "datasets", p.parent / "shared" / "datasets"):
            if cand.is_dir():
                return cand
    return None


def discover(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Data set folders under ``paths``: a path with ``answers.csv`` is one data
    set, otherwise each of its sub-folders that has one is (sorted by name)."""
    found: list[Path] = []
    for p in map(Path, paths):
        if (p / "answers.csv").is_file():
            found.append(p)
        elif p.is_dir():
            found += sorted(q for q in p.iterdir() if (q / "answers.csv").is_file())
        else:
            raise InputError(f"{p}: not a data set folder (no answers.csv) nor a folder of them")
    return found


def _text_columns(df: pd.DataFrame) -> list[str]:
    cols = []
    for c in df.columns:
        if c == "item" or not (df[c].dtype == object or pd.api.types.is_string_dtype(df[c])):
            continue
        if df[c].astype(str).str.len().mean() > 15:
            cols.append(c)
    return cols


def _aligned(table: pd.DataFrame, items: pd.Index) -> pd.DataFrame | None:
    if "item" not in table.columns:
        return table if len(table) == len(items) else None
    table = table.drop_duplicates("item").set_index("item")
    if not items.isin(table.index).all():
        return None
    return table.loc[items]


def load_real(path: str | os.PathLike[str]) -> BenchData:
    """Read a data set folder with its features, if any.

    Features, in order of preference: ``features.csv`` (numeric table),
    ``items.csv`` (its free-text columns: those with mean length > 15), the
    first ``*.npy`` with one row per item. Files describing a test split
    (``test_*``) are ignored.
    """
    path = Path(path)
    ds = load_folder(path)
    items = ds.annotations.items
    features: Any = None
    model = "none"
    if (path / "features.csv").is_file():
        table = _aligned(pd.read_csv(path / "features.csv"), items)
        if table is not None:
            features, model = table.reset_index(drop=True), "oof:tabular"
    if features is None and (path / "items.csv").is_file():
        raw = pd.read_csv(path / "items.csv")
        cols = _text_columns(raw)
        table = _aligned(raw[["item", *cols]] if "item" in raw else raw[cols], items)
        if cols and table is not None:
            features, model = table[cols].fillna("").reset_index(drop=True), "oof:text"
    if features is None:
        for npy in sorted(path.glob("*.npy")):
            arr = np.load(npy)
            if arr.ndim == 2 and len(arr) == len(items):
                features, model = arr, "oof:embeddings"
                break
    return BenchData(
        ds.name, ds.annotations, np.asarray(ds.gold), "real", features, None, model, path
    )


# ------------------------------------------------------------------ sparsity
def subsample_per_item(ann: Annotations, r: int, seed: int) -> np.ndarray:
    """Rows keeping at most ``r`` random annotations of each item (sorted).

    Every item keeps at least one annotation, so item codes are unchanged by
    ``ann.take(rows)``; annotators left without labels are dropped.

    Examples
    --------
    >>> ann = Annotations.from_arrays([0, 0, 0, 1], [0, 1, 2, 0], [1, 1, 0, 0])
    >>> rows = subsample_per_item(ann, 2, seed=0)
    >>> np.bincount(ann.item[rows]).tolist()
    [2, 1]
    """
    rng = np.random.default_rng(seed)
    key = rng.random(ann.n_annotations)
    order = np.lexsort((key, ann.item))
    item_sorted = ann.item[order]
    starts = np.flatnonzero(np.r_[True, item_sorted[1:] != item_sorted[:-1]])
    rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    return np.sort(order[rank < r])
