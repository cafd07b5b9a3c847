"""Reading and aligning a model's predicted probabilities with the annotations.

Two layouts are accepted, as files or in memory:

* an array (``.npy`` file) with one row per item **in sorted item-id order**
  and one column per class in class order (in memory, a numpy array is taken
  to be in ``annotations.items`` order instead, the order the methods use);
* a table (CSV / Parquet / DataFrame) with the item id column plus one column
  per class name; rows are matched to items by id, never by position.
"""

from __future__ import annotations

import os
from collections.abc import Hashable
from typing import Any

import numpy as np
import pandas as pd

from ._cells import _integral_to_int
from ._columns import ITEM_NAMES, _find_column, _read_table
from .annotations import Annotations
from .errors import IdMismatchError, InputError, MissingColumnError, PredProbsError, preview
from .validation import check_pred_probs, numeric_block, same_kind_ids

__all__ = ["align_pred_probs", "sorted_item_order"]


def sorted_item_order(ann: Annotations) -> np.ndarray:
    """Positions of ``ann.items`` in sorted-id order (the ``.npy`` row order).

    The rule, the same whether the ids came from a file (as text) or a
    DataFrame (as numbers): ids that are all numbers, or all text that reads as
    numbers (``7``, ``007``, ``1e3``), sort by their numeric value, ties (``1``
    and ``01``) by their text; any other ids sort as text.

    Examples
    --------
    >>> from labeljury import Annotations
    >>> ann = Annotations.from_arrays(["10", "9", "010"], [0, 0, 0], ["x", "y", "x"])
    >>> ann.items[sorted_item_order(ann)].tolist()
    ['9', '010', '10']
    """
    items = ann.items
    if items.dtype.kind in "iuf":
        return np.argsort(np.asarray(items), kind="stable")
    values = items.tolist()
    if not all(isinstance(v, str) for v in values):
        raise InputError(
            "item ids of mixed types (numbers and text) cannot be sorted, so a "
            ".npy file cannot be matched to them; give pred_probs as a table with "
            "an id column instead"
        )
    text = np.asarray(values, dtype=object)
    nums = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(float)
    if np.isnan(nums).any():
        return np.argsort(text.astype(str), kind="stable")
    by_text = np.argsort(text.astype(str), kind="stable")
    return by_text[np.argsort(nums[by_text], kind="stable")]


def align_pred_probs(
    pred_probs: Any, ann: Annotations, *, id_col: Hashable | None = None
) -> np.ndarray:
    """Return validated pred_probs as an array in ``ann.items`` order.

    Parameters
    ----------
    pred_probs : ndarray, DataFrame or path (.npy, .csv, .tsv, .parquet)
    ann : Annotations
    id_col : column name, optional
        Item id column of a table; recognised by name (item, id, ...) when
        omitted, else the DataFrame's index is used.

    Examples
    --------
    >>> import pandas as pd
    >>> from labeljury import Annotations
    >>> ann = Annotations.from_arrays(["b", "a"], [0, 0], ["x", "y"])
    >>> table = pd.DataFrame({"item": ["a", "b"], "x": [0.1, 0.8], "y": [0.9, 0.2]})
    >>> align_pred_probs(table, ann).tolist()
    [[0.8, 0.2], [0.1, 0.9]]
    """
    source = "pred_probs"
    if isinstance(pred_probs, (str, os.PathLike)):
        source = os.fspath(pred_probs)
        if source.lower().endswith(".npy"):
            try:
                arr = np.load(source, allow_pickle=False)
            except (OSError, ValueError) as exc:
                raise PredProbsError(f"{source}: cannot load as a .npy array ({exc})") from exc
            arr = check_pred_probs(arr, ann.n_items, ann.n_classes, source=source)
            out = np.empty_like(arr)
            out[sorted_item_order(ann)] = arr
            return out
        pred_probs = _read_table(source)
    if isinstance(pred_probs, pd.DataFrame):
        return _from_table(pred_probs, ann, id_col, source)
    return check_pred_probs(pred_probs, ann.n_items, ann.n_classes, source=source)


def _from_table(
    df: pd.DataFrame, ann: Annotations, id_col: Hashable | None, source: str
) -> np.ndarray:
    class_cols = {str(c): c for c in df.columns}
    class_names = {str(k) for k in ann.classes}
    if id_col is None:
        candidates = [c for c in df.columns if str(c) not in class_names]
        id_col = _find_column(candidates, ITEM_NAMES)
    if id_col is not None:
        if id_col not in df.columns:
            raise MissingColumnError(f"{source}: no id column {id_col!r}")
        ids = pd.Index(_integral_to_int(np.asarray(df[id_col].to_numpy())))
    else:
        ids = df.index
    missing_cls = [c for c in ann.classes if str(c) not in class_cols]
    if missing_cls:
        raise MissingColumnError(
            f"{source}: no column for class(es) {preview(missing_cls)}; "
            "a pred_probs table has the item id column plus one column per "
            "class name"
        )
    extra = [c for c in df.columns if c != id_col and str(c) not in class_names]
    if extra:
        raise PredProbsError(
            f"{source}: columns {preview(extra)} are neither the id column nor "
            f"a class ({preview(list(ann.classes), 10)})"
        )
    if not ids.is_unique:
        raise IdMismatchError(
            f"{source}: item ids repeat: {preview(ids[ids.duplicated()].unique().tolist())}"
        )
    ids = same_kind_ids(ids, ann.items)
    pos = ids.get_indexer(ann.items)
    unknown = ids.difference(ann.items)
    if (pos < 0).any() or len(unknown):
        parts = []
        if (pos < 0).any():
            parts.append(
                f"items with annotations but no predicted probabilities: "
                f"{preview(ann.items[pos < 0].tolist())}"
            )
        if len(unknown):
            parts.append(
                f"ids in {source} that no annotation mentions: {preview(unknown.tolist())}"
            )
        raise IdMismatchError(f"{source}: ids do not match the annotations; " + "; ".join(parts))
    cols = [class_cols[str(c)] for c in ann.classes]
    values = numeric_block(df[cols], source)[pos]
    return check_pred_probs(values, ann.n_items, ann.n_classes, source=source)
