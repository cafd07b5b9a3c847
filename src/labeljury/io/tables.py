"""Read plain tables (CSV / TSV / Parquet / JSON Lines / JSON), compressed or not.

One reader for every table labeljury opens (annotations, gold, features,
pred_probs), so the same rules hold everywhere:

* **Text stays text.** Delimited text is read cell by cell as strings, so ids
  such as ``001``, ``1e3`` or ``123456789012345678901234`` are kept exactly as
  written (``read_table(path, numbers=True)`` then turns columns that are all
  numbers into numbers, except columns named like ids).
* **Refuse what is ambiguous**, naming the file, line and column: two columns
  with the same name, the header repeated inside the data, ragged rows, text
  that is not UTF-8 (a UTF-8 or UTF-16 byte-order mark is read; UTF-16 without
  one is recognised by its zero bytes).
* **The delimiter is sniffed** from the header line; when a ``.tsv`` holds
  commas (or a ``.csv`` tabs) the delimiter found is used, with a warning.
* **Compressed files** (``.gz``, ``.bz2``, ``.zst``, ``.xz``, ``.zip`` holding
  one file) are read wherever a path is accepted.

Opening files (decompression, encodings) is :mod:`labeljury.io._decoding`,
reading delimited text whole and its checks :mod:`labeljury.io._delimited`;
this module chooses the reader by the file's kind.
"""

from __future__ import annotations

import io
import json
import os
import re
from typing import Any

import pandas as pd

from .._files import register_input
from ..errors import EmptyInputError, InputError
from ._decoding import COMPRESSIONS, _check_exists, decode, inner_suffix, open_text, read_bytes
from ._delimited import _check_columns as _check_columns
from ._delimited import _ends_with_newline as _ends_with_newline
from ._delimited import _header_names as _header_names
from ._delimited import _read_delimited, check_records
from ._delimited import _sniff_delimiter as _sniff_delimiter

# the _delimited names imported "as" themselves stay importable from here, where
# the other readers (stream, mturk, _read_annotations) look for them
__all__ = [
    "COMPRESSIONS",
    "check_records",
    "decode",
    "inner_suffix",
    "open_text",
    "read_bytes",
    "read_table",
]

TABLE_KINDS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".txt": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
}
#: Cells read as missing in a numeric column (pandas' defaults, as written by most tools).
NA_TEXT = frozenset(
    {
        "",
        "NA",
        "N/A",
        "n/a",
        "NaN",
        "nan",
        "-NaN",
        "-nan",
        "null",
        "NULL",
        "None",
        "<NA>",
        "#N/A",
        "#NA",
        "-1.#IND",
        "1.#QNAN",
    }
)
# a column named like an id keeps its text even when every cell looks like a number
_ID_NAME = re.compile(
    r"(^|[_\s.:-])(id|ids|key|uuid|item|task|example|sample|annotator|worker|"
    r"user|rater|labell?er|performer|judge|coder|question|object|image)$|"
    r"(?-i:[a-z]I[dD]s?$)",
    re.IGNORECASE,
)


def _no_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    if len(set(keys)) < len(keys):
        dup = next(k for k in keys if keys.count(k) > 1)
        raise _RepeatedKey(dup)
    return dict(pairs)


class _RepeatedKey(ValueError):
    pass


def _read_json_records(text: str, kind: str, source: str) -> pd.DataFrame:
    try:
        return _json_records(text, kind, source)
    except _RepeatedKey as exc:
        raise InputError(
            f"{source}: an object names the key {exc.args[0]!r} twice; JSON keeps "
            "only the last, so one answer would be lost silently. Fix the "
            "export"
        ) from None


