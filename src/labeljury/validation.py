"""Input checks shared by every method and entry point (checked once, trusted after).

Ids, labels, predicted probabilities, feature tables and the size of dense arrays
are checked here once, so every reader and method refuses the same things with
the same words (see docs/errors.md).
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .errors import (
    ClassError,
    InputError,
    InputWarning,
    ParameterError,
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


# ------------------------------------------------------------ ids and labels
#: The largest dense array (cells) labeljury builds from the user's data: items x classes
#: posteriors, items x annotators for ``to_wide``. 2**28 float64 cells = 2 GiB.
MAX_DENSE_CELLS = 1 << 28

# control characters, and the bidirectional overrides and isolates that make text
# print in another order than it is stored (a label shown as 'cat' that is 'tac')
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_CONTROL_BUT_NUL = re.compile(r"[\x01-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"[\s\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]+")
# invisible format characters (soft hyphen, zero-width joiners, direction marks, word
# joiner): 'w1' and 'w1' + U+200D print the same
_INVISIBLE = re.compile(r"[\u00ad\u180e\u200c-\u200f\u2060-\u2064]")


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


def _text_key(value: Any) -> str:
    return unicodedata.normalize("NFC", _SPACES.sub(" ", _INVISIBLE.sub("", str(value)))).strip()


def _joined(values: Sequence[Any]) -> str | None:
    """All values joined by NUL when they are all text (one C-speed string to scan)."""
    if not all(type(v) is str for v in values):
        return None
    return "\x00".join(values)


def _refuse_control(vals: Sequence[Any], role: str, where: str) -> None:
    for v in vals:
        if isinstance(v, str) and _CONTROL.search(v):
            raise InputError(
                f"{where}{role} id {show(v)} holds a control character (NUL, "
                "tab, line break, escape, direction override ...); remove it from the input"
            )


def check_ids(ids: Sequence[Any], role: str, source: str | None = None) -> None:
    """Refuse ids with control characters, or two ids that print the same.

    Two distinct ids whose text is the same once whitespace, no-break spaces and
    Unicode normalisation (NFC) are set aside, or whose types differ (``1`` and
    ``'1'``), would be written back as one id: the output could not be joined
    to the input.

    Examples
    --------
    >>> check_ids(["001", "1", "a"], "item")
    >>> check_ids([1, "1"], "item")
    Traceback (most recent call last):
    ...
    labeljury.errors.InputError: item ids 1 and '1' look the same but differ ...
    """
    where = f"{source}: " if source else ""
    if pd.Index(ids).dtype.kind in "iufb":
        return  # numbers of one type print distinctly
    vals = list(ids)
    joined = _joined(vals)
    if joined is not None:
        if _CONTROL_BUT_NUL.search(joined) or joined.count("\x00") != max(len(vals) - 1, 0):
            _refuse_control(vals, role, where)
        plain = joined.isascii() and not re.search(r"(^|\x00)\s|\s(\x00|$)", joined)
        if plain and unicodedata.is_normalized("NFC", joined):
            return  # all plain text: distinct values print distinctly
    else:
        _refuse_control(vals, role, where)
    seen: dict[str, Any] = {}
    for v in vals:
        key = _text_key(v)
        if key in seen:
            a, b = show(seen[key]), show(v)
            if a == b:
                a, b = ascii(seen[key]), ascii(v)
            raise InputError(
                f"{where}{role} ids {a} and {b} look the same "
                "but differ (in type, surrounding or no-break spaces, or Unicode "
                "form), so the output could not be joined back to the input; make "
                "them identical, or clearly different"
            )
        seen[key] = v


def factorize_scalars(vals: np.ndarray, where: str) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize``, refusing lists, dicts and other non-scalar cells by row."""
    try:
        return pd.factorize(vals, sort=False)
    except TypeError:
        row = next(i for i, v in enumerate(vals) if isinstance(v, (list, dict, set, np.ndarray)))
        v = vals[row]
        raise ClassError(
            f"{where} row {row} holds a {type(v).__name__} ({show(v)[:60]}), not "
            "one value; a single-label task has one class per annotation: "
            "flatten or pick the answers first"
        ) from None


