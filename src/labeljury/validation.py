"""Input checks shared by every method and entry point (checked once, trusted after).

Ids, labels, predicted probabilities, feature tables and the size of dense arrays
are checked here once, so every reader and method refuses the same things with
the same words (see docs/errors.md).
"""

from __future__ import annotations

import re
import warnings
from typing import Any

import numpy as np
import pandas as pd

# the id/label text rules and the parameter checks live in their own modules; their
# public names are imported here so ``labeljury.validation`` stays the one import path
from ._params import check_param_names, check_params, check_values
from ._text_rules import (
    check_ids,
    labels_from_text,
    normalise_labels,
)
from .errors import (
    InputError,
    InputWarning,
    PredProbsError,
    TooLargeError,
    preview,
    show,
    user_stacklevel,
)

__all__ = [
    "MAX_DENSE_CELLS",
    "check_dense",
    "check_features",
    "check_ids",
    "check_param_names",
    "check_params",
    "check_pred_probs",
    "check_values",
    "labels_from_text",
    "normalise_labels",
    "numeric_block",
    "same_kind_ids",
]


def check_pred_probs(
    pred_probs: Any, n_items: int, n_classes: int, *, atol: float = 1e-3, source: str = "pred_probs"
) -> np.ndarray:
    """Validate predicted probabilities and return a float64 copy.

    Raises :class:`~labeljury.errors.PredProbsError` naming the rows when the
    shape is wrong, or any value is NaN / infinite / negative, or a row does not
    sum to one (within ``atol``). Rows within tolerance are renormalised; the
    caller's array is never modified.

    Examples
    --------
    >>> check_pred_probs([[0.2, 0.8], [1.0, 0.0]], 2, 2).tolist()
    [[0.2, 0.8], [1.0, 0.0]]
    """
    try:
        arr = np.array(pred_probs, dtype=np.float64, copy=True)
    except (TypeError, ValueError) as exc:
        raise PredProbsError(f"{source}: cannot read as a numeric array ({exc})") from exc
    if arr.ndim != 2 or arr.shape != (n_items, n_classes):
        raise PredProbsError(
            f"{source} has shape {arr.shape}; expected ({n_items}, {n_classes}) "
            "= (number of items, number of classes), rows in item order"
        )
    bad = ~np.isfinite(arr)
    if bad.any():
        rows = np.flatnonzero(bad.any(axis=1))
        raise PredProbsError(f"{source}: NaN or infinite values in rows {preview(rows)}")
    if (arr < 0).any():
        rows = np.flatnonzero((arr < 0).any(axis=1))
        raise PredProbsError(f"{source}: negative probabilities in rows {preview(rows)}")
    sums = arr.sum(axis=1)
    off = np.abs(sums - 1.0) > atol
    if off.any():
        rows = np.flatnonzero(off)
        raise PredProbsError(
            f"{source}: rows {preview(rows)} do not sum to 1 (e.g. row "
            f"{rows[0]} sums to {sums[rows[0]]:.4g}); pass probabilities, not "
            "logits or scores (apply a softmax first)"
        )
    arr /= sums[:, None]
    return arr


# ------------------------------------------------------------ dense arrays
#: The largest dense array (cells) labeljury builds from the user's data: items x classes
#: posteriors, items x annotators for ``to_wide``. 2**28 float64 cells = 2 GiB.
MAX_DENSE_CELLS = 1 << 28


def check_dense(n_rows: int, n_cols: int, what: str, source: str | None = None) -> None:
    """Refuse a dense ``n_rows x n_cols`` array above :data:`MAX_DENSE_CELLS`.

    Examples
    --------
    >>> check_dense(10**6, 10**6, "items x classes")
    Traceback (most recent call last):
    ...
    labeljury.errors.TooLargeError: 1,000,000 x 1,000,000 items x classes ...
    """
    if int(n_rows) * int(n_cols) > MAX_DENSE_CELLS:
        gib = int(n_rows) * int(n_cols) * 8 / 2**30
        raise TooLargeError(
            f"{source + ': ' if source else ''}{n_rows:,} x {n_cols:,} {what} would need a dense "
            f"array of {gib:,.1f} GiB, above labeljury's limit of {MAX_DENSE_CELLS:,} cells "
            f"(2 GiB; labeljury.validation.MAX_DENSE_CELLS). Too many distinct labels usually "
            "means the wrong column was read as the label (ids, free text): check --label-col, "
            "or pass the classes with classes=[...]"
        )


