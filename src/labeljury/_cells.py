"""Cells of an annotation table, read into clean values.

The rules :mod:`labeljury.annotations` and the readers share: which cells are
missing (a label cell may say "NA"; an id never is missing unless empty),
integral floats as integers, infinite and mixed-form numbers refused, the class
vocabulary and the label codes, and where an error points (file and line).
Split out of ``annotations.py`` so the type itself reads on its own. Which
column is which is in :mod:`labeljury._columns` (its names are re-exported here
for the io readers that import them from this module).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from ._text_rules import _text_key, labels_from_text, normalise_labels
from .errors import ClassError, InputError, ParameterError, preview, show

__all__ = ["DuplicatePolicy", "UnlabeledPolicy"]

DuplicatePolicy = Literal["keep", "first", "last", "error"]
UnlabeledPolicy = Literal["error", "drop"]

_MISSING_STRINGS = frozenset({"", "nan", "none", "null", "na", "n/a", "<na>", "missing", "?"})


def _where(source: str | None, rows: np.ndarray, header: bool = True) -> str:
    """'answers.csv line 7, 9' for files (header is line 1), 'rows 5, 7' otherwise."""
    rows = np.asarray(rows)
    if source is not None:
        return f"{source} line{'s' if len(rows) > 1 else ''} {preview(rows + 1 + int(header))}"
    return f"row{'s' if len(rows) > 1 else ''} {preview(rows)}"


def _as_clean_values(values: Any) -> np.ndarray:
    """Turn a label/id column into a numpy array; integral floats become ints.

    Wide tables hold integer labels as floats (NaN forces it); treating ``1.0``
    and ``1`` as the same class avoids the reference bug of counting float labels
    under the wrong class.
    """
    if isinstance(values, (pd.Series, pd.Index)) and (
        isinstance(values.dtype, (pd.StringDtype, pd.CategoricalDtype)) and len(values) > 1000
    ):
        # text columns (pandas' str or categorical): one Python string per distinct
        # value, shared by its cells, instead of one per cell (memory: ~70 B a cell)
        codes, uniq = pd.factorize(values, use_na_sentinel=True)
        arr = np.append(np.asarray(uniq, dtype=object), np.nan)[codes]
        return _as_clean_values(arr)
    arr = values.to_numpy() if isinstance(values, (pd.Series, pd.Index)) else np.asarray(values)
    if arr.dtype.kind == "f":
        finite = arr[np.isfinite(arr)]
        if finite.size and np.all(finite == np.round(finite)):
            return arr  # caller casts after removing missing values
    if arr.dtype.kind == "O" or arr.dtype.kind in "US" or isinstance(arr.dtype, pd.StringDtype):
        arr = np.asarray(arr, dtype=object)
    return arr


def _missing_mask(arr: np.ndarray) -> np.ndarray:
    if arr.dtype == object and len(arr) > 1000:
        # whether a cell is missing depends only on its value: decide once per
        # distinct value (ids and labels repeat), not once per annotation
        try:
            codes, uniq = pd.factorize(arr, use_na_sentinel=True)
        except TypeError:  # unhashable cells (lists): judged one by one below
            pass
        else:
            if len(uniq) < len(arr):
                return (codes < 0) | _missing_mask(np.asarray(uniq, dtype=object))[codes]
    mask = np.asarray(pd.isna(arr), dtype=bool)
    if arr.dtype == object and len(arr):
        # blank / "NA"-like strings count as missing; non-strings give NaN under .str
        # and so compare False (one vectorised pass, no per-value Python loop)
        try:
            text = pd.Series(arr, copy=False).str.strip().str.lower()
        except (AttributeError, TypeError):  # no string (or bytes) values: nothing more
            return mask
        mask |= text.isin(_MISSING_STRINGS).to_numpy()
    return mask


def _id_missing_mask(arr: np.ndarray) -> np.ndarray:
    """Missing ids: only NaN / None / ``pd.NA`` and empty or blank text.

    Ids are text: an item or annotator called ``NA``, ``null`` or ``?`` is that
    id (a row numbered ``NA`` in a tool export is data), unlike a label cell,
    where those words mean "not labeled" (see :func:`_missing_mask`).
    """
    mask = np.asarray(pd.isna(arr), dtype=bool)
    if arr.dtype == object and len(arr):
        try:
            text = pd.Series(arr, copy=False).str.strip()
        except (AttributeError, TypeError):  # no string (or bytes) values: nothing more
            return mask
        mask |= (text == "").to_numpy()
    return mask


def _integral_to_int(arr: np.ndarray) -> np.ndarray:
    """Integral numbers as int64, exactly: never through a lossy cast.

    Infinity stays a float (refused with its location by :func:`infinite_cells`);
    integers beyond int64, or beyond the 2**53 a float holds exactly, stay Python
    ints (two distinct 20-digit ids must not merge into one).
    """
    if arr.dtype.kind == "f" and arr.size:
        with np.errstate(invalid="ignore"):
            if np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
                if np.all(np.abs(arr) < _EXACT_FLOAT):
                    return arr.astype(np.int64)
        return arr
    if arr.dtype == object and arr.size:
        # object columns of python ints/floats mixed (e.g. from JSON): unify integral numbers
        if all(
            isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
            for v in arr[: min(len(arr), 1000)]
        ):
            try:
                num = arr.astype(float)
            except (TypeError, ValueError, OverflowError):
                return arr
            if not np.all(np.isfinite(num)):
                return arr  # infinity: refused with its row by the caller
            if np.any(np.abs(num) >= _EXACT_FLOAT):
                try:  # beyond what a float holds exactly: keep the exact integers
                    return np.asarray(arr.tolist(), dtype=np.int64)
                except (OverflowError, TypeError, ValueError):
                    return arr
            if np.all(num == np.round(num)):
                return num.astype(np.int64)
            return num
    return arr


_EXACT_FLOAT = float(2**53)


def check_number_forms(vals: np.ndarray, role: str, col: Hashable, source: str | None) -> None:
    """Refuse ids given both as an integer and as a float of the same value (JSON ``1``
    and ``1.0``): they would merge into one id, while labeljury keeps ids as written."""
    if vals.dtype != object or not vals.size:
        return
    # pandas' C type inference: only a column of both ints and floats needs the look below
    if pd.api.types.infer_dtype(vals, skipna=True) != "mixed-integer-float":
        return
    is_float = np.fromiter(
        (isinstance(v, (float, np.floating)) for v in vals), dtype=bool, count=len(vals)
    )
    is_int = np.fromiter(
        (isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in vals),
        dtype=bool,
        count=len(vals),
    )
    floats = {v for v in vals[is_float] if np.isfinite(v) and v == int(v)}
    both = [v for v in pd.unique(vals[is_int]) if v in floats]
    if both:
        raise InputError(
            f"{source + ': ' if source else ''}{role} ids {show(both[0])} and "
            f"{show(float(both[0]))} in column {col!r} are the same number written "
            "differently and would become one id; write every id in one form"
        )


def infinite_cells(arr: np.ndarray) -> np.ndarray:
    """Mask of the cells that hold a floating-point infinity (``inf``, ``-inf``).

    Text cells are never infinite: a CSV label ``inf`` is the class "inf".
    """
    if arr.dtype.kind == "f":
        return np.isinf(arr)
    if arr.dtype != object or not arr.size:
        return np.zeros(arr.shape, dtype=bool)
    try:  # judged once per distinct value: ids and labels repeat
        codes, uniq = pd.factorize(arr, use_na_sentinel=True)
    except TypeError:  # unhashable cells (lists): refused elsewhere
        return np.zeros(arr.shape, dtype=bool)
    bad = np.asarray(
        [isinstance(v, (float, np.floating)) and bool(np.isinf(v)) for v in uniq], dtype=bool
    )
    return np.append(bad, False)[codes]


def check_finite(arr: np.ndarray, name: str, col: Hashable, where: Any) -> None:
    """Refuse infinite ids or labels, naming the rows (``where(rows)`` says where)."""
    inf = np.flatnonzero(infinite_cells(arr))
    if inf.size:
        raise InputError(
            f"{where(inf)}: {name} {show(arr[inf[0]])} in column {col!r} is infinite; "
            "an id or a class is a name or a whole number. Fix the cell (a division by "
            "zero upstream?) or drop the row"
        )


def _sorted_unique(values: np.ndarray) -> list[Any]:
    uniq = pd.unique(values)
    try:
        return sorted(uniq.tolist())
    except TypeError:  # mixed types: order by type name, then value text
        return sorted(uniq.tolist(), key=lambda v: (type(v).__name__, str(v)))


def _check_sentinels(
    labels: np.ndarray, classes_given: bool, source: str | None, label_col: Hashable
) -> None:
    if classes_given or labels.dtype.kind not in "iuf":
        return
    bad = np.flatnonzero(labels < 0)
    if bad.size:
        val = labels[bad[0]]
        raise ClassError(
            f"{_where(source, bad)}: label {show(val)} in column {label_col!r} looks like a "
            "'missing' sentinel. labeljury never reads a number as 'not labeled': leave the "
            "cell empty (NaN / None) in a wide table, or drop the row in a long table. If "
            f"{show(val)} really is a class, pass it in classes=[...] explicitly."
        )


def _concat_values(parts: list[np.ndarray]) -> np.ndarray:
    if all(p.dtype.kind in "iuf" for p in parts):
        return _integral_to_int(np.concatenate(parts))
    return _integral_to_int(np.concatenate([p.astype(object) for p in parts]))


def class_list(classes: Any) -> list[Any] | None:
    """``classes`` as a list, read once (a generator or a dict's keys work too).

    Text is refused: ``classes="cat"`` would otherwise be the classes c, a, t.
    """
    if classes is None:
        return None
    if isinstance(classes, (str, bytes)) or not hasattr(classes, "__iter__"):
        raise ParameterError(f"classes must be a list of class names, got {show(classes)[:80]}")
    if isinstance(classes, (set, frozenset)):
        raise ParameterError(
            "classes must be in order (a list or tuple), not a set: the class order "
            "is the column order of every probability table"
        )
    return list(classes)


def _encode_labels(
    vals: np.ndarray,
    classes: Sequence[Any] | None,
    source: str | None,
    label_col: Hashable,
    where: Any = None,
) -> tuple[pd.Index, np.ndarray]:
    classes = class_list(classes)
    if classes is None:
        class_index = pd.Index(_sorted_unique(vals))
    else:
        if (
            isinstance(classes, (str, bytes))
            or not hasattr(classes, "__iter__")
            or any(isinstance(c, (list, tuple, dict, set, np.ndarray)) for c in classes)
        ):
            raise ParameterError(f"classes must be a list of class names, got {show(classes)[:80]}")
        given = _as_clean_values(pd.Index(list(classes)))
        if given.dtype == object:  # the same spaces / Unicode rule as the labels
            given = np.asarray(
                [_text_key(c) if isinstance(c, str) else c for c in given], dtype=object
            )
        class_index = pd.Index(_integral_to_int(given))
        # only a blank name is empty: "N/A" named in classes is a class (a tool choice)
        empty = _id_missing_mask(np.asarray(class_index, dtype=object))
        if empty.any():
            raise ClassError(
                f"classes include an empty or missing name "
                f"({preview(list(class_index[empty]))}); every class needs a name"
            )
        if not class_index.is_unique:
            raise ClassError(f"classes repeat: {preview(class_index[class_index.duplicated()])}")
    if vals.dtype == object and len(vals) > 1000:
        # looked up once per distinct label: get_indexer on the cells would copy
        # every text cell into a new pandas string array first
        local, uniq = pd.factorize(vals, use_na_sentinel=True)
        lut = np.append(class_index.get_indexer(np.asarray(uniq, dtype=object)), -1)
        codes = lut[local]
    else:
        codes = class_index.get_indexer(vals) if len(vals) else np.zeros(0, np.int64)
    if (codes < 0).any():
        bad = np.flatnonzero(codes < 0)
        bad_vals = pd.unique(vals[bad]).tolist()
        loc = where(bad[0]) if where is not None else _where(source, bad)
        hint = ""
        if any(isinstance(v, (int, float, np.integer, np.floating)) and v < 0 for v in bad_vals):
            hint = (
                " A negative number looks like a 'missing' sentinel: leave such cells empty "
                "or drop the rows instead."
            )
        raise ClassError(
            f"{source + ': ' if source and where else ''}{loc}: label(s) "
            f"{preview(bad_vals)} in {label_col!r} are not among the classes "
            f"{preview(list(class_index), 10)}.{hint}"
        )
    return class_index, codes


def _labels(
    vals: np.ndarray,
    text: bool,
    classes: Sequence[Any] | None,
    source: str | None,
    label_col: Hashable,
) -> np.ndarray:
    """Labels as classes: text from a file becomes numbers when every label is one."""
    if text and not (classes is not None and all(isinstance(c, str) for c in classes)):
        return labels_from_text(vals, source, label_col)
    return normalise_labels(vals, source, label_col)