def normalise_labels(vals: np.ndarray, source: str | None, label_col: Any) -> np.ndarray:
    """Text labels stripped, spaces unified and NFC-normalised, with ONE warning.

    ``'cat'``, ``'cat '``, ``' cat'`` and ``'cat\\u00a0'`` are one class: they print
    the same. Labels of different types that print the same (``1`` and
    ``'1'``) and labels holding control characters are refused.
    """
    if vals.dtype != object or not len(vals):
        return vals
    where = f"{source}: " if source else ""
    codes, uniq = factorize_scalars(vals, f"{where}column {label_col!r}")
    uniq = list(uniq)
    for v in uniq:
        if isinstance(v, (tuple, frozenset)):  # hashable, so factorize let it through
            row = int(np.flatnonzero(codes == uniq.index(v))[0])
            raise ClassError(
                f"{where}column {label_col!r} row {row} holds a {type(v).__name__} "
                f"({show(v)[:60]}), not one value; a single-label task has one class per "
                "annotation: flatten or pick the answers first"
            )
        if isinstance(v, str) and _CONTROL.search(v):
            raise ClassError(
                f"{where}label {show(v)} in column {label_col!r} holds a control "
                "character (NUL, escape, line break, direction override ...); remove it from "
                "the input"
            )
    fixed = [(_text_key(v) if isinstance(v, str) else v) for v in uniq]
    changed = [i for i, (a, b) in enumerate(zip(uniq, fixed, strict=True)) if a != b]
    if changed:
        n = int(np.isin(codes, changed).sum())
        examples = ", ".join(f"{show(uniq[i])} -> {show(fixed[i])}" for i in changed[:3])
        warnings.warn(
            f"{where}{n:,} label(s) in column {label_col!r} ({len(changed)} distinct) "
            f"had surrounding or no-break spaces, invisible characters or a non-NFC Unicode "
            f"form and were "
            f"normalised ({examples})",
            InputWarning,
            stacklevel=user_stacklevel(),
        )
    seen: dict[str, Any] = {}
    for v in fixed:
        key = str(v) if not isinstance(v, str) else v
        if key in seen and seen[key] is not v and type(seen[key]) is not type(v):
            raise ClassError(
                f"{where}labels {show(seen[key])} and {show(v)} in column "
                f"{label_col!r} are of different types but print the same; make "
                "the column one type (all text or all numbers)"
            )
        seen.setdefault(key, v)
    if not changed:
        return vals
    return np.asarray(fixed, dtype=object)[codes]


_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def labels_from_text(vals: np.ndarray, source: str | None, label_col: Any) -> np.ndarray:
    """Labels read from a text file: numbers when every label is one, else text.

    ``1``, ``1.0`` and ``1.00`` are the class 1 (a wide table written with a gap
    stores integers as floats); ``01`` and ``1`` are the same number written
    differently, which is refused rather than merged.
    """
    vals = normalise_labels(vals, source, label_col)
    if vals.dtype != object or not len(vals):
        return vals
    codes, uniq = factorize_scalars(vals, f"column {label_col!r}")
    if (codes < 0).any() or not all(isinstance(u, str) and _NUMBER.match(u) for u in uniq):
        return vals
    nums = np.array([float(u) for u in uniq])
    canon = [re.sub(r"\.0*$", "", u.lstrip("+")) if "e" not in u.lower() else u for u in uniq]
    by_num: dict[float, str] = {}
    for u, c, x in zip(uniq, canon, nums, strict=True):
        if x in by_num and by_num[x] != c:
            where = f"{source}: " if source else ""
            raise ClassError(
                f"{where}labels {by_num[x]!r} and {u!r} in column {label_col!r} are "
                "the same number written differently; labeljury does not guess "
                "whether they are one class: write them the same way, or pass "
                "the classes with classes=[...]"
            )
        by_num.setdefault(x, c)
    out = nums[codes]
    if np.all(nums == np.round(nums)) and np.all(np.abs(nums) < 2**53):
        return out.astype(np.int64)
    return out


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


