""":meth:`Annotations.from_long <labeljury.Annotations.from_long>`'s rules on coded columns.

Columns held as integer codes into vocabularies of distinct values (a streamed
tool export, a long table read in blocks) are checked and encoded once per
distinct value: ids renumbered by first appearance, the id checks, label
normalisation and the classes. Each helper returns ``None`` where the answer
could differ from the per-row ``from_long`` (a missing value, mixed types,
numbers written as text ...), and the caller then takes the per-row path, which
says what is wrong by row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..annotations import Annotations
from ..errors import LabeljuryError
from ._coded import Coded, _all_ints

__all__ = ["from_codes"]


def _first_seen(codes: np.ndarray, n_values: int) -> tuple[np.ndarray, np.ndarray]:
    """Codes renumbered by first appearance, and the old code of each new one."""
    # the first row of each value, without sorting the codes (8 bytes a value)
    first = np.full(n_values, len(codes), dtype=np.int64)
    np.minimum.at(first, codes, np.arange(len(codes)))
    used = np.flatnonzero(first < len(codes))
    order = used[np.argsort(first[used], kind="stable")]
    lut = np.full(n_values, -1, dtype=np.int32)
    lut[order] = np.arange(len(order), dtype=np.int32)
    return lut[codes], order


def _ids(codes: np.ndarray, values: list[Any], role: str, source: str) -> Any:
    """(codes, Index) of an id column as from_long builds them; None: the per-row path."""
    from .._text_rules import check_ids

    if (codes < 0).any():
        return None
    new, order = _first_seen(codes, len(values))
    vals = [values[i] for i in order]
    if len(set(vals)) < len(vals):  # values kept per row: the per-row path factorises
        return None
    if _all_ints(vals):
        return new, pd.Index(np.asarray(vals, dtype=np.int64))
    if not all(type(v) is str and v.strip() for v in vals):
        return None
    index = pd.Index(vals, dtype=object)
    check_ids(index, role, source)  # raises: the per-row path says the same
    return new, index


def _labels(
    codes: np.ndarray,
    values: list[Any],
    classes: Sequence[Any] | None,
    source: str,
    text: bool = False,
) -> Any:
    """(codes, class Index) as from_long builds them; None: the per-row path.

    ``text``: labels read from a delimited-text file, which become numbers when
    every one is a number (left to the per-row path).
    """
    from .._cells import _MISSING_STRINGS, _encode_labels
    from .._text_rules import _CONTROL, _NUMBER, _text_key

    used = np.flatnonzero(np.bincount(codes, minlength=len(values)))
    vals = [values[i] for i in used]
    numbers = text and not (classes is not None and all(isinstance(c, str) for c in classes))
    if numbers and all(type(v) is str and _NUMBER.match(v) for v in vals):
        return None
    if _all_ints(vals):
        if any(v < 0 for v in vals) and classes is None:
            return None  # a "missing" sentinel: refused by row
        arr: np.ndarray = np.asarray(vals, dtype=np.int64)
    elif all(
        type(v) is str
        and v.strip().lower() not in _MISSING_STRINGS
        and not _CONTROL.search(v)
        and _text_key(v) == v
        for v in vals
    ):
        arr = np.asarray(vals, dtype=object)
    else:
        return None
    class_index, local = _encode_labels(arr, classes, source, "label")
    if (local < 0).any():
        return None
    lut = np.full(len(values), -1, dtype=np.int32)
    lut[used] = local
    return lut[codes], class_index


def from_codes(
    item: Coded,
    annotator: Coded,
    label: Coded,
    *,
    source: str,
    text: bool,
    classes: Sequence[Any] | None = None,
    duplicates: str = "keep",
    unlabeled: str = "error",
) -> Annotations | None:
    """:meth:`Annotations.from_long` on coded columns, once per distinct value.

    For a long table read in blocks (:mod:`labeljury.io.stream`). Returns None
    where the per-row ``from_long`` must decide (a missing value, mixed types,
    number labels written as text ...), which then says what is wrong by row.
    """
    from .._cells import class_list
    from .._from_tables import _apply_duplicates, _finish

    if duplicates not in ("keep", "first", "last", "error") or unlabeled not in ("error", "drop"):
        return None
    if not len(label.codes) or (np.asarray(label.codes) < 0).any():
        return None
    try:
        classes = class_list(classes)
        ids = _ids(np.asarray(item.codes), item.values, "item", source)
        who = _ids(np.asarray(annotator.codes), annotator.values, "annotator", source)
        lab = _labels(np.asarray(label.codes), label.values, classes, source, text)
    except LabeljuryError:
        return None
    if ids is None or who is None or lab is None:
        return None
    ann = Annotations(ids[0], who[0], lab[0], ids[1], who[1], lab[1], validate=False)
    del ids, who, lab
    return _finish(_apply_duplicates(ann, duplicates, source), unlabeled)  # type: ignore[arg-type]
