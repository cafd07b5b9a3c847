"""labeljury._csv.write_csv writes the bytes pandas' to_csv(index=False) writes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import labeljury
import labeljury._csv as fast
from labeljury._csv import write_csv

FLOATS = [
    np.nan,
    np.inf,
    -np.inf,
    -0.0,
    0.0,
    1e16,
    1e-05,
    0.1 + 0.2,
    1e300,
    5e-324,
    1.0,
    123456789012345678.0,
    1e15,
    9999999999999998.0,
    0.0001,
    1.234e-05,
    -1.5,
]
STRINGS = [
    "a,b",
    'say "hi"',
    "two\nlines",
    "cr\rhere",
    "",
    None,
    "ünïcödé",
    "日本語",
    " lead",
    "trail ",
    "'",
    "a;b",
    "\t",
    "plain",
    "é,",
    np.nan,
    '"',
]
INTS = [0, -1, 2**62, -(2**63), 2**63 - 1, 10, 9, 99, 100, -100, 1, 7, 0, 5, 3, 2, 1]


def pandas_and_fast(df: pd.DataFrame, tmp_path: Path) -> tuple[bytes, bytes]:
    df.to_csv(tmp_path / "pandas.csv", index=False)
    write_csv(df, tmp_path / "fast.csv")
    return (tmp_path / "pandas.csv").read_bytes(), (tmp_path / "fast.csv").read_bytes()


def edge_table() -> pd.DataFrame:
    n = len(FLOATS)
    with np.errstate(over="ignore"):  # 1e300 and 1e16... as float32: inf, as pandas has them
        f32 = np.array(FLOATS, dtype=np.float32)
    return pd.DataFrame(
        {
            "int": np.array(INTS, dtype=np.int64),
            "uint": np.array([2**64 - 1, 0, 5, 2**32, 2**32 - 1] * 4, dtype=np.uint64)[:n],
            "small": np.arange(n, dtype=np.int8) - 8,
            "float": FLOATS,
            "float32": f32,
            "bool": [True, False] * 8 + [True],
            "text": pd.Series(STRINGS, dtype="str"),
            "object": pd.Series(STRINGS, dtype=object),
            "huge": [10**30] * n,  # a Python int past int64: object column, pandas writes it
        }
    )


def test_edge_values_byte_identical(tmp_path: Path) -> None:
    df = edge_table()
    want, got = pandas_and_fast(df, tmp_path)
    assert got == want
    # and the columns the fast path handles really took it (not the to_csv fallback)
    assert all(fast._column(df[c]) is not None for c in df.columns if c != "huge")
    want, got = pandas_and_fast(df.drop(columns="huge"), tmp_path)
    assert got == want


def test_tab_separated_byte_identical_and_write_table_takes_the_fast_path(tmp_path: Path) -> None:
    from labeljury.io.writers import write_table

    df = edge_table().drop(columns="huge")
    df.to_csv(tmp_path / "pandas.tsv", index=False, sep="\t")
    write_csv(df, tmp_path / "fast.tsv", sep="\t")
    assert (tmp_path / "fast.tsv").read_bytes() == (tmp_path / "pandas.tsv").read_bytes()
    assert all(fast._column(df[c], "\t") is not None for c in df.columns)
    lq = df.rename(columns={"text": "item", "object": "consensus_label"})
    for ext, sep in ((".csv", ","), (".tsv", "\t")):
        lq.to_csv(tmp_path / f"want{ext}", index=False, sep=sep)
        got = write_table(lq, tmp_path / f"lq{ext}").read_bytes()
        assert got == (tmp_path / f"want{ext}").read_bytes()


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
def test_random_bit_patterns(tmp_path: Path, dtype: type) -> None:
    rng = np.random.default_rng(0)
    itype = {np.float64: np.int64, np.float32: np.int32, np.float16: np.int16}[dtype]
    info = np.iinfo(itype)
    bits = rng.integers(info.min, info.max, 100_000, dtype=itype, endpoint=True)
    scaled = rng.random(100_000) * 10.0 ** rng.integers(-20, 20, 100_000)
    with np.errstate(over="ignore"):
        df = pd.DataFrame({"bits": bits.view(dtype), "scaled": scaled.astype(dtype), "n": bits})
    want, got = pandas_and_fast(df, tmp_path)
    assert got == want


@pytest.mark.parametrize(
    "df",
    [
        pd.DataFrame({"a": [1, 2], "b": pd.array([1, None], dtype="Int64")}),
        pd.DataFrame({"a": [1, 2], "b": [1, "x"]}),  # mixed object column
        pd.DataFrame({"a": [1, 2], "b": ["x\0y", "z"]}),  # a NUL: pandas writes it
        pd.DataFrame({"a": ["", None]}),  # one column: csv quotes an empty row
        pd.DataFrame({0: [1.5], 1: ["x"]}),  # non-string column labels
        pd.DataFrame({"a": pd.to_datetime(["2024-01-01", None]), "b": [1, 2]}),
        pd.DataFrame({"a": pd.Categorical(["x", "y"]), "b": [True, False]}),
        pd.DataFrame({"a": [1], "b": [2]}).iloc[:0],
    ],
)
def test_other_tables_as_pandas(tmp_path: Path, df: pd.DataFrame) -> None:
    want, got = pandas_and_fast(df, tmp_path)
    assert got == want


def test_result_save_writes_pandas_bytes(tmp_path: Path) -> None:
    df = pd.DataFrame(
        {
            "item": ["k", "k", "k", "z,1", "z,1", 'm"', 'm"', 'm"'],
            "worker": ["a", "b", "c", "a", "b", "a", "b", "c"],
            "label": ["cat", "cat", "cat", "cat", "dog", "dog", "dog", "cat"],
        }
    )
    res = labeljury.aggregate(df, method="dawid_skene")
    for path in res.save(tmp_path / "out"):
        table = getattr(res, path.stem)
        table.to_csv(tmp_path / "want.csv", index=False)
        assert path.read_bytes() == (tmp_path / "want.csv").read_bytes(), path.name
        assert all(fast._column(table[c]) is not None for c in table.columns), path.name


def test_multilabel_save_writes_pandas_bytes(tmp_path: Path) -> None:
    from labeljury.multilabel.result import aggregate
    from labeljury.multilabel.synth import make_multilabel_crowd

    res = aggregate(make_multilabel_crowd(200, 5, 20, 3.0, random_state=0).annotations)
    for path in res.save(tmp_path / "out")[1:]:  # label_quality: io.writers.write_table
        table = getattr(res, path.stem)
        table.to_csv(tmp_path / "want.csv", index=False)
        assert path.read_bytes() == (tmp_path / "want.csv").read_bytes(), path.name
        # the fast path wrote it: every column is one it formats
        assert all(fast._column(table[c]) is not None for c in table.columns), path.name


def test_floats_formatted_in_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fast, "_CHUNK", 3)  # the edge table's floats in six chunks
    want, got = pandas_and_fast(edge_table(), tmp_path)
    assert got == want
