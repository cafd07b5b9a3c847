"""Long tables read in blocks (labeljury.io.stream): the same annotations as reading whole."""

from __future__ import annotations

import gzip
import itertools
import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import labeljury.io.stream as stream
from labeljury import Annotations, read_annotations
from labeljury.cli import main
from labeljury.errors import InputError, LabeljuryError, MissingColumnError, MissingValueError
from labeljury.io import sniff

DATA = Path(__file__).resolve().parents[1] / "data"
SHARED = Path(os.environ.get("LABELJURY_SHARED", "/work/shared")) / "formats"


def _whole(path: str | Path, **kw: object) -> Annotations:
    """The reader before streaming: the file read whole, then from_long / from_wide."""
    orig = stream.read_long_table
    stream.read_long_table = lambda *a, **k: None  # type: ignore[assignment]
    try:
        return read_annotations(path, **kw)  # type: ignore[arg-type]
    finally:
        stream.read_long_table = orig


def _outcome(fn: object, *args: object, **kw: object) -> tuple[object, list[str]]:
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            a = fn(*args, **kw)  # type: ignore[operator]
            got: object = (
                a.item.tolist(),
                a.annotator.tolist(),
                a.label.tolist(),
                [repr(v) for v in a.items],
                [repr(v) for v in a.annotators],
                [repr(v) for v in a.classes],
            )
        except LabeljuryError as exc:
            got = (type(exc).__name__, str(exc))
    return got, sorted(str(m.message) for m in w)


def _same(path: str | Path, **kw: object) -> None:
    assert _outcome(read_annotations, path, **kw) == _outcome(_whole, path, **kw)


TABLES = sorted(
    p
    for p in DATA.rglob("*")
    if p.suffix in (".csv", ".tsv", ".parquet") and "formats" not in p.parts
)


@pytest.mark.parametrize("path", TABLES, ids=lambda p: str(p.relative_to(DATA)))
def test_every_table_in_tests_data_reads_the_same(path: Path, monkeypatch) -> None:
    _same(path)
    monkeypatch.setattr(stream, "CHUNK_ROWS", 97)  # many blocks: vocabularies merged
    _same(path)


def test_every_table_export_example_reads_the_same() -> None:
    found = [p for p in DATA.rglob("*") if p.suffix in (".csv", ".tsv") and "formats" in p.parts]
    if SHARED.is_dir():
        found += [p for p in SHARED.rglob("*") if p.suffix in (".csv", ".tsv")]
    assert found
    for p in found:
        _same(p)


