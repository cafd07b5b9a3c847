"""Amazon Mechanical Turk batch results CSV ("Download CSV" on a batch).

One row per assignment. The class sits in one of three places, depending on
the HIT template: ``Answer.<name>`` (classic HTML form), one JSON column
``Answer.taskAnswers`` (crowd-form default) or ``Answer.<name>.label`` columns
(crowd-form ``answer-format="flatten-objects"``). Everything is column-wise
pandas work; the JSON cells are decoded once per *distinct* cell, and a
classification batch has only a handful of distinct answer cells.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..annotations import Annotations
from ..errors import EmptyInputError, InputError
from ._coded import Coded, ToolTable, coded, finish_coded
from ._common import (
    STATUSES,
    ReadSummary,
    check_file,
    crowd_answers,
    id_column,
    lines_where,
    pick_question,
    to_seconds,
)
from .tables import check_records, decode, open_text, read_bytes

__all__ = ["parse_mturk_time", "read_mturk"]

# US time-zone abbreviations MTurk writes (the CSV uses the requester's locale,
# in practice Pacific time); hours east of UTC.
_TZ = {
    "UTC": 0,
    "GMT": 0,
    "PST": -8,
    "PDT": -7,
    "MST": -7,
    "MDT": -6,
    "CST": -6,
    "CDT": -5,
    "EST": -5,
    "EDT": -4,
    "AKST": -9,
    "AKDT": -8,
    "HST": -10,
}


def parse_mturk_time(values: Any) -> pd.Series:
    """Parse ``"Fri Jun 08 09:21:50 PDT 2012"`` stamps to UTC, vectorised.

    Examples
    --------
    >>> str(parse_mturk_time(["Mon Feb 10 09:01:41 PST 2025"])[0])
    '2025-02-10 17:01:41+00:00'
    """
    values = pd.Series(values)
    if isinstance(values.dtype, pd.CategoricalDtype):  # each distinct stamp parsed once
        codes, uniq = values.cat.codes.to_numpy(), values.cat.categories
    else:
        codes, uniq = pd.factorize(values.astype(object).astype(str))
    s = pd.Series(np.asarray(uniq, dtype=object)).astype(str)
    parts = s.str.extract(r"^\w{3} (\w{3} +\d{1,2} \d{2}:\d{2}:\d{2}) (\w+) (\d{4})$")
    naive = pd.to_datetime(parts[0] + " " + parts[2], format="%b %d %H:%M:%S %Y", errors="coerce")
    offset = parts[1].map(_TZ).astype(float)
    utc = (naive - pd.to_timedelta(offset, unit="h")).dt.tz_localize("UTC")
    out = utc.take(np.maximum(codes, 0)).reset_index(drop=True) if len(uniq) else utc
    if len(uniq) and (codes < 0).any():
        out[codes < 0] = pd.NaT  # an empty cell
    return out if len(uniq) else pd.Series(pd.NaT, index=range(len(codes)), dtype=utc.dtype)


def _questions(cols: list[str]) -> dict[str, tuple[str, list[str]]]:
    """Question name -> (kind, columns); kind is plain, label, labels, boxes or json."""
    out: dict[str, tuple[str, list[str]]] = {}
    for c in cols:
        if not c.startswith("Answer."):
            continue
        rest = c[len("Answer.") :]
        if rest == "taskAnswers":
            out.setdefault("\0json", ("json", [c]))
        elif "." not in rest:
            out[rest] = ("plain", [c])
        else:
            name, leaf = rest.rsplit(".", 1)
            if leaf in ("label", "labels"):
                out[name] = (leaf, [c])
            else:  # flattened checkbox / radio group: one boolean column per option
                out.setdefault(name, ("boxes", []))[1].append(c)
    return out


_CHUNK_ROWS = 1 << 16


def _read_columns(path: str, use: list[str]) -> pd.DataFrame:
    """The columns ``use`` of the batch, read in chunks; text columns categorical.

    Only the needed columns are parsed, and each chunk's text cells become codes
    into one running vocabulary per column (each distinct id, answer or time text
    stored once; ids stay text: "007" stays "007"), so memory follows the number
    of assignments in small integer codes, never the size of the file.
    """
    from .stream import _Column

    text = [c for c in use if c != "WorkTimeInSeconds"]
    cols = {c: _Column() for c in use}
    try:
        with open_text(path) as fh:
            for chunk in pd.read_csv(
                fh,
                usecols=use,
                keep_default_na=False,
                na_values=[""],
                dtype={c: "category" for c in text},
                chunksize=_CHUNK_ROWS,
            ):
                for c in text:
                    cat = chunk[c].cat
                    cols[c].add_coded(cat.codes.to_numpy(), cat.categories.tolist())
                if "WorkTimeInSeconds" in cols:
                    cols["WorkTimeInSeconds"].add_values(chunk["WorkTimeInSeconds"].to_numpy())
    except UnicodeDecodeError:
        decode(read_bytes(path), path)  # raises the error naming the line
        raise
    except (pd.errors.ParserError, ValueError, OSError, EOFError) as exc:
        raise InputError(f"{path}: cannot parse as CSV ({exc})") from exc
    if not cols[use[0]].parts:
        return pd.DataFrame(columns=use)
    return pd.DataFrame({c: col.result() for c, col in cols.items()})


def read_mturk(
    path: str | os.PathLike[str],
    *,
    question: str | None = None,
    keep_skipped: bool = False,
    classes: Sequence[Any] | None = None,
) -> tuple[Annotations, ReadSummary]:
    """Read an MTurk batch results CSV.

    Parameters
    ----------
    path : path
        The batch results CSV.
    question : str, optional
        The answer field holding the class (``<name>`` of ``Answer.<name>``,
        ``Answer.<name>.label`` or a key inside ``Answer.taskAnswers``).
        Default: the only one, or the only single-choice one.
    keep_skipped : bool, default False
        Keep ``Rejected`` assignments.
    classes : sequence, optional
        All classes in order.

    Returns
    -------
    (Annotations, ReadSummary)
        Item = an ``Input.*id`` column when one maps one-to-one to ``HITId``
        (your own id), else ``HITId``; annotator = ``WorkerId``;
        ``meta["seconds"]`` = ``WorkTimeInSeconds``; ``meta["timestamp"]`` =
        ``SubmitTime`` in UTC.
    """
    path = os.fspath(path)
    check_file(path)
    # streamed: a plain UTF-8 file is parsed in chunks straight from disk (a BOM,
    # UTF-16 and compressed batches are decoded by open_text first)
    try:
        with open_text(path) as fh:
            cols = list(pd.read_csv(fh, nrows=0).columns)
    except pd.errors.EmptyDataError as exc:
        raise EmptyInputError(f"{path}: the file is empty") from exc
    except UnicodeDecodeError:
        decode(read_bytes(path), path)  # raises the error naming the line
        raise
    except (pd.errors.ParserError, OSError, EOFError, ValueError) as exc:
        raise InputError(f"{path}: cannot read the header as CSV ({exc})") from exc
    if len(set(cols)) < len(cols) or any(
        re.search(r"\.\d+$", c) and c.rsplit(".", 1)[0] in cols for c in cols
    ):
        raise InputError(f"{path}: column names repeat in the header; rename them")
    for need in ("HITId", "WorkerId"):
        if need not in cols:
            raise InputError(f"{path}: no {need!r} column; is this an MTurk batch results CSV?")
    specs = _questions(cols)
    if not specs:
        raise InputError(f"{path}: no 'Answer.*' column")
    inputs = [c for c in cols if c.startswith("Input.") and c.lower().endswith("id")]
    wanted = {"HITId", "WorkerId", "AssignmentStatus", "WorkTimeInSeconds", "SubmitTime"}
    use = [c for c in cols if c in wanted or c in inputs]
    use += [c for _, cs in specs.values() for c in cs]
    raw = _read_columns(path, use)
    if not len(raw):
        raise EmptyInputError(f"{path}: no assignments (header only)")
    check_records(raw, path, ("HITId", "WorkerId"))
    # an Answer.* column nobody filled in is not a question (MTurk adds empty ones)
    specs = {
        q: v for q, v in specs.items() if q == "\0json" or bool(raw[v[1]].notna().to_numpy().any())
    }
    if not specs:
        raise EmptyInputError(f"{path}: every 'Answer.*' column is empty")

    # decode Answer.taskAnswers once per distinct cell
    json_codes = json_vals = None
    found = [q for q in specs if q != "\0json"]
    multi = {q for q, (kind, _) in specs.items() if kind in ("labels",)}
    if "\0json" in specs:
        col = specs["\0json"][1][0]
        json_codes, uniq = pd.factorize(raw[col], use_na_sentinel=True)
        json_vals = []
        for n, cell in enumerate(uniq):
            try:
                json_vals.append(crowd_answers(json.loads(cell)))
            except (json.JSONDecodeError, TypeError) as exc:
                row = int(np.flatnonzero(json_codes == n)[0])
                raise InputError(f"{path} line {row + 2}: {col} is not valid JSON ({exc})") from exc
        for ans in json_vals:
            found.extend(k for k in ans if k not in found)
            multi.update(k for k, v in ans.items() if isinstance(v, list) and len(v) > 1)
    summary = ReadSummary(path, "mturk", questions=tuple(found))
    q = summary.question = pick_question(found, multi, question, path)

    lists = False
    if q in specs:
        kind, qcols = specs[q]
        if kind in ("plain", "label"):
            label = raw[qcols[0]]
        elif kind == "labels":
            label = raw[qcols[0]].map(
                lambda c: json.loads(c) if isinstance(c, str) and c.startswith("[") else c
            )
            lists = True
        else:  # boolean option columns: the one true option is the class
            opts = [c.rsplit(".", 1)[1] for c in qcols]
            on = raw[qcols].apply(lambda s: s.astype(str).str.lower().isin(["true", "1", "on"]))
            on = on.to_numpy()
            n_on = on.sum(axis=1)
            label = pd.Series(
                np.where(n_on == 1, np.asarray(opts, dtype=object)[on.argmax(1)], None),
                dtype=object,
            )
            several = np.flatnonzero(n_on > 1)
            if several.size:  # hand the lists to finish() so it names the rows
                label[several] = [
                    [o for o, b in zip(opts, on[r], strict=True) if b] for r in several
                ]
                lists = True
    else:  # each distinct cell's answer once; code -1 (an empty cell): no answer
        label = (json_codes, [a.get(q) for a in json_vals])
        lists = q in multi
    rejected = np.zeros(len(raw), dtype=bool)
    if "AssignmentStatus" in raw:  # judged once per distinct status text
        cat = raw["AssignmentStatus"].cat
        rej = cat.categories.astype(str).str.lower().to_numpy() == "rejected"
        rejected = np.append(rej, False)[cat.codes.to_numpy()]
    item_col = id_column(raw, inputs, "HITId")
    table = ToolTable(
        item=coded(raw[item_col]),
        annotator=coded(raw["WorkerId"]),
        label=Coded(*label) if isinstance(label, tuple) else coded(label),
        status=np.where(rejected, np.int8(STATUSES.index("rejected")), np.int8(0)),
    )
    if "WorkTimeInSeconds" in raw:
        table.seconds = to_seconds(raw["WorkTimeInSeconds"]).to_numpy()
    if "SubmitTime" in raw:
        table.timestamp = parse_mturk_time(raw["SubmitTime"])
    if item_col != "HITId":
        summary.notes.append(f"item ids from {item_col} (one per HITId)")
    del raw, label, json_codes  # the table holds what is needed: free the rest first
    ann = finish_coded(
        table,
        summary,
        where=lines_where(path, 2),
        keep_skipped=keep_skipped,
        classes=classes,
        lists=lists,
    )
    return ann, summary
