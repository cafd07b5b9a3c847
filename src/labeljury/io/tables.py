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
"""

from __future__ import annotations

import bz2
import codecs
import gzip
import io
import json
import lzma
import os
import re
import warnings
import zipfile
import zlib
from collections.abc import Sequence
from typing import IO, Any

import numpy as np
import pandas as pd

from .._files import register_input
from ..errors import EmptyInputError, InputError, InputWarning, preview, user_stacklevel

__all__ = ["inner_suffix", "open_text", "read_bytes", "read_table"]

COMPRESSIONS = {
    ".gz": "gzip",
    ".gzip": "gzip",
    ".bz2": "bz2",
    ".zst": "zstd",
    ".zstd": "zstd",
    ".xz": "xz",
    ".zip": "zip",
}
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
_DELIMS = (",", "\t", ";", "|")
_DELIM_NAMES = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}
# a column named like an id keeps its text even when every cell looks like a number
_ID_NAME = re.compile(
    r"(^|[_\s.:-])(id|ids|key|uuid|item|task|example|sample|annotator|worker|"
    r"user|rater|labell?er|performer|judge|coder|question|object|image)$|"
    r"(?-i:[a-z]I[dD]s?$)",
    re.IGNORECASE,
)


def _where_path(path: str | os.PathLike[str]) -> str:
    return os.fspath(path)


def inner_suffix(path: str | os.PathLike[str]) -> tuple[str, str | None]:
    """``(".csv", "gzip")`` for ``answers.csv.gz``; ``(".csv", None)`` for ``answers.csv``.

    Examples
    --------
    >>> inner_suffix("a/answers.CSV.gz"), inner_suffix("x.parquet")
    (('.csv', 'gzip'), ('.parquet', None))
    """
    name = os.path.basename(os.fspath(path)).lower()
    root, ext = os.path.splitext(name)
    comp = COMPRESSIONS.get(ext)
    if comp is None:
        return ext, None
    return os.path.splitext(root)[1], comp


def _zip_member(path: str) -> tuple[zipfile.ZipFile, str]:
    zf = zipfile.ZipFile(path)
    names = [n for n in zf.namelist() if not n.endswith("/") and not n.startswith("__MACOSX")]
    if len(names) != 1:
        zf.close()
        raise InputError(
            f"{path}: a .zip must hold exactly one file to be read as a table, it "
            f"holds {len(names)} ({preview(names)}); unzip it and name the file"
        )
    return zf, names[0]


def _check_exists(path: str) -> None:
    if not os.path.exists(path):
        raise InputError(f"{path}: no such file")
    if os.path.isdir(path):
        raise InputError(f"{path}: is a folder; expected a file")
    if os.path.getsize(path) == 0:
        raise EmptyInputError(f"{path}: the file is empty")


_DECOMPRESS_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    EOFError,
    zlib.error,
    lzma.LZMAError,
    zipfile.BadZipFile,
    ValueError,
)


def read_bytes(path: str | os.PathLike[str]) -> bytes:
    """The file's bytes, decompressed when its name ends in a compression suffix."""
    path = os.fspath(path)
    _check_exists(path)
    register_input(path)
    comp = inner_suffix(path)[1]
    try:
        if comp is None:
            with open(path, "rb") as fh:
                return fh.read()
        if comp == "gzip":
            return gzip.decompress(open(path, "rb").read())
        if comp == "bz2":
            return bz2.decompress(open(path, "rb").read())
        if comp == "xz":
            return lzma.decompress(open(path, "rb").read())
        if comp == "zstd":
            import zstandard

            with open(path, "rb") as fh, zstandard.ZstdDecompressor().stream_reader(fh) as r:
                return r.read()
        zf, name = _zip_member(path)
        with zf:
            return zf.read(name)
    except InputError:
        raise
    except ImportError as exc:
        raise InputError(
            f"{path}: reading .zst files needs the 'zstandard' package (pip install zstandard)"
        ) from exc
    except _DECOMPRESS_ERRORS as exc:
        raise InputError(
            f"{path}: cannot read it as a {comp or 'plain'} file ({exc}); is it "
            "truncated or compressed differently than its name says?"
        ) from exc
    except Exception as exc:  # zstandard.ZstdError and friends
        raise InputError(f"{path}: cannot decompress ({type(exc).__name__}: {exc})") from exc