def _frame(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    items = np.array([f"{i:03d}" for i in range(n // 3)] + ["1e3", "1000", "7", "007"])
    return pd.DataFrame(
        {
            "item": rng.choice(items, n),
            "worker": rng.choice(["a", "b", "c ", "d", "0x1"], n),
            "label": rng.choice(["1", "2", "3"], n),
        }
    )


@pytest.mark.parametrize("chunk", [5, 64, 1 << 16])
@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".csv.gz", ".parquet"])
def test_generated_tables_read_the_same(tmp_path: Path, monkeypatch, chunk: int, suffix: str):
    monkeypatch.setattr(stream, "CHUNK_ROWS", chunk)
    df = _frame(2000)
    p = tmp_path / f"answers{suffix}"
    if suffix == ".parquet":
        df.to_parquet(p)
    else:
        text = df.to_csv(index=False, sep="\t" if suffix == ".tsv" else ",")
        if suffix.endswith(".gz"):
            p.write_bytes(gzip.compress(text.encode()))
        else:
            p.write_text(text)
    _same(p)
    assert stream.read_long_table(p) is not None  # read in blocks, not by the fallback
    _same(p, classes=["3", "2", "1"] if suffix == ".parquet" else [3, 2, 1])
    _same(p, duplicates="last")
    assert read_annotations(p).items.tolist()[:1] == [df["item"].iloc[0]]  # ids stay text


def test_hostile_rows_fall_back_to_the_whole_file_reader(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(stream, "CHUNK_ROWS", 4)
    body = "".join(f"i{k},w{k % 3},{k % 2}\n" for k in range(20))
    cases = {
        "ragged.csv": "item,worker,label\n" + body + "x,y,1,extra\n",
        "header_again.csv": "item,worker,label\n" + body + "item,worker,label\n" + body,
        "sep_line.csv": "sep=;\nitem;worker;label\n1;a;x\n",
        "missing.csv": "item,worker,label\n" + body + "i99,,1\n",
        "latin1.csv": ("item,worker,label\n" + body + "é,a,1\n").encode("latin-1"),
        "bom.csv": "\ufeffitem,worker,label\n" + body,
        "tabs.csv": "item\tworker\tlabel\n" + body.replace(",", "\t"),
        "spaces.csv": "item,worker,label\n" + body + "i1,w9, 1 \n",
    }
    for name, text in cases.items():
        p = tmp_path / name
        if isinstance(text, bytes):
            p.write_bytes(text)
        else:
            p.write_text(text, encoding="utf-8")
        _same(p)


def _parts(df: pd.DataFrame, n: int) -> list[pd.DataFrame]:
    cuts = np.linspace(0, len(df), n + 1).astype(int)
    return [df.iloc[a:b] for a, b in itertools.pairwise(cuts)]


def test_parquet_folder_and_globs_equal_the_concatenated_table(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(stream, "CHUNK_ROWS", 50)
    df = _frame(900, seed=3)
    whole = tmp_path / "all.csv"
    df.to_csv(whole, index=False)
    ds = tmp_path / "ds"
    ds.mkdir()
    for k, part in enumerate(_parts(df, 4)):
        part.to_parquet(ds / f"part-{k}.parquet")
        part.to_csv(tmp_path / f"part-{k}.csv", index=False)
    (ds / "_SUCCESS").write_text("")
    expect = read_annotations(whole)
    for src in (ds, str(ds / "*.parquet"), str(tmp_path / "part-*.csv")):
        got = read_annotations(src)
        assert got.items.tolist() == expect.items.tolist()
        assert got.annotators.tolist() == expect.annotators.tolist()
        assert np.array_equal(got.item, expect.item)
        assert np.array_equal(got.label, expect.label)
    assert sniff(ds) == "table" and sniff(str(tmp_path / "part-*.csv")) == "table"
    assert Annotations.from_long(ds).n_annotations == len(df)


def test_folder_and_glob_errors_name_the_file(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("item,worker,label\n1,a,x\n2,b,y\n")
    (tmp_path / "b.csv").write_text("item,worker,label\n3,a,x\n4,,y\n")
    with pytest.raises(MissingValueError, match=r"b\.csv line 3: annotator id is missing"):
        read_annotations(str(tmp_path / "*.csv"))
    (tmp_path / "b.csv").write_text("item,rater,answer\n3,a,x\n")
    with pytest.raises(MissingColumnError, match=r"b\.csv: no column"):
        read_annotations(str(tmp_path / "*.csv"))
    with pytest.raises(InputError, match="no file matches"):
        read_annotations(str(tmp_path / "nothing*.parquet"))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="holding no .parquet"):
        read_annotations(empty)


def test_cli_aggregate_reads_a_parquet_dataset_folder(tmp_path: Path) -> None:
    ds = tmp_path / "ds"
    ds.mkdir()
    df = _frame(300, seed=5)
    for k, part in enumerate(_parts(df, 3)):
        part.to_parquet(ds / f"part-{k}.parquet")
    whole = tmp_path / "all.parquet"
    df.to_parquet(whole)
    assert main(["aggregate", str(ds), "--out", str(tmp_path / "a"), "--quiet"]) == 0
    assert main(["aggregate", str(whole), "--out", str(tmp_path / "b"), "--quiet"]) == 0
    for name in sorted(os.listdir(tmp_path / "b")):
        if name.endswith(".csv"):
            assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


SHARED_DATA = Path(
    os.environ.get("LABELJURY_DATA", Path(__file__).resolve().parents[3] / "shared" / "datasets")
)


@pytest.mark.shared
@pytest.mark.slow
def test_every_shared_data_set_reads_the_same() -> None:
    if not SHARED_DATA.is_dir():
        pytest.skip("needs ../shared/datasets (or LABELJURY_DATA)")
    found = sorted(p for p in SHARED_DATA.rglob("*") if p.suffix in (".csv", ".tsv", ".parquet"))
    assert found
    for p in found:
        _same(p)
