"""Building :class:`~labeljury.annotations.Annotations` from tables: the long
(one row per annotation) and wide (one column per annotator) layouts, and the
duplicate policy. :func:`~labeljury._read_annotations.read_annotations`, which
tells the layouts apart and reads paths, is in :mod:`labeljury._read_annotations`.

The functions take the class as their first argument (``cls``) so that the
class methods :meth:`Annotations.from_long` and :meth:`Annotations.from_wide`,
whose docstrings document the behaviour, stay the public entry points.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._cells import (
    DuplicatePolicy,
    UnlabeledPolicy,
    _as_clean_values,
    _check_sentinels,
    _concat_values,
    _encode_labels,
    _id_missing_mask,
    _integral_to_int,
    _labels,
    _missing_mask,
    _where,
    check_finite,
    check_number_forms,
    class_list,
)
from ._columns import (
    ANNOTATOR_NAMES,
    ITEM_NAMES,
    LABEL_NAMES,
    _check_frame,
    _is_text,
    _read_table,
    _resolve_column,
    _wide_item_column,
)
from ._read_annotations import _read_path, _warn_if_cut
from ._text_rules import check_ids, factorize_scalars, normalise_labels
from .errors import (
    ClassError,
    DuplicateAnnotationError,
    EmptyInputError,
    InputError,
    InputWarning,
    MissingColumnError,
    MissingValueError,
    ParameterError,
    preview,
    show,
    user_stacklevel,
)

if TYPE_CHECKING:
    from .annotations import Annotations

__all__ = ["build_long", "build_wide"]


def build_long(
    cls: type[Annotations],
    data: pd.DataFrame | str | os.PathLike[str],
    *,
    item_col: Hashable | None = None,
    annotator_col: Hashable | None = None,
    label_col: Hashable | None = None,
    classes: Sequence[Any] | None = None,
    duplicates: DuplicatePolicy = "keep",
    items: Sequence[Any] | None = None,
    unlabeled: UnlabeledPolicy = "error",
    source: str | None = None,
    meta_cols: Sequence[Hashable] = (),
) -> Annotations:
    """The body of :meth:`Annotations.from_long` (see its docstring)."""
    classes = class_list(classes)
    if isinstance(data, (str, os.PathLike)):
        source = source or os.fspath(data)
        data = _read_path(
            data,
            "long",
            stream=items is None and not meta_cols,
            item_col=item_col,
            annotator_col=annotator_col,
            label_col=label_col,
            classes=classes,
            duplicates=duplicates,
            unlabeled=unlabeled,
        )
        if not isinstance(data, pd.DataFrame):  # read in blocks, built and checked
            return data
        from_path = source
    else:
        from_path = None
    if not isinstance(data, pd.DataFrame):
        raise ParameterError(f"from_long expects a DataFrame or a path, got {type(data).__name__}")
    _check_frame(data, source)
    if data.shape[0] == 0:
        raise EmptyInputError(f"{source or 'table'}: no rows (no annotations)")
    cols = list(data.columns)
    given = [c for c in (item_col, annotator_col, label_col) if c is not None]
    if len(set(map(str, given))) < len(given):
        raise InputError(
            f"{source or 'table'}: the item, annotator and label columns must "
            f"be different columns, got {preview(given)}"
        )
    item_col = _resolve_column(cols, item_col, ITEM_NAMES, "item", source, ())
    annotator_col = _resolve_column(
        cols, annotator_col, ANNOTATOR_NAMES, "annotator", source, (item_col,)
    )
    label_col = _resolve_column(
        cols, label_col, LABEL_NAMES, "label", source, (item_col, annotator_col)
    )

    item_vals = _as_clean_values(data[item_col])
    ann_vals = _as_clean_values(data[annotator_col])
    lab_vals = _as_clean_values(data[label_col])
    for name, col, vals in (
        ("item id", item_col, item_vals),
        ("annotator id", annotator_col, ann_vals),
        ("label", label_col, lab_vals),
    ):
        if name == "label":
            missing = _missing_mask(vals)
            if classes is not None and missing.any():  # "N/A" given as a class is one
                named = {str(c).strip() for c in classes}
                missing &= ~pd.Series(vals, dtype=object).astype(str).str.strip().isin(
                    named
                ).to_numpy() | pd.isna(vals)
        else:
            missing = _id_missing_mask(vals)
        miss = np.flatnonzero(missing)
        check_finite(vals, name, col, lambda rows: _where(source, rows))
        if miss.size:
            words = "NaN, None, empty"
            hint = ""
            if name == "label":
                words += " or a word for missing: NA, N/A, null, ?"
                hint = (
                    " (a long table has one row per annotation: drop rows that hold no "
                    "label; if such a word is a class, pass classes=[...] naming it)"
                )
            raise MissingValueError(
                f"{_where(source, miss)}: {name} is missing ({words}) in column {col!r}{hint}"
            )
    check_number_forms(item_vals, "item", item_col, source)
    check_number_forms(ann_vals, "annotator", annotator_col, source)
    item_vals = _integral_to_int(item_vals)
    ann_vals = _integral_to_int(ann_vals)
    lab_vals = _integral_to_int(_labels(lab_vals, _is_text(data), classes, source, label_col))
    _check_sentinels(lab_vals, classes is not None, source, label_col)

    if items is not None:
        item_index = pd.Index(items)
        item_codes = item_index.get_indexer(item_vals)
        if (item_codes < 0).any():
            bad = np.flatnonzero(item_codes < 0)
            raise InputError(
                f"{_where(source, bad)}: item ids not in items=[...]: "
                f"{preview(pd.unique(item_vals[bad]).tolist())}"
            )
    else:
        item_codes, item_index = factorize_scalars(
            item_vals, f"{source or 'table'}: item column {item_col!r}"
        )
        item_index = pd.Index(item_index)
    ann_codes, ann_index = factorize_scalars(
        ann_vals, f"{source or 'table'}: annotator column {annotator_col!r}"
    )
    check_ids(item_index, "item", source)
    check_ids(ann_index, "annotator", source)
    class_index, label_codes = _encode_labels(lab_vals, classes, source, label_col)

    missing_meta = [c for c in meta_cols if c not in data.columns]
    if missing_meta:
        raise MissingColumnError(f"{source or 'table'}: no column(s) {preview(missing_meta)}")
    meta = data[list(meta_cols)].reset_index(drop=True) if meta_cols else None
    ann = cls(
        item_codes,
        ann_codes,
        label_codes,
        item_index,
        pd.Index(ann_index),
        class_index,
        meta=meta,
        validate=False,
    )
    ann = _finish(_apply_duplicates(ann, duplicates, source), unlabeled)
    if from_path is not None:
        _warn_if_cut(from_path, ann)
    return ann


def build_wide(
    cls: type[Annotations],
    data: pd.DataFrame | np.ndarray | str | os.PathLike[str],
    *,
    classes: Sequence[Any] | None = None,
    item_col: Hashable | None = None,
    annotators: Sequence[Any] | None = None,
    unlabeled: UnlabeledPolicy = "error",
    source: str | None = None,
) -> Annotations:
    """The body of :meth:`Annotations.from_wide` (see its docstring)."""
    classes = class_list(classes)
    if isinstance(data, (str, os.PathLike)):
        source = source or os.fspath(data)
        data = _read_table(data, numbers=False)
        if item_col is None:
            item_col = _wide_item_column(data, source)
    _check_frame(data, source)
    if isinstance(data, np.ndarray):
        if data.ndim != 2:
            raise InputError(
                f"a wide array must be 2-D (items x annotators), got shape {data.shape}"
            )
        return _from_wide_array(cls, data, classes, annotators, unlabeled, source)
    if not isinstance(data, pd.DataFrame):
        raise InputError(
            f"from_wide expects a DataFrame, 2-D array or path, got {type(data).__name__}"
        )
    if item_col is not None:
        if item_col not in data.columns:
            raise MissingColumnError(
                f"{source or 'table'}: no column {item_col!r}; columns "
                f"are {preview(list(data.columns), 10)}"
            )
        ids = _as_clean_values(data[item_col])
        check_finite(ids, "item id", item_col, lambda rows: _where(source, rows))
        miss = np.flatnonzero(_id_missing_mask(ids))
        if miss.size:
            raise MissingValueError(
                f"{_where(source, miss)}: item id is missing in column {item_col!r}"
            )
        index = pd.Index(_integral_to_int(ids))
        check_ids(index, "item", source)
        text = _is_text(data)
        data = data.drop(columns=[item_col])
        data.attrs["labeljury_text"] = text
    else:
        index = data.index
    if data.shape[0] == 0 or data.shape[1] == 0:
        raise EmptyInputError(f"{source or 'wide table'}: no rows or no annotator columns")
    if not pd.Index(index).is_unique:
        dup = pd.Index(index)[pd.Index(index).duplicated()].unique().tolist()
        raise InputError(f"{source or 'wide table'}: item ids repeat: {preview(dup)}")

    rows_parts, cols_parts, vals_parts = [], [], []
    for j in range(data.shape[1]):
        vals = _as_clean_values(data.iloc[:, j])
        present = ~_missing_mask(vals)
        check_finite(vals, "label", data.columns[j], lambda rows: _where(source, rows))
        r = np.flatnonzero(present)
        if r.size:
            rows_parts.append(r)
            cols_parts.append(np.full(r.size, j, dtype=np.int64))
            vals_parts.append(vals[r])
    if not rows_parts:
        raise EmptyInputError(f"{source or 'wide table'}: every cell is empty (no annotations)")
    rows = np.concatenate(rows_parts)
    cols = np.concatenate(cols_parts)
    vals = _integral_to_int(
        _labels(_concat_values(vals_parts), _is_text(data), classes, source, "cells")
    )
    check_ids(pd.Index(data.columns), "annotator", source)
    return _from_cells(
        cls,
        rows,
        cols,
        vals,
        pd.Index(index),
        pd.Index(data.columns),
        classes,
        unlabeled,
        source,
        column_names=list(data.columns),
    )


def _from_wide_array(
    cls: type[Annotations],
    arr: np.ndarray,
    classes: Sequence[Any] | None,
    annotators: Sequence[Any] | None,
    unlabeled: UnlabeledPolicy,
    source: str | None,
) -> Annotations:
    if arr.size == 0:
        raise EmptyInputError("wide array is empty")
    if arr.dtype.kind == "f":
        present = ~np.isnan(arr)
    elif arr.dtype.kind in "iub":
        present = np.ones(arr.shape, dtype=bool)
    else:
        obj = arr.astype(object)
        present = ~_missing_mask(obj.ravel()).reshape(arr.shape)
        arr = obj
    rows, cols = np.nonzero(present)  # row-major: annotations come item by item
    check_finite(
        arr[rows, cols], "label", "cells", lambda r: f"row {rows[r[0]]}, column {cols[r[0]]}"
    )
    vals = _integral_to_int(normalise_labels(arr[rows, cols], source, "cells"))
    ann_index = pd.RangeIndex(arr.shape[1]) if annotators is None else pd.Index(annotators)
    if len(ann_index) != arr.shape[1]:
        raise InputError(f"{len(ann_index)} annotator ids for {arr.shape[1]} columns")
    return _from_cells(
        cls,
        rows,
        cols,
        vals,
        pd.RangeIndex(arr.shape[0]),
        ann_index,
        classes,
        unlabeled,
        source,
        column_names=list(ann_index),
    )


def _from_cells(
    cls: type[Annotations],
    rows: np.ndarray,
    cols: np.ndarray,
    vals: np.ndarray,
    items: pd.Index,
    annotators: pd.Index,
    classes: Sequence[Any] | None,
    unlabeled: UnlabeledPolicy,
    source: str | None,
    column_names: list[Any],
) -> Annotations:
    if classes is None and vals.dtype.kind in "iuf":
        bad = np.flatnonzero(vals < 0)
        if bad.size:
            r, c = rows[bad[0]], column_names[cols[bad[0]]]
            raise ClassError(
                f"{source or 'wide table'}: row {r}, annotator column {c!r} holds "
                f"{show(vals[bad[0]])}, which looks like a 'missing' sentinel. Leave cells "
                "that nobody labeled empty (NaN / None / pd.NA) instead; if it really is a "
                "class, pass classes=[...] explicitly."
            )
    class_index, codes = _encode_labels(
        vals,
        classes,
        source,
        "cell",
        where=lambda i: f"row {rows[i]}, annotator column {column_names[cols[i]]!r}",
    )
    # stable sort by item so annotations read item by item, as the rows do
    order = np.argsort(rows, kind="stable")
    ann = cls(
        rows[order], cols[order], codes[order], items, annotators, class_index, validate=False
    )
    return _finish(ann, unlabeled)


def _apply_duplicates(ann: Annotations, policy: DuplicatePolicy, source: str | None) -> Annotations:
    if policy not in ("keep", "first", "last", "error"):
        raise InputError(f"duplicates must be 'keep', 'first', 'last' or 'error', got {policy!r}")
    if not ann.has_duplicates():
        return ann
    if policy == "keep":
        key = ann.item.astype(np.int64) * ann.n_annotators + ann.annotator
        key.sort()  # in place: no second copy
        repeat = key[1:] == key[:-1]  # each True: one extra label of a pair
        extra = int(repeat.sum())
        pairs = int((repeat & ~np.r_[False, repeat[:-1]]).sum())
        warnings.warn(
            f"{source or 'annotations'}: {pairs:,} (item, annotator) pair(s) labeled "
            f"more than once ({extra:,} extra annotation(s)); each label counts as a "
            "vote. Pass duplicates='first' or 'last' (CLI: --duplicates) to keep one, "
            "or 'error' to refuse",
            InputWarning,
            stacklevel=user_stacklevel(),
        )
        return ann
    if policy == "error":
        key = ann.item.astype(np.int64) * ann.n_annotators + ann.annotator
        dup = np.flatnonzero(pd.Index(key).duplicated(keep=False))
        first = dup[0]
        raise DuplicateAnnotationError(
            f"{_where(source, dup)}: annotator {show(ann.annotators[ann.annotator[first]])} "
            f"labeled item {show(ann.items[ann.item[first]])} more than once ({len(dup)} rows "
            "are repeats). "
            "Pass duplicates='keep' (each label a vote), 'first' or 'last'."
        )
    return ann.deduplicate(keep=policy)


def _finish(ann: Annotations, unlabeled: UnlabeledPolicy) -> Annotations:
    if unlabeled not in ("error", "drop"):
        raise InputError(f"unlabeled must be 'error' or 'drop', got {unlabeled!r}")
    if unlabeled == "drop":
        ann = ann.take(np.arange(ann.n_annotations), drop_unused=True)
    ann._validate()
    return ann
