"""The features :func:`labeljury.run` trains its model on: a table, an array or a
sparse matrix matched to the annotations' items (a table by id, never by
position), read from a file when given a path, and its text columns checked.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd

from .annotations import Annotations
from .errors import IdMismatchError, InputError, preview
from .validation import same_kind_ids

__all__ = ["align_features", "prepare_features"]


def align_features(features: Any, ann: Annotations, *, id_col: Any = None) -> Any:
    """Return the features' rows in ``ann.items`` order.

    A DataFrame is matched by id: its ``id_col`` column if given (or an ``item``
    / ``id``-like column named like the annotations' item column), else its
    index. A numpy array or a scipy sparse matrix (TF-IDF, bag of words) must
    already be in ``ann.items`` order; a sparse one stays sparse (CSR).
    """
    import scipy.sparse as sp

    if sp.issparse(features):
        if features.ndim != 2 or features.shape[0] != ann.n_items:
            raise InputError(
                f"features: a sparse matrix of shape {features.shape} for "
                f"{ann.n_items} items; it needs one row per item in "
                "annotations.items order"
            )
        return sp.csr_matrix(features)
    if isinstance(features, pd.DataFrame):
        df = features
        if id_col is not None:
            if id_col not in df.columns:
                raise InputError(
                    f"features: no id column {id_col!r}; columns are "
                    f"{preview(list(df.columns), 12)}"
                )
            df = df.set_index(id_col)
        df = df.set_axis(same_kind_ids(pd.Index(df.index), ann.items))  # ids read as numbers
        if not df.index.is_unique:
            raise IdMismatchError(
                f"features: item ids repeat: "
                f"{preview(df.index[df.index.duplicated()].unique().tolist())}"
            )
        pos = df.index.get_indexer(ann.items)
        if (pos < 0).any():
            raise IdMismatchError(
                f"features: no row for items with annotations: "
                f"{preview(ann.items[pos < 0].tolist())} (rows are matched by "
                "id, never by position)"
            )
        return df.iloc[pos].reset_index(drop=True)
    arr = np.asarray(features)
    if arr.ndim not in (1, 2) or len(arr) != ann.n_items:
        raise InputError(
            f"features has {len(arr)} rows for {ann.n_items} items; an array needs "
            "one row per item in annotations.items order (or pass a DataFrame with "
            "an id column)"
        )
    return arr


def _read_features(path: str | os.PathLike[str], id_col: Any) -> tuple[pd.DataFrame, Any]:
    """A features file as a table, and its item id column (named like one, else the first)."""
    from ._columns import ITEM_NAMES, _find_column, _read_table

    df = _read_table(path)
    if id_col is None:
        id_col = _find_column(list(df.columns), ITEM_NAMES)
    return df, id_col if id_col is not None else df.columns[0]


def prepare_features(
    features: Any, ann: Annotations, id_col: Any, text_cols: Any
) -> tuple[Any, Any]:
    """:func:`~labeljury.run`'s features: read from a path, aligned to ``ann.items``,
    cut to the text columns when some are named; and those columns as a list."""
    if isinstance(features, (str, os.PathLike)):
        features, id_col = _read_features(features, id_col)
    feats = None if features is None else align_features(features, ann, id_col=id_col)
    if isinstance(text_cols, str):
        text_cols = [text_cols]  # one column named, not its letters
    if feats is not None and text_cols:
        if not isinstance(feats, pd.DataFrame):
            raise InputError("text_cols needs features as a table")
        missing = [c for c in text_cols if c not in feats.columns]
        if missing:
            raise InputError(f"features: no text column(s) {preview(missing)}")
        feats = feats[list(text_cols)]
        # TF-IDF reads words of two or more letters or digits: a column without one
        # would fail inside scikit-learn ("empty vocabulary")
        wordless = [c for c in text_cols if not feats[c].astype(str).str.contains(r"\w\w").any()]
        if wordless:
            raise InputError(
                f"features: text column(s) {preview(wordless)} hold no word of two or more "
                "letters or digits in any row: nothing to model as text; pass another column"
            )
    return feats, text_cols
