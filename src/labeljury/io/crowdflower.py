"""CrowdFlower / Figure Eight "full" report: one row per judgment."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..annotations import Annotations
from ..errors import InputError
from ._coded import Coded, ToolTable, coded, finish_coded
from ._common import STATUSES, ReadSummary, check_file, lines_where, pick_question, to_utc
from ._text_columns import distinct_codes, per_distinct
from ._text_stream import read_text_columns

__all__ = ["read_crowdflower"]

_TIME = "%m/%d/%Y %H:%M:%S"
_TRUE = frozenset({"true", "1", "yes", "t"})


def _flag(col: pd.Series) -> np.ndarray:
    def flag(s: pd.Series) -> pd.Series:
        return s.fillna("").astype(str).str.strip().str.lower().isin(_TRUE)

    return per_distinct(col, flag).to_numpy(dtype=bool)


def _numeric(ids: pd.Series) -> pd.Series:
    """CrowdFlower ids are numbers: read them as ints when every one is."""
    num = per_distinct(ids, lambda s: pd.to_numeric(s, errors="coerce"))
    return num.astype("int64") if num.notna().all() else ids


def _numeric_coded(ids: pd.Series) -> Coded:
    """``coded(_numeric(ids))``, each distinct id converted once (no per-row ints)."""
    codes, values = distinct_codes(ids)
    num = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce")
    if not (codes >= 0).all() or not num.notna().all():
        return coded(ids)
    ints = num.astype("int64")
    if not ints.is_unique:  # "7" and "007": one id, as the per-row ints make it
        return coded(ints.to_numpy()[codes])
    return Coded(codes, ints.tolist())


def _wanted(header: list[str], question: str | None) -> list[str]:
    """The columns read: ids, flags, times, the questions with a gold sibling and their gold."""
    fixed = {"_unit_id", "_worker_id", "_tainted", "_golden", "_created_at", "_started_at"}
    names = set(header)
    return [
        c
        for c in header
        if c in fixed or c == question or c.endswith("_gold") or f"{c}_gold" in names
    ]


def read_crowdflower(
    path: str | os.PathLike[str],
    *,
    question: str | None = None,
    keep_skipped: bool = False,
    classes: Sequence[Any] | None = None,
) -> tuple[Annotations, ReadSummary]:
    """Read a CrowdFlower / Figure Eight full report (CSV).

    Parameters
    ----------
    path : path
        The ``f<job id>.csv`` full report. The aggregated report (one row per
        unit) holds no per-contributor judgments and is refused.
    question : str, optional
        The CML question column holding the class. Default: the only column
        with a ``<name>_gold`` sibling.
    keep_skipped : bool, default False
        Keep judgments flagged ``_tainted`` (the contributor later fell below
        the trust threshold), counted as ``rejected``.
    classes : sequence, optional
        All classes in order.

    Returns
    -------
    (Annotations, ReadSummary)
        Item = ``_unit_id``; annotator = ``_worker_id``; test questions
        (``_golden``) give gold labels from ``<question>_gold`` (one accepted
        answer; several, newline-separated, are left out with a note);
        ``meta["seconds"]`` = ``_created_at - _started_at``;
        ``meta["timestamp"]`` = ``_created_at`` (taken as UTC).
    """
    path = os.fspath(path)
    check_file(path)
    # streamed: only the columns used, as codes (a damaged file is read whole,
    # which names what is wrong)
    header, raw = read_text_columns(path, lambda names: _wanted(names, question))
    if "_unit_id" not in header:
        raise InputError(f"{path}: no '_unit_id' column; is this a CrowdFlower report?")
    if "_worker_id" not in header:
        raise InputError(
            f"{path}: this looks like an aggregated report (one row per unit, no "
            "'_worker_id'); download the full report, which has one row per "
            "judgment"
        )
    found = [
        c[: -len("_gold")] for c in header if c.endswith("_gold") and c[: -len("_gold")] in header
    ]
    if question is not None and question in header and question not in found:
        found.append(question)
    summary = ReadSummary(path, "crowdflower", questions=tuple(found))
    q = summary.question = pick_question(found, set(), question, path)
    tainted = _flag(raw["_tainted"]) if "_tainted" in header else np.zeros(len(raw), bool)
    status = np.where(tainted, np.int8(STATUSES.index("rejected")), np.int8(0))
    del tainted
    seconds = timestamp = None
    if "_created_at" in header:
        timestamp = per_distinct(raw["_created_at"], lambda s: to_utc(s, _TIME))
        if "_started_at" in header:
            start = per_distinct(raw["_started_at"], lambda s: to_utc(s, _TIME))
            seconds = (timestamp - start).dt.total_seconds().to_numpy(dtype=float)
            del start
        timestamp = timestamp.reset_index(drop=True)
    gold = None
    if "_golden" in header and f"{q}_gold" in header:
        g = raw.loc[_flag(raw["_golden"]), ["_unit_id", f"{q}_gold"]].dropna().astype(object)
        g = g.drop_duplicates("_unit_id")
        several = g[f"{q}_gold"].str.contains("\n")
        if several.any():
            summary.notes.append(
                f"{int(several.sum())} test question(s) accept several answers; not used as gold"
            )
        gold = dict(zip(_numeric(g["_unit_id"][~several]), g[f"{q}_gold"][~several], strict=True))
    table = ToolTable(
        item=_numeric_coded(raw["_unit_id"]),
        annotator=_numeric_coded(raw["_worker_id"]),
        label=coded(raw[q]),
        status=status,
        seconds=seconds,
        timestamp=timestamp,
    )
    del raw, status, seconds, timestamp  # the table holds what is needed
    ann = finish_coded(
        table,
        summary,
        where=lines_where(path, 2),
        keep_skipped=keep_skipped,
        classes=classes,
        gold=gold,
        lists=False,
    )
    return ann, summary
