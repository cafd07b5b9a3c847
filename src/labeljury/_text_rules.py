"""Ids and labels as text: control characters, look-alikes, one class per printed name.

The rules every reader applies to the cells it reads as ids or labels (see
docs/errors.md): control characters and direction overrides are refused, two ids
that print the same are refused, labels that differ only by spaces, invisible
characters or Unicode form become one class with one warning, and labels read
from text become numbers only when every one is a number.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .errors import ClassError, InputError, InputWarning, show, user_stacklevel

__all__ = ["check_ids", "factorize_scalars", "labels_from_text", "normalise_labels"]

# control characters, and the bidirectional overrides and isolates that make text
# print in another order than it is stored (a label shown as 'cat' that is 'tac')
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_CONTROL_BUT_NUL = re.compile(r"[\x01-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"[\s\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]+")
# invisible format characters (soft hyphen, zero-width joiners, direction marks, word
# joiner): 'w1' and 'w1' + U+200D print the same
_INVISIBLE = re.compile(r"[\u00ad\u180e\u200c-\u200f\u2060-\u2064]")


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
