"""Pieces every tool reader shares: the summary, the long-table finisher, JSON helpers.

Each reader turns its export into one *long* DataFrame with the columns

``item, annotator, label, status, pos`` (+ optional ``seconds``, ``timestamp``)

where ``label`` may hold a list (a multi-select answer), ``status`` is one of
:data:`STATUSES` and ``pos`` is the record's position in the file, used only for
error messages. :func:`finish` then applies the shared policy once: drop the
excluded statuses (counting them), refuse multi-choice answers naming the
records, drop records without an answer, build :class:`~labeljury.Annotations`
through :meth:`~labeljury.Annotations.from_long` and attach gold labels.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._files import register_input
from ..annotations import Annotations
from ..errors import EmptyInputError, InputError, MissingValueError, preview
from ._summary import ReadSummary
from .tables import open_text

__all__ = ["STATUSES", "ReadSummary", "finish", "iter_json_array", "read_jsonl"]

#: Status of an annotation in a reader's long table. Everything but ``ok`` is
#: excluded by default (``keep_skipped=True`` keeps those that carry a label).
STATUSES = ("ok", "skipped", "cancelled", "rejected", "draft")

Where = Callable[[np.ndarray], str]


class MultiChoiceError(InputError):
    """A single-label question received several classes in one answer."""


# --------------------------------------------------------------------- JSON
def read_json(path: str) -> Any:
    """``json.load`` with errors that name the file."""
    check_file(path)
    try:
        with open_text(path) as fh:
            return json.load(fh)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from exc
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8"
        ) from exc


def check_file(path: str) -> None:
    """Raise :class:`InputError` / :class:`EmptyInputError` for a missing or empty file."""
    if not os.path.exists(path):
        raise InputError(f"{path}: no such file")
    if os.path.isfile(path) and os.path.getsize(path) == 0:
        raise EmptyInputError(f"{path}: the file is empty")
    if os.path.isfile(path):
        register_input(path)


def read_jsonl(path: str) -> Iterator[tuple[int, Any]]:
    """Yield ``(line_number, record)`` for each non-blank line of a JSON Lines file."""
    check_file(path)
    with open_text(path) as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                yield n, json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path} line {n}: not valid JSON ({exc})") from exc


def iter_json_array(path: str, chunk_size: int = 1 << 18) -> Iterator[Any]:
    """Yield the elements of a top-level JSON array one at a time.

    Memory stays at about one chunk plus one element, however large the file:
    each element is decoded by the C decoder (``raw_decode``) straight from a
    sliding text buffer, so a 1e6-annotation export never exists as one
    Python list. A file that holds a single object yields that object.
    """
    check_file(path)
    decoder = json.JSONDecoder()
    ws = " \t\n\r"
    with open_text(path) as fh:
        buf = fh.read(chunk_size)
        pos = len(buf) - len(buf.lstrip(ws + "\ufeff"))
        if pos >= len(buf):
            raise EmptyInputError(f"{path}: the file is empty")
        if buf[pos] != "[":  # not an array: decode the whole document
            buf += fh.read()
            try:
                yield decoder.raw_decode(buf, pos)[0]
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}: not valid JSON ({exc})") from exc
            return
        pos += 1
        eof = False
        index = 0
        while True:
            while pos < len(buf) and buf[pos] in ws:
                pos += 1
            if pos < len(buf) and buf[pos] == "]":
                return
            if pos < len(buf) and buf[pos] == "," and index:
                pos += 1
                continue
            try:
                if pos >= len(buf):
                    raise json.JSONDecodeError("need more", buf, pos)
                obj, end = decoder.raw_decode(buf, pos)
            except json.JSONDecodeError as exc:
                if eof:
                    raise InputError(
                        f"{path}: not valid JSON near element {index} ({exc.msg})"
                    ) from exc
                # at least double what is held: an element that does not decode
                # (bad text, or one larger than a chunk) then costs a few reads and
                # copies, not one copy of the growing buffer per chunk (quadratic)
                more = fh.read(max(chunk_size, len(buf) - pos))
                eof = not more
                buf = buf[pos:] + more
                pos = 0
                continue
            yield obj
            index += 1
            pos = end


# ------------------------------------------------------------------ helpers
def pick_question(
    found: Sequence[str],
    multi: set[str] | frozenset[str],
    question: str | None,
    source: str,
    multi_label: bool = False,
) -> str:
    """Choose the question to read classes from.

    ``found`` lists the questions in the export (in order), ``multi`` those
    whose answers are multi-valued somewhere. A named question must exist;
    otherwise the only question, or else the only single-valued one (the only
    multi-valued one with ``multi_label``), is used.
    """
    found = list(dict.fromkeys(found))
    if question is not None:
        if question not in found:
            raise InputError(
                f"{source}: no question {question!r}; the export holds "
                f"{preview(found, 20) or 'no answers'}"
            )
        return question
    if not found:
        raise EmptyInputError(f"{source}: no answers found (no question holds a class)")
    if len(found) == 1:
        return found[0]
    single = [q for q in found if (q in multi) == multi_label]
    if len(single) == 1:
        return single[0]
    raise InputError(
        f"{source}: several questions hold answers ({preview(found, 20)}); name the "
        "one holding the class with question=... (CLI: --question NAME)"
    )


def first_label(values: list[Any]) -> Any:
    """Unwrap one-element lists; keep longer lists (multi-choice) and scalars as they are."""
    return values[0] if isinstance(values, list) and len(values) == 1 else values


def finish(
    df: pd.DataFrame,
    summary: ReadSummary,
    *,
    where: Where,
    keep_skipped: bool = False,
    classes: Sequence[Any] | None = None,
    gold: Mapping[Any, Any] | None = None,
    lists: bool = True,
    multi_label: bool = False,
) -> Annotations:
    """Apply the shared reading policy to a reader's long table and build Annotations.

    Parameters
    ----------
    df : DataFrame
        Columns ``item, annotator, label, status, pos`` and optionally ``seconds``
        (float) and ``timestamp`` (datetime-like).
    summary : ReadSummary
        Filled in place (status counts, kept, no_label, gold_items).
    where : callable
        Turns an array of ``pos`` values into a location for messages, e.g.
        ``"export.csv lines 4, 9"``.
    keep_skipped : bool
        Keep annotations whose status is not ``ok`` (when they carry a label).
    classes : sequence, optional
        All classes in order (default: sorted labels seen).
    gold : mapping, optional
        Item id -> known class; items not in the result are ignored.
    lists : bool
        Whether ``label`` may hold lists (multi-select answers) to check.
    multi_label : bool
        Return :class:`~labeljury.multilabel.MultiLabelAnnotations`: each record's
        list is a set of classes (no answer: the empty set); gold is not read.
    """
    summary.kept_excluded = keep_skipped
    if len(df):
        counts = df["status"].value_counts()
        for name in STATUSES[1:]:
            setattr(summary, name, int(counts.get(name, 0)))
        if not keep_skipped:
            df = df[df["status"].to_numpy() == "ok"]
    if multi_label:
        from ..multilabel.tools import from_tool_table

        ann = from_tool_table(df, summary.source, where, classes)
        summary.kept = ann.n_judgements
        return ann  # type: ignore[return-value]
    label = df["label"]
    if label.dtype.kind not in "iufb":
        label = label.astype(object)
    if lists and label.dtype == object and len(df):
        is_list = np.fromiter((isinstance(v, list) for v in label), bool, len(df))
        if is_list.any():
            lens = np.fromiter((len(v) for v in label[is_list]), np.int64)
            multi = np.flatnonzero(is_list)[lens > 1]
            if multi.size:
                raise MultiChoiceError(
                    f"{where(df['pos'].to_numpy()[multi])}: several classes chosen for the "
                    f"single-label question {summary.question!r} (e.g. "
                    f"{label.iloc[multi[0]]!r}). labeljury reads one class per annotation; "
                    "pick another question with question=..., or fix these records"
                )
            label = label.copy()
            idx = np.flatnonzero(is_list)
            vals = label.to_numpy()[idx]
            label.iloc[idx] = [v[0] if len(v) else None for v in vals]
    missing = np.array(label.isna(), dtype=bool)
    if label.dtype == object and len(df):
        missing |= (label == "").to_numpy()
    summary.no_label = int(missing.sum())
    df = df.assign(label=label)[~missing]
    if not len(df):
        excluded = sum(getattr(summary, s) for s in STATUSES[1:])
        raise EmptyInputError(
            f"{summary.source}: no annotations left to read "
            f"({summary.format_text().splitlines()[0].split(': ', 1)[1]}; "
            f"{summary.no_label} without an answer, {excluded} excluded)"
        )
    for col in ("item", "annotator"):
        miss = df[col].isna().to_numpy()
        if miss.any():
            raise MissingValueError(f"{where(df['pos'].to_numpy()[miss])}: no {col} id")
    meta_cols = [c for c in ("seconds", "timestamp") if c in df.columns]
    ann = Annotations.from_long(
        df,
        item_col="item",
        annotator_col="annotator",
        label_col="label",
        classes=classes,
        source=summary.source,
        meta_cols=meta_cols,
    )
    return attach_gold(ann, gold, summary)


def attach_gold(
    ann: Annotations, gold: Mapping[Any, Any] | None, summary: ReadSummary
) -> Annotations:
    """Attach the known labels of items in ``ann``; count them and the kept annotations."""
    if gold:
        g = pd.Series(gold, dtype=object)
        g = g[ann.items.get_indexer(g.index) >= 0]
        g = g[g.notna() & (g != "")]
        if len(g):
            ann = ann.with_gold(g)
            summary.gold_items = len(g)
    summary.kept = ann.n_annotations
    return ann


def lines_where(source: str, offset: int = 0) -> Where:
    """Locations as file lines: ``pos`` + ``offset`` (1 for JSONL, 2 for CSV with header)."""

    def where(pos: np.ndarray) -> str:
        pos = np.asarray(pos)
        word = "lines" if len(pos) > 1 else "line"
        return f"{source} {word} {preview((pos + offset).tolist())}"

    return where


def records_where(source: str, ids: Sequence[Any] | None = None, noun: str = "record") -> Where:
    """Locations as record numbers (0-based ``pos``), with their ids when known."""

    def where(pos: np.ndarray) -> str:
        pos = np.asarray(pos)
        if ids is not None:
            shown = [f"{int(p)} (id {ids[int(p)]!r})" for p in pos[:5]]
            extra = f" (and {len(pos) - 5} more)" if len(pos) > 5 else ""
            return f"{source} {noun}s {', '.join(shown)}{extra}"
        return f"{source} {noun}s {preview(pos.tolist())}"

    return where


def to_seconds(values: Any) -> pd.Series:
    """Numbers (or numeric text) as float seconds; anything else NaN."""
    return pd.to_numeric(pd.Series(values), errors="coerce").astype(float)


def to_utc(values: Any, fmt: str | None = "ISO8601") -> pd.Series:
    """Parse timestamps to ``datetime64[ns, UTC]``; unparsable ones become NaT.

    Naive timestamps are taken as UTC.
    """
    s = pd.Series(values)
    out = pd.to_datetime(s, format=fmt, errors="coerce", utc=True)
    return out


def crowd_answers(obj: Any) -> dict[str, Any]:
    """Answers of a crowd-html-elements form, by element name.

    ``{"sentiment": {"label": "Positive"}}`` gives ``{"sentiment": "Positive"}``;
    ``{"labels": [...]}`` (multi-select) and checkbox groups ``{option: bool}``
    give lists; plain values stay as they are; other objects (boxes, ...) are
    left out. MTurk wraps the form in a one-element list; several are merged.
    """
    if isinstance(obj, list):
        merged: dict[str, Any] = {}
        for part in obj:
            if isinstance(part, dict):
                merged.update(part)
        obj = merged
    out: dict[str, Any] = {}
    if not isinstance(obj, dict):
        return out
    for name, value in obj.items():
        if isinstance(value, dict):
            if "label" in value:
                out[name] = value["label"]
            elif "labels" in value:
                out[name] = list(value["labels"])
            elif value and all(isinstance(v, bool) for v in value.values()):
                out[name] = [k for k, v in value.items() if v]
        elif isinstance(value, (str, int, float, list)) and not isinstance(value, bool):
            out[name] = value
    return out


def id_column(df: pd.DataFrame, candidates: Sequence[str], key: str) -> str:
    """The user's own item id column if one is there and one-to-one with ``key``, else ``key``.

    ``candidates`` are columns that may hold it (e.g. MTurk ``Input.*``); the
    first whose name ends in "id" and that maps one-to-one to ``key`` wins.
    """
    for col in candidates:
        name = str(col).split(":")[-1].split(".")[-1].lower()
        if not (name == "id" or name.endswith("_id") or name.endswith("id")):
            continue
        k, v = _value_codes(df[key]), _value_codes(df[col])
        if (v < 0).any():  # a row without the id
            continue
        if not v.size:
            return col
        # the distinct (key, col) pairs, as integers: no per-row Python objects
        width = int(v.max()) + 2
        pairs = np.unique((k.astype(np.int64) + 1) * width + v)
        pk, pv = pairs // width, pairs % width
        if np.unique(pk).size == pk.size and np.unique(pv).size == pv.size:
            return col
    return key


def _value_codes(values: pd.Series) -> np.ndarray:
    """One integer per distinct value (-1 for missing), categorical codes when there."""
    if isinstance(values.dtype, pd.CategoricalDtype):  # categories are distinct
        return values.cat.codes.to_numpy()
    return pd.factorize(values, use_na_sentinel=True)[0]


def listed_where(places: Sequence[str]) -> Where:
    """Locations looked up in a list of descriptions, one per ``pos``."""

    def where(pos: np.ndarray) -> str:
        more = f" (and {len(pos) - 5} more)" if len(pos) > 5 else ""
        return "; ".join(places[int(p)] for p in pos[:5]) + more

    return where