# --------------------------------------------------------- tables matched by id
def same_kind_ids(ids: pd.Index, items: pd.Index) -> pd.Index:
    """``ids`` of a side table (pred_probs, features, gold) in the kind of ``items``.

    A table read from a file holds its ids as text; annotations built from a
    DataFrame may hold numbers. When the table's ids are integers and the items
    text, the integers are written as text (``7`` -> ``'7'``); when the items are
    integers and the table's ids are all integers written plainly as text, they
    are read as integers. ``'007'`` never matches ``7``; other ids are returned
    unchanged.

    Examples
    --------
    >>> same_kind_ids(pd.Index(["7", "007"]), pd.Index([7, 8])).tolist()
    ['7', '007']
    >>> same_kind_ids(pd.Index([7, 8]), pd.Index(["7", "8"])).tolist()
    ['7', '8']
    >>> same_kind_ids(pd.Index(["7", "8"]), pd.Index([7, 8])).tolist()
    [7, 8]
    """
    if (
        ids.dtype.kind in "iu"
        and items.dtype.kind == "O"
        and all(isinstance(v, str) for v in items[:1000])
    ):
        return pd.Index([str(v) for v in ids], dtype=object)
    if (
        items.dtype.kind in "iu"
        and ids.dtype.kind == "O"
        and len(ids)
        and all(isinstance(v, str) and re.fullmatch(r"-?(0|[1-9]\d*)", v) for v in ids)
    ):
        # integer items (a DataFrame, Parquet) and a text table: "7" is 7, "007" is not
        return pd.Index([int(v) for v in ids])
    return ids


def numeric_block(df: pd.DataFrame, source: str) -> np.ndarray:
    """The table's columns as one float array; a cell that is not a number is an error.

    Examples
    --------
    >>> numeric_block(pd.DataFrame({"a": ["0.5", 1]}), "p.csv").tolist()
    [[0.5], [1.0]]
    """
    out = np.empty(df.shape, dtype=float)
    for j, c in enumerate(df.columns):
        col = df[c]
        if col.dtype.kind in "iufb":
            out[:, j] = col.to_numpy(dtype=float, na_value=np.nan)
            continue
        conv = pd.to_numeric(col, errors="coerce")
        bad = np.flatnonzero(conv.isna().to_numpy() & col.notna().to_numpy())
        if bad.size:
            raise PredProbsError(
                f"{source}: column {c!r} holds text that is not a number in "
                f"rows {preview(bad.tolist())} (e.g. {show(col.iloc[bad[0]])});"
                " every cell must be a probability"
            )
        out[:, j] = conv.to_numpy(dtype=float, na_value=np.nan)
    return out


# ------------------------------------------------------------------ features
def _numbers_as_text(col: pd.Series) -> pd.Series | None:
    """The column as numbers when every cell present is a number written as text."""
    present = col.dropna()
    if present.empty or not all(isinstance(v, (str, bytes)) for v in present.iloc[:1000]):
        return None
    conv = pd.to_numeric(col, errors="coerce")
    return conv if conv.notna().sum() == len(present) else None


#: Largest magnitude of a feature value: squares (scaling, variances) must stay finite.
MAX_FEATURE_ABS = 1e150


