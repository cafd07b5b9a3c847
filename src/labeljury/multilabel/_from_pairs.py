"""Building :class:`~labeljury.multilabel.data.MultiLabelAnnotations` from rows and chosen pairs.

What the readers hand over is one (item, annotator) id pair per row plus one (row, class
name) pair per chosen class. Here the ids and class names become codes (each distinct
value checked once), a class outside the ones given and a duplicate judgement or choice
are refused with the rows they are on, and the chosen pairs are laid out as CSR. The
type itself (:meth:`MultiLabelAnnotations.from_pairs` calls this) checks only its own
invariants.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._text_rules import check_ids
from ..errors import ClassError, DuplicateAnnotationError, InputError, preview
from .data import MultiLabelAnnotations, _text_index

__all__ = ["build_from_pairs"]


def build_from_pairs(
    cls: type[MultiLabelAnnotations],
    item: Sequence[Any],
    annotator: Sequence[Any],
    rows: np.ndarray,
    tokens: np.ndarray,
    *,
    classes: Sequence[Any] | None,
    where: Any,
    merge: bool,
) -> MultiLabelAnnotations:
    """:meth:`MultiLabelAnnotations.from_pairs` (see there for the parameters)."""
    where = where or (lambda r: f"rows {preview((np.asarray(r) + 1).tolist())}")
    item_s = pd.Series(item, dtype=object).astype(str).to_numpy()
    ann_s = pd.Series(annotator, dtype=object).astype(str).to_numpy()
    if len(item_s) != len(ann_s):
        raise InputError(f"{len(item_s)} item ids but {len(ann_s)} annotator ids")
    item_codes, items = pd.factorize(item_s, sort=True)
    ann_codes, annotators = pd.factorize(ann_s, sort=True)
    tokens = pd.Series(tokens, dtype=object).astype(str).to_numpy()
    check_ids(items, "item")
    check_ids(annotators, "annotator")
    check_ids(pd.unique(tokens), "class")  # control characters, look-alike names
    if classes is None:
        class_index = pd.Index(sorted(set(tokens.tolist())), dtype=object)
    else:
        class_index = _text_index(classes, "classes")
    class_codes = class_index.get_indexer(tokens)
    bad = class_codes < 0
    if bad.any():
        raise ClassError(
            f"{where(np.unique(rows[bad]))}: class(es) "
            f"{preview(pd.unique(tokens[bad]).tolist())} not in the classes "
            f"given ({preview(class_index.tolist(), 10)}); add them to "
            "--classes or fix these rows"
        )
    key = item_codes.astype(np.int64) * max(len(annotators), 1) + ann_codes
    judgement_key, row_judgement = np.unique(key, return_inverse=True)
    if not merge and len(judgement_key) != len(key):
        dup_rows = np.flatnonzero(pd.Series(key).duplicated(keep=False).to_numpy())
        raise DuplicateAnnotationError(
            f"{where(dup_rows)}: the same annotator gave the same item a set twice; keep "
            "one row per (item, annotator), or one row per chosen class in a table "
            "without multi-class cells"
        )
    n_j = len(judgement_key)
    pair_j = row_judgement[np.asarray(rows, dtype=np.int64)]
    pair_key = pair_j * max(len(class_index), 1) + class_codes
    uniq, first = np.unique(pair_key, return_index=True)
    if merge and len(uniq) != len(pair_key):
        dup = np.setdiff1d(np.arange(len(pair_key)), first)
        raise DuplicateAnnotationError(
            f"{where(np.unique(np.asarray(rows)[dup]))}: the same annotator chose the same "
            "class for the same item twice; keep one row per (item, annotator, class)"
        )
    nk = max(len(class_index), 1)
    j_of_pair, cls_of_pair = uniq // nk, uniq % nk
    indptr = np.zeros(n_j + 1, dtype=np.int64)
    np.cumsum(np.bincount(j_of_pair, minlength=n_j), out=indptr[1:])
    na = max(len(annotators), 1)
    return cls(
        judgement_key // na,
        judgement_key % na,
        indptr,
        cls_of_pair,
        items,
        annotators,
        class_index,
    )