def _encoding(head: bytes) -> tuple[str, int]:
    """The text encoding of a file from its first bytes, and the BOM length to skip."""
    for bom, enc in (
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if head.startswith(bom):
            return enc, len(bom)
    sample = head[:4096]
    if len(sample) >= 4 and sample.count(0) >= len(sample) // 4:
        # UTF-16 without a byte-order mark: ASCII text has a zero byte in every pair
        even = sample[0::2].count(0)
        odd = sample[1::2].count(0)
        if odd > 3 * max(even, 1) / 2 and odd >= len(sample) // 4:
            return "utf-16-le", 0
        if even > 3 * max(odd, 1) / 2 and even >= len(sample) // 4:
            return "utf-16-be", 0
    return "utf-8", 0


def decode(raw: bytes, source: str) -> str:
    """Bytes to text: UTF-8 (BOM optional) or UTF-16/32 (BOM or zero-byte pattern)."""
    enc, skip = _encoding(raw)
    try:
        return raw[skip:].decode(enc)
    except UnicodeDecodeError as exc:
        line = raw[skip : skip + exc.start].count(b"\n") + 1
        raise InputError(
            f"{source} line {line}: not {enc.upper()} text (byte "
            f"{raw[skip + exc.start]:#04x} at offset {skip + exc.start}); save the "
            "file as UTF-8 and read it again"
        ) from exc


def open_text(path: str | os.PathLike[str]) -> IO[str]:
    """Open a file as text: decompressed, BOM skipped, UTF-16 recognised.

    A plain UTF-8 file is streamed; a compressed or UTF-16 one is decoded in
    memory. Decoding errors are :class:`~labeljury.errors.InputError`.
    """
    path = os.fspath(path)
    if inner_suffix(path)[1] is not None:
        return io.StringIO(decode(read_bytes(path), path))
    _check_exists(path)
    register_input(path)
    with open(path, "rb") as fh:
        head = fh.read(4096)
    enc, skip = _encoding(head)
    if enc != "utf-8":
        return io.StringIO(decode(read_bytes(path), path))
    fh = open(path, encoding="utf-8-sig" if skip else "utf-8")
    return fh


def _sniff_delimiter(header: str, expected: str | None, source: str) -> str:
    """The delimiter of a header line: the expected one if present, else the one found."""
    unquoted = re.sub(r'"[^"]*"', "", header)
    counts = {d: unquoted.count(d) for d in _DELIMS}
    if expected is not None and counts[expected]:
        return expected
    found = max(_DELIMS, key=lambda d: counts[d])
    if not counts[found]:
        return expected or ","  # one column
    if expected is not None:
        warnings.warn(
            f"{source}: the header line holds no {_DELIM_NAMES[expected]} but "
            f"{counts[found]} {_DELIM_NAMES[found]}(s); reading it as "
            f"{_DELIM_NAMES[found]}-separated",
            InputWarning,
            stacklevel=user_stacklevel(),
        )
    return found


def _header_names(raw: list[Any]) -> list[str]:
    names = []
    for i, name in enumerate(raw):
        name = "" if name is None or (isinstance(name, float) and np.isnan(name)) else str(name)
        names.append(name if name.strip() else f"Unnamed: {i}")
    return names


def _check_columns(columns: list[Any], source: str) -> None:
    seen: dict[str, int] = {}
    for i, c in enumerate(columns):
        key = str(c).strip()
        if key in seen:
            raise InputError(
                f"{source}: columns {seen[key] + 1} and {i + 1} are both named "
                f"{str(c)!r}; rename one (labeljury never guesses which is meant)"
            )
        seen[key] = i


def _fields_per_row(text: str, sep: str) -> np.ndarray:
    """Fields on each non-blank record of delimited text (the header first), vectorised.

    Delimiters and line ends inside double quotes do not count: a character is
    quoted when an odd number of quotes precede it (an escaped ``""`` adds two).
    """
    b = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    quotes = np.flatnonzero(b == 34)
    ends = np.flatnonzero(b == 10)
    seps = np.flatnonzero(b == ord(sep))
    if quotes.size:
        ends = ends[np.searchsorted(quotes, ends) % 2 == 0]
        seps = seps[np.searchsorted(quotes, seps) % 2 == 0]
    starts = np.concatenate([[0], ends + 1])
    stops = np.concatenate([ends, [len(b)]])
    width = stops - starts
    blank = (width == 0) | ((width == 1) & (b[np.minimum(starts, len(b) - 1)] == 13))
    fields = np.diff(np.searchsorted(seps, np.concatenate([starts, [len(b)]]))) + 1
    return fields[~blank]


def _refuse_short_rows(text: str, sep: str, body: pd.DataFrame, source: str) -> None:
    """Refuse records with fewer fields than the header (a truncated file, a lost
    delimiter): pandas pads them with empty cells, which would read as "no answer".
    """
    if len(sep) != 1 or not sep.isascii() or not len(body):
        return
    fields = _fields_per_row(text, sep)
    if len(fields) != len(body) + 1:
        return  # records the count cannot align (a stray quote inside a value): pandas decides
    short = np.flatnonzero(fields[1:] < fields[0])
    if not short.size:
        return
    # confirm on the parsed rows: a padded record ends in empty cells
    r = int(short[0])
    if any(str(v) != "" for v in body.iloc[r, int(fields[r + 1]) :].tolist()):
        return
    raise InputError(
        f"{source}: record {r + 1} (line {r + 2} if no value spans lines) has "
        f"{fields[r + 1]} field(s) where the header has {fields[0]}"
        f"{f' ({short.size} such records)' if short.size > 1 else ''}; the file is "
        "truncated or a delimiter is missing: fix or drop the row"
    )


def _ends_with_newline(path: str) -> bool:
    """Whether the (decompressed) file ends with a line break, as every export writes."""
    if inner_suffix(path)[1] is None:
        with open(path, "rb") as fh:
            fh.seek(max(os.path.getsize(path) - 4, 0))
            tail = fh.read()
    else:
        tail = read_bytes(path)[-4:]
    return tail.rstrip(b"\x00").endswith((b"\n", b"\r"))


def check_records(raw: pd.DataFrame, path: str, ids: Sequence[str]) -> None:
    """Refuse the records a streamed tool-export reader must not read as data.

    A header line repeated inside the data (files concatenated), a record
    without one of the ``ids`` columns (a ragged or cut row), and a last record
    cut short: no line break at the end of the file and empty cells in columns
    that every other record fills (a truncated download).
    """
    first = raw[ids[0]].astype(object).to_numpy()
    again = np.flatnonzero(first == ids[0])
    if again.size:
        raise InputError(
            f"{path} line {int(again[0]) + 2}: the header row repeated inside the data "
            "(files concatenated?); remove those lines"
        )
    for col in ids:
        miss = np.flatnonzero(raw[col].isna().to_numpy())
        if miss.size:
            raise InputError(
                f"{path} line {int(miss[0]) + 2}: no {col} ({miss.size} record(s)); a "
                "ragged or truncated row: fix or drop it"
            )
    if len(raw) > 1 and not _ends_with_newline(path):
        last = raw.iloc[-1].isna().to_numpy()
        filled = raw.iloc[:-1].notna().all().to_numpy()
        if (last & filled).any():
            cut = [c for c, m in zip(raw.columns, last & filled, strict=True) if m]
            raise InputError(
                f"{path}: the last record (line {len(raw) + 1}) has no {preview(cut, 3)} "
                "and the file does not end with a line break: it looks truncated; "
                "download it again (or drop the last line)"
            )


def _read_delimited(text: str, kind: str, source: str) -> pd.DataFrame:
    first = text.split("\n", 1)[0]
    excel = re.fullmatch(r"sep=(.)\r?", first)
    if excel:  # Excel's "sep=;" first line names the delimiter
        text = text.split("\n", 1)[1] if "\n" in text else ""
        first = text.split("\n", 1)[0]
        kind = {",": "csv", "\t": "tsv"}.get(excel.group(1), excel.group(1))
    if kind in ("csv", "tsv"):
        sep = _sniff_delimiter(first, "\t" if kind == "tsv" else ",", source)
    else:
        sep = kind if len(kind) == 1 else _sniff_delimiter(first, None, source)
    try:
        raw = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            header=None,
            dtype=object,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=True,
            engine="c",
        )
    except pd.errors.EmptyDataError as exc:
        raise EmptyInputError(f"{source}: the file is empty") from exc
    except pd.errors.ParserError as exc:
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if m:
            raise InputError(
                f"{source} line {m.group(2)}: {m.group(3)} fields where the header "
                f"has {m.group(1)}; fix the ragged row (a delimiter inside an "
                "unquoted value?)"
            ) from exc
        raise InputError(f"{source}: cannot parse as {kind.upper()} ({exc})") from exc
    if raw.shape[0] == 0:
        raise EmptyInputError(f"{source}: the file is empty")
    header = _header_names(raw.iloc[0].tolist())
    _check_columns(header, source)
    body = raw.iloc[1:].reset_index(drop=True)
    body.columns = header
    _refuse_short_rows(text, sep, body, source)
    if len(body):
        # a header row repeated inside the data: two files concatenated (maybe with a BOM)
        head = raw.iloc[0].to_numpy(dtype=object)
        same = np.ones(len(body), dtype=bool)
        for j in range(1, len(header)):  # column by column: no row-wide object copy
            same &= body.iloc[:, j].to_numpy(dtype=object) == head[j]
        rows = np.flatnonzero(same)
        key = str(head[0]).strip().lstrip("\ufeff")
        rep = (
            rows[[str(body.iat[r, 0]).strip().lstrip("\ufeff") == key for r in rows]]
            if rows.size
            else rows
        )
        if rep.size and len(header) > 1:
            raise InputError(
                f"{source} line{'s' if rep.size > 1 else ''} "
                f"{preview((rep + 2).tolist())}: the header row repeated inside "
                "the data (files concatenated?); remove those lines"
            )
    # empty cells are missing; everything else is the text as written
    body = body.replace("", np.nan).astype(object)
    # a trailing delimiter on every line adds a nameless, empty column: nothing to read
    blank = [c for i, c in enumerate(body.columns) if c == f"Unnamed: {i}" and body[c].isna().all()]
    return body.drop(columns=blank) if blank else body


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