def check_features(features: Any, source: str = "features") -> Any:
    """Refuse feature tables a model cannot learn from; convert numbers stored as text.

    Raises :class:`~labeljury.errors.InputError` for no columns, repeated column
    names, infinite values, or a column empty (NaN) in every row, naming the
    column. A column (or an array) whose every cell is a number written as
    text is converted to numbers, with one warning: read as categories it
    would train a chance-level model. Sparse matrices are returned as they are.

    Examples
    --------
    >>> check_features(pd.DataFrame({"x": [1.0, float("inf")]}))
    Traceback (most recent call last):
    ...
    labeljury.errors.InputError: features: column 'x' holds infinite values in rows 1; ...
    """
    if hasattr(features, "tocsr") or isinstance(features, (pd.Series, list, tuple)):
        return features
    if not isinstance(features, pd.DataFrame):
        arr = np.asarray(features)
        if arr.ndim == 2 and arr.shape[1] == 0:
            raise InputError(f"{source}: an array with zero columns; give one column per feature")
        if arr.ndim != 2 or arr.dtype.kind not in "OUS":
            if arr.ndim == 2 and arr.dtype.kind == "f":
                _check_numeric(pd.DataFrame(arr), source)
            return features
        conv = pd.DataFrame(arr).apply(pd.to_numeric, errors="coerce")
        if conv.notna().to_numpy().sum() != pd.DataFrame(arr).notna().to_numpy().sum():
            return features  # real text: the model decides how to read it
        warnings.warn(
            f"{source}: every value is a number stored as text; converted to numbers",
            InputWarning,
            stacklevel=user_stacklevel(),
        )
        arr = conv.to_numpy(float)
        _check_numeric(pd.DataFrame(arr), source)
        return arr
    df = features
    if df.shape[1] == 0:
        raise InputError(f"{source}: the table has no feature columns")
    cols = pd.Index(df.columns)
    if not cols.is_unique:
        raise InputError(
            f"{source}: column names repeat: {preview(cols[cols.duplicated()].unique().tolist())}"
        )
    converted = []
    out = df
    for c in df.columns:
        if df[c].dtype == object:
            nested = np.flatnonzero(
                df[c].map(lambda v: isinstance(v, (list, tuple, dict, set, np.ndarray))).to_numpy()
            )
            if nested.size:
                v = df[c].iloc[nested[0]]
                raise InputError(
                    f"{source}: column {c!r} holds a {type(v).__name__} in rows "
                    f"{preview(nested.tolist())}, not one value; give each feature its "
                    "own column (or pass embeddings as a 2-D array)"
                )
        if df[c].dtype == object or isinstance(df[c].dtype, pd.StringDtype):
            conv = _numbers_as_text(df[c])
            if conv is not None:
                if out is df:
                    out = df.copy()
                out[c] = conv
                converted.append(c)
    if converted:
        warnings.warn(
            f"{source}: column(s) {preview(converted)} hold numbers stored as text; "
            "converted to numbers",
            InputWarning,
            stacklevel=user_stacklevel(),
        )
    _check_numeric(out, source)
    return out


def _check_numeric(df: pd.DataFrame, source: str) -> None:
    for c in df.columns:
        col = df[c]
        if col.dtype.kind not in "fiub" and col.dtype != object:
            continue
        if col.dtype.kind == "f":
            vals = col.to_numpy()
            inf = np.flatnonzero(np.isinf(vals))
            if inf.size:
                raise InputError(
                    f"{source}: column {c!r} holds infinite values in rows "
                    f"{preview(inf.tolist())}; replace them (e.g. with a large "
                    "finite number, or leave the cell empty)"
                )
            huge = np.flatnonzero(np.abs(np.nan_to_num(vals)) > MAX_FEATURE_ABS)
            if huge.size:
                raise InputError(
                    f"{source}: column {c!r} holds values too large to model in "
                    f"rows {preview(huge.tolist())} (e.g. {vals[huge[0]]:.3g}; "
                    f"squared they overflow); rescale the column (log, units)"
                )
        if len(col) and col.isna().all():
            raise InputError(f"{source}: column {c!r} is empty in every row; drop it")