def _json_records(text: str, kind: str, source: str) -> pd.DataFrame:
    records: list[Any] = []
    if kind == "jsonl":
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line, object_pairs_hook=_no_repeated_keys)
            except json.JSONDecodeError as exc:
                raise InputError(f"{source} line {n}: not valid JSON ({exc.msg})") from exc
            if not isinstance(rec, dict):
                raise InputError(
                    f"{source} line {n}: a JSON Lines table needs one object per "
                    f"line, found a {type(rec).__name__}"
                )
            records.append(rec)
    else:
        try:
            doc = json.loads(text, object_pairs_hook=_no_repeated_keys)
        except json.JSONDecodeError as exc:
            raise InputError(f"{source}: not valid JSON ({exc.msg} at line {exc.lineno})") from exc
        if isinstance(doc, dict) and all(isinstance(v, list) for v in doc.values()):
            lens = {len(v) for v in doc.values()}
            if len(lens) > 1:
                raise InputError(f"{source}: columns of different lengths ({sorted(lens)})")
            return pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in doc.items()})
        if not isinstance(doc, list) or not all(isinstance(r, dict) for r in doc):
            raise InputError(
                f"{source}: a JSON table is a list of objects (one per row) or an "
                "object of equal-length lists (one per column)"
            )
        records = doc
    if not records:
        raise EmptyInputError(f"{source}: no rows")
    cols = list(dict.fromkeys(k for r in records for k in r))
    return pd.DataFrame({c: pd.Series([r.get(c) for r in records], dtype=object) for c in cols})


def _read_parquet(path: str, raw: bytes | None) -> pd.DataFrame:
    try:
        import pyarrow.parquet as pq

        table = pq.read_table(io.BytesIO(raw) if raw is not None else path)
        _check_columns(table.column_names, path)
        return table.to_pandas()
    except InputError:
        raise
    except Exception as exc:  # pyarrow raises its own ArrowInvalid / OSError kinds
        raise InputError(
            f"{path}: cannot read as Parquet ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else ''}); is the file "
            "complete and really Parquet?"
        ) from exc


def to_numbers(df: pd.DataFrame, keep: Any = ()) -> pd.DataFrame:
    """Turn the text columns whose every cell is a number into numbers.

    Columns in ``keep`` and columns named like ids (``item_id``, ``worker``,
    ``key`` ...) keep their text.
    """
    keep = set(keep)
    out = {}
    for c in df.columns:
        col = df[c]
        if c in keep or col.dtype != object or _ID_NAME.search(str(c).strip()):
            out[c] = col
            continue
        text = col.mask(col.str.strip().isin(NA_TEXT))  # pandas' 'NA', 'null', ... cells
        try:
            out[c] = pd.to_numeric(text, errors="raise")
        except (ValueError, TypeError):
            out[c] = col
    return pd.DataFrame(out, index=df.index)


def read_table(path: str | os.PathLike[str], *, numbers: bool = True) -> pd.DataFrame:
    """Read a CSV / TSV / Parquet / JSON Lines / JSON table, compressed or not.

    Parameters
    ----------
    path : path
        The file. Its suffix (before any ``.gz`` / ``.bz2`` / ``.zst`` / ``.xz`` /
        ``.zip``) names the kind; other suffixes are read as delimited text.
    numbers : bool, default True
        Turn delimited-text columns whose every cell is a number into numbers,
        except columns named like ids. ``False`` keeps every cell as text.

    Returns
    -------
    DataFrame
        Delimited text gives object columns of ``str`` with NaN for empty cells;
        the frame's ``attrs["labeljury_text"]`` is then True.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.csv"
    >>> _ = p.write_text("item,worker,label\\n001,7,1\\n1,07,2\\n")
    >>> read_table(p, numbers=False)["item"].tolist()
    ['001', '1']
    """
    path = os.fspath(path)
    ext, comp = inner_suffix(path)
    if ext in (".xlsx", ".xls", ".xlsm", ".ods", ".numbers"):
        raise InputError(
            f"{path}: spreadsheet files are not read (their cells carry formats "
            "that change ids: 007 -> 7); save the sheet as CSV (UTF-8) and pass that"
        )
    kind = TABLE_KINDS.get(ext, "csv")
    if kind == "parquet":
        _check_exists(path)
        register_input(path)
        return _read_parquet(path, read_bytes(path) if comp else None)
    text = decode(read_bytes(path), path)
    if not text.strip():
        raise EmptyInputError(f"{path}: the file is empty")
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise InputError(
            f"{path} line {line}: a NUL byte in the text; the file is binary or in "
            "an encoding other than UTF-8/UTF-16. Save it as UTF-8 text"
        )
    if kind in ("jsonl", "json"):
        df = _read_json_records(text, kind, path)
        _check_columns(list(df.columns), path)
        return df
    df = _read_delimited(text, kind, path)
    if numbers:
        return to_numbers(df)
    df.attrs["labeljury_text"] = True
    return df