# ---------------------------------------------------------------- parameters
# max_iter=0 is meaningful (the initial estimate, e.g. majority vote); rounds and folds are not
_COUNT_INTS = {
    "max_iter": 0,
    "n_iter": 0,
    "min_shared": 0,
    "max_rounds": 1,
    "n_splits": 2,
    "n_folds": 2,
    "folds": 2,
}
_BOOLS = ("include_probas",)
_NON_NEGATIVE = (
    "tol",
    "atol",
    "rtol",
    "alpha",
    "beta",
    "smoothing",
    "prior",
    "epsilon",
    "eps",
)


def check_param_names(cls: type, params: dict[str, Any]) -> None:
    """Refuse parameters ``cls`` does not take, suggesting the nearest name.

    Examples
    --------
    >>> from labeljury.methods.dawid_skene import DawidSkene
    >>> check_param_names(DawidSkene, {"max_iters": 5})
    Traceback (most recent call last):
    ...
    labeljury.errors.ParameterError: DawidSkene has no parameter 'max_iters' (did you mean ...
    """
    import difflib
    import inspect

    sig = inspect.signature(cls)
    if any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values()):
        return
    known = [n for n in sig.parameters if n != "self"]
    for name in params:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ParameterError(
                f"{cls.__name__} has no parameter {name!r}{hint}; its "
                f"parameters are {', '.join(known) or 'none'}"
            )


def check_params(estimator: Any) -> None:
    """Check an estimator's parameter values before fitting, by the parameter's name.

    Iteration counts are integers >= 0, folds >= 2; tolerances and smoothing
    are >= 0; no number is NaN; ``random_state`` is
    None, an int or a numpy generator.

    Examples
    --------
    >>> from labeljury.methods.dawid_skene import DawidSkene
    >>> check_params(DawidSkene(max_iter=-5))
    Traceback (most recent call last):
    ...
    labeljury.errors.ParameterError: DawidSkene(max_iter=-5): max_iter must be an integer >= 0
    """
    try:
        params = estimator.get_params(deep=False)
    except Exception:  # not a scikit-learn style estimator: nothing to check here
        return
    check_values(type(estimator).__name__, params)


def check_values(name: str, params: dict[str, Any]) -> None:
    """:func:`check_params` for the keyword arguments of a function called ``name``.

    Examples
    --------
    >>> check_values("run", {"n_splits": 2.5})
    Traceback (most recent call last):
    ...
    labeljury.errors.ParameterError: run(n_splits=2.5): n_splits must be an integer >= 2
    """
    for key, value in params.items():
        where = f"{name}({key}={value!r})"
        is_num = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
            value, (bool, np.bool_)
        )
        if key in _COUNT_INTS:
            low = _COUNT_INTS[key]
            if not is_num or not np.isfinite(value) or int(value) != value or value < low:
                raise ParameterError(f"{where}: {key} must be an integer >= {low}")
        elif key == "random_state":
            if value is not None and not isinstance(
                value, (int, np.integer, np.random.RandomState, np.random.Generator)
            ):
                raise ParameterError(
                    f"{where}: random_state must be None, an integer or a numpy random generator"
                )
            if isinstance(value, (int, np.integer)) and not 0 <= value < 2**32:
                raise ParameterError(f"{where}: random_state must be between 0 and 2**32 - 1")
        elif key == "n_jobs":
            if value is not None and (not is_num or int(value) != value or value == 0):
                raise ParameterError(
                    f"{where}: n_jobs must be None, a positive integer or -1 (every core)"
                )
        elif key in ("tol", "atol", "rtol") and not is_num:
            raise ParameterError(f"{where}: {key} must be a number >= 0")
        elif key in _BOOLS:
            if not isinstance(value, (bool, np.bool_)):
                raise ParameterError(f"{where}: {key} must be True or False")
        elif is_num:
            # infinity can be a meaningful limit (a prior strength pinning a value); NaN never
            if np.isnan(value):
                raise ParameterError(f"{where}: {key} must be a number, not NaN")
            if key in _NON_NEGATIVE and value < 0:
                raise ParameterError(f"{where}: {key} must be >= 0")
