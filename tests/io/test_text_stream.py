"""Toloka / CrowdFlower exports read in blocks (io._text_stream) give what reading whole gives.

Every file is read twice: streamed (pyarrow's block reader, only the columns the
reader uses, as codes) and with the block reader switched off (the whole-file
``read_table``, the readers as they were). Cells, annotations, gold, meta,
summaries, warnings and errors must all agree; a file the block reader does not
follow exactly (cut, ragged, repeated header, not UTF-8 ...) must be handed to the
whole-file reader, so its errors still name the file and line.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import random
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import labeljury.io as lio
from labeljury.errors import LabeljuryError
from labeljury.io import _text_stream, crowdflower, toloka
from labeljury.io.tables import read_table

DATA = Path(__file__).resolve().parents[1] / "data" / "formats"
SHARED = Path(os.environ.get("LABELJURY_SHARED", "/work/shared")) / "formats"
EXAMPLES = [("toloka", "toloka/assignments.tsv"), ("crowdflower", "crowdflower/f1234567_full.csv")]
WANTED = {"toloka": toloka._wanted, "crowdflower": lambda h: crowdflower._wanted(h, None)}


def _outcome(path: Path, fmt: str, **kw: Any) -> Any:
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            ann, summary = lio.read(path, format=fmt, return_summary=True, **kw)
            got: Any = (
                ann.item.tolist(),
                ann.annotator.tolist(),
                ann.label.tolist(),
                [repr(v) for v in ann.items],
                [repr(v) for v in ann.annotators],
                [repr(v) for v in ann.classes],
                None if ann.gold is None else ann.gold.tolist(),
                None if ann.meta is None else repr(ann.meta.to_dict("list")),
                None if ann.meta is None else [str(t) for t in ann.meta.dtypes],
                summary.counts(),
                summary.question,
                summary.notes,
            )
        except LabeljuryError as exc:
            got = (type(exc).__name__, str(exc))
    return got, sorted(str(m.message) for m in w)


def _whole_only(*a: Any, **k: Any) -> Any:
    raise _text_stream._NotStreamable


def _compare(monkeypatch: pytest.MonkeyPatch, path: Path, fmt: str, **kw: Any) -> Any:
    """The reader's outcome streamed and read whole; equal. Returns (outcome, streamed?)."""
    taken = []
    real = _text_stream._stream

    def spy(*a: Any, **k: Any) -> Any:
        try:
            out = real(*a, **k)
        except Exception:
            taken.append(False)
            raise
        taken.append(True)
        return out

    with monkeypatch.context() as m:
        m.setattr(_text_stream, "_stream", spy)
        streamed = _outcome(path, fmt, **kw)
    with monkeypatch.context() as m:
        m.setattr(_text_stream, "_stream", _whole_only)
        whole = _outcome(path, fmt, **kw)
    assert streamed == whole, (path, kw)
    return streamed, bool(taken) and all(taken)


def _cells(df: pd.DataFrame, cols: list[str]) -> dict[str, list[Any]]:
    """Column -> cells as Python objects, missing as None (categorical or object alike)."""
    out = {}
    for c in cols:
        vals = np.asarray(df[c].astype(object))
        out[c] = [None if isinstance(v, float) and v != v else v for v in vals]
    return out


def _same_cells(path: Path, fmt: str) -> bool:
    """Streamed cells equal read_table's on the wanted columns; False: not streamed."""
    kind = "tsv" if path.suffix == ".tsv" else "csv"
    try:
        header, frame = _text_stream._stream(str(path), kind, WANTED[fmt])
    except Exception:
        return False
    whole = read_table(path, numbers=False)
    assert header == [str(c) for c in whole.columns]
    keep = list(frame.columns)
    assert set(keep) <= set(header) and keep
    assert _cells(frame, keep) == _cells(whole, keep), path
    assert all(isinstance(frame[c].dtype, pd.CategoricalDtype) for c in keep)
    return True


# ------------------------------------------------------------ the examples
@pytest.mark.parametrize(("fmt", "rel"), EXAMPLES)
def test_examples_streamed_same_as_whole(
    monkeypatch: pytest.MonkeyPatch, fmt: str, rel: str
) -> None:
    path = DATA / rel
    assert _same_cells(path, fmt)
    _, summary = lio.read(path, format=fmt, return_summary=True)
    for q in (None, *summary.questions, "no-such-question"):
        for keep in (False, True):
            (got, _), streamed = _compare(monkeypatch, path, fmt, question=q, keep_skipped=keep)
            assert streamed
            if q != "no-such-question":
                assert isinstance(got[0], list) and got[0]


