"""Multi-label answers from labeling-tool exports.

The tool readers in :mod:`labeljury.io` turn an export into one long table
(``item``, ``annotator``, ``label``, ``status``, ``pos``) where ``label`` is a
list for multi-select answers. With ``multi_label=True`` their shared
``finish`` step hands that table here instead of refusing the lists: each
record is one judgement whose set is its list (a scalar is a one-class set,
no answer is the empty set).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import EmptyInputError, MissingValueError
from .data import MultiLabelAnnotations

__all__ = ["from_tool_table"]


def from_tool_table(
    df: pd.DataFrame,
    source: str,
    where: Callable[[np.ndarray], str],
    classes: Sequence[Any] | None = None,
) -> MultiLabelAnnotations:
    """Build multi-label annotations from a reader's filtered long table.

    Parameters
    ----------
    df : DataFrame
        Columns ``item``, ``annotator``, ``label`` (list, scalar or missing) and
        ``pos`` (the record's position, for messages).
    source : str
        The export's name, for messages.
    where : callable
        Turns ``pos`` values into a location (``export.json records 3, 9``).
    classes : sequence, optional
        All classes in order.
    """
    if not len(df):
        raise EmptyInputError(f"{source}: no annotations left to read")
    pos = df["pos"].to_numpy()
    for col in ("item", "annotator"):
        miss = df[col].isna().to_numpy()
        if miss.any():
            raise MissingValueError(f"{where(pos[miss])}: no {col} id")
    sets: list[list[Any]] = []
    for v in df["label"].to_numpy(dtype=object):
        if isinstance(v, list | tuple):
            sets.append([x for x in v if x is not None and x != ""])
        elif v is None or v == "" or (isinstance(v, float) and np.isnan(v)):
            sets.append([])
        else:
            sets.append([v])
    # rows of one (item, annotator) are one answer per class (doccano 1.x writes one
    # record per label) unless one of them is already a list: then a set given twice
    key = pd.MultiIndex.from_arrays([df["item"].astype(str), df["annotator"].astype(str)])
    dup = key.duplicated(keep=False)
    is_list = np.fromiter((isinstance(v, list | tuple) for v in df["label"]), bool, len(df))
    merge = not (dup & is_list).any()
    sizes = np.fromiter((len(s) for s in sets), np.int64, len(sets))
    rows = np.repeat(np.arange(len(sets)), sizes)
    tokens = np.array([str(x) for s in sets for x in s], dtype=object)
    return MultiLabelAnnotations.from_pairs(
        df["item"].to_numpy(dtype=object),
        df["annotator"].to_numpy(dtype=object),
        rows,
        tokens,
        classes=classes,
        where=lambda r: where(pos[np.asarray(r)]),
        merge=merge,
    )