@pytest.mark.shared
def test_shared_formats_streamed_same_as_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    files = [
        (fmt, p)
        for fmt in ("toloka", "crowdflower")
        for p in sorted((SHARED / fmt).glob("*"))
        if p.suffix in (".csv", ".tsv")
    ]
    if not files:
        pytest.skip(f"{SHARED} not there")
    for fmt, p in files:  # the aggregated CrowdFlower report too: refused the same way
        for keep in (False, True):
            _, streamed = _compare(monkeypatch, p, fmt, keep_skipped=keep)
            assert streamed, p


@pytest.mark.parametrize("fmt", ["toloka", "crowdflower"])
def test_generated_exports_streamed_same_as_whole(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fmt: str
) -> None:
    """Many blocks (a small block size), so codes are carried from block to block."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location(
        "io_exports", Path(__file__).resolve().parents[2] / "benchmarks" / "io_exports.py"
    )
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["io_exports"] = mod
    spec.loader.exec_module(mod)
    name, make = mod.EXPORTS[fmt]
    path = tmp_path / name
    make(path, 5000, 3)
    monkeypatch.setattr(_text_stream, "BLOCK_BYTES", 1 << 14)
    assert _same_cells(path, fmt)
    for keep in (False, True):
        (got, _), streamed = _compare(monkeypatch, path, fmt, keep_skipped=keep)
        assert streamed and len(got[0]) > 4000, got


# ------------------------------------------------------------ tricky cells
TOLOKA_HEAD = [
    "INPUT:review_id",
    "INPUT:review",
    "OUTPUT:sentiment",
    "GOLDEN:sentiment",
    "ASSIGNMENT:assignment_id",
    "ASSIGNMENT:task_id",
    "ASSIGNMENT:worker_id",
    "ASSIGNMENT:status",
    "ASSIGNMENT:started",
    "ASSIGNMENT:submitted",
]
TRICKY = [
    "NA",
    "null",
    "None",
    "nan",
    "N/A",
    " pos ",
    "pos\t",
    "a,b",
    'say "hi"',
    "two\nlines",
    "two\r\nlines",
    "é ü 日本",
    "#N/A",
    "",
    "1e3",
    "007",
    "\ufeffx",
]


def _toloka_rows(rng: random.Random, n: int) -> list[list[str]]:
    rows = []
    for r in range(n):
        task = rng.randrange(8)
        rows.append(
            [
                f"r-{task}" if r % 5 else rng.choice(TRICKY) or "r-x",
                rng.choice(TRICKY),
                rng.choice(["pos", "neg", "neu", *TRICKY[:6]]),
                rng.choice(["", "", "pos", "a,b"]),
                f"as-{r // 3}",
                f"t-{task}",
                rng.choice(["w1", "w2", " w3", 'w"4', "NA", "w,5", "w6\nx"]),
                rng.choice(["APPROVED", "approved", "REJECTED", "SKIPPED", ""]),
                rng.choice(["2025-02-11T09:13:40.201", "", "not a time"]),
                "2025-02-11T09:14:02.118",
            ]
        )
    return rows


def _write(path: Path, head: list[str], rows: list[list[str]], sep: str, **kw: Any) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=sep, lineterminator=kw.pop("eol", "\n"), **kw)
    w.writerow(head)
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8", newline="")


@pytest.mark.parametrize("seed", range(6))
def test_tricky_cells_streamed_same_as_whole(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, seed: int
) -> None:
    rng = random.Random(seed)
    quoting = [csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC][seed % 3]
    eol = "\r\n" if seed % 2 else "\n"
    p = tmp_path / "assignments.tsv"
    _write(p, TOLOKA_HEAD, _toloka_rows(rng, 60), "\t", quoting=quoting, eol=eol)
    if seed == 4:  # a UTF-8 byte-order mark and blank lines between records
        text = p.read_text(encoding="utf-8")
        p.write_text("\ufeff" + text.replace(eol + "r-", eol + eol + "r-"), encoding="utf-8")
    assert _same_cells(p, "toloka")
    for q, keep in ((None, False), (None, True), ("sentiment", True)):
        _, streamed = _compare(monkeypatch, p, "toloka", question=q, keep_skipped=keep)
        assert streamed
    src = (DATA / "crowdflower" / "f1234567_full.csv").read_text()
    head, *rows = list(csv.reader(io.StringIO(src)))
    for row in rows:  # tricky text in the used and unused columns alike
        row[head.index("review")] = rng.choice(TRICKY)
        row[head.index("_country")] = rng.choice(TRICKY)
        row[head.index("sentiment")] = rng.choice(["positive", "negative", *TRICKY])
    c = tmp_path / "f1_full.csv"
    _write(c, head, rows, ",", quoting=quoting, eol=eol)
    assert _same_cells(c, "crowdflower")
    _, streamed = _compare(monkeypatch, c, "crowdflower")
    assert streamed


def test_random_text_never_differs(tmp_path: Path) -> None:
    """Raw lines of quotes, delimiters, spaces and line breaks: when the block reader
    keeps a file, its cells are read_table's; when read_table refuses one, so does it."""
    rng = random.Random(7)
    alphabet = ['"', "\t", ",", " ", "a", "b", "\n", "\r", "é", "x"]
    head = "INPUT:id\tOUTPUT:q\tASSIGNMENT:task_id\tASSIGNMENT:worker_id\tnote\n"
    kept = 0
    for k in range(300):
        lines = [
            "\t".join(
                "".join(rng.choice(alphabet) for _ in range(rng.randrange(4)))
                if rng.random() < 0.3
                else rng.choice(["a", "b", '"q\tq"', '"x""y"', ""])
                for _ in range(5)
            )
            for _ in range(rng.randrange(1, 6))
        ]
        p = tmp_path / f"f{k}.tsv"
        p.write_bytes((head + "\n".join(lines) + rng.choice(["", "\n"])).encode("utf-8"))
        try:
            streamed = _same_cells(p, "toloka")
        except LabeljuryError:  # read_table refuses what the block reader kept
            pytest.fail(f"streamed a file read_table refuses: {p.read_bytes()!r}")
        kept += streamed
    assert kept > 60  # the comparison ran on many files


# ------------------------------------------------------------ what is read whole
def _edits() -> dict[str, Any]:
    return {
        "cut": lambda b: b[: int(len(b) * 0.6)].rstrip(b"\n"),
        "short row": lambda b: b + b"x\ty\n",
        "long row": lambda b: b.replace(b"\n", b"\textra\n", 2),
        "header again": lambda b: b + b.split(b"\n")[0] + b"\n",
        "sep line": lambda b: b"sep=\t\n" + b,
        "nul byte": lambda b: b[:-20] + b"\x00" + b[-20:],
        "latin-1": lambda b: b + b.split(b"\n")[1].replace(b"positive", b"positiv\xe9") + b"\n",
        "utf-16": lambda b: b.decode().encode("utf-16"),
        "blank name": lambda b: b.replace(b"\tHINT:text", b"\t", 1),
        "quote in a name": lambda b: b.replace(b"HINT:text", b'"HINT""text"', 1),
        "names repeat": lambda b: b.replace(b"HINT:text", b"INPUT:review", 1),
        "commas": lambda b: b.replace(b"\t", b","),
        "header only": lambda b: b.split(b"\n")[0] + b"\n",
        "unclosed quote": lambda b: b + b'r-9\t"open\n',
        "spaces line": lambda b: b + b"   \n",
        "cut character": lambda b: b + b.split(b"\n")[1] + b"\xc3",
    }


@pytest.mark.parametrize("edit", list(_edits()))
def test_irregular_files_read_whole(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, edit: str
) -> None:
    p = tmp_path / "assignments.tsv"
    p.write_bytes(_edits()[edit]((DATA / "toloka" / "assignments.tsv").read_bytes()))
    with pytest.raises(Exception):  # noqa: B017 - any kind: the caller reads whole
        _text_stream._stream(str(p), "tsv", toloka._wanted)
    (got, _), streamed = _compare(monkeypatch, p, "toloka")
    assert not streamed
    if edit in (
        "cut",
        "short row",
        "long row",
        "header again",
        "nul byte",
        "latin-1",
        "cut character",
    ):
        assert got[0] == "InputError" and "assignments.tsv" in got[1], got


def test_compressed_read_whole_same(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    p = tmp_path / "f1234567_full.csv.gz"
    p.write_bytes(gzip.compress((DATA / "crowdflower" / "f1234567_full.csv").read_bytes()))
    (got, _), streamed = _compare(monkeypatch, p, "crowdflower")
    assert not streamed and isinstance(got[0], list) and got[0]


def test_multibyte_text_across_read_boundaries(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """UTF-8 characters cut by the 1 MiB reads are checked whole (not refused, not garbled)."""
    rng = random.Random(3)
    rows = _toloka_rows(rng, 9000)
    for k, row in enumerate(rows):
        row[1] = "日本語のレビュー é" * (1 + k % 7)  # 3-byte characters everywhere
        row[2] = rng.choice(["良い", "悪い", "pos"])
        row[6] = rng.choice(["w1", "w2", "作業者"])
        row[3] = rng.choice(["", "", "良い"])
    p = tmp_path / "assignments.tsv"
    _write(p, TOLOKA_HEAD, rows, "\t")
    assert p.stat().st_size > 1.5 * (1 << 20)  # cut at 1 MiB
    assert _same_cells(p, "toloka")
    (got, _), streamed = _compare(monkeypatch, p, "toloka", keep_skipped=True)
    assert streamed and len(got[0]) > 4000, got
