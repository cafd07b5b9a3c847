"""The Annotations type: construction, recognition, round trips, policies."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from labeljury import Annotations, read_annotations
from labeljury.errors import DuplicateAnnotationError, InputError


@pytest.fixture
def long_df() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "item": ["q3", "q3", "q1", "q2", "q1", "q2"],
            "worker": ["bob", "amy", "amy", "bob", "cat", "cat"],
            "label": ["dog", "cat", "cat", "bird", "cat", "dog"],
        }
    )


def test_long_keeps_user_order_and_sorts_classes(long_df: pd.DataFrame) -> None:
    ann = Annotations.from_long(long_df)
    assert ann.items.tolist() == ["q3", "q1", "q2"]  # first appearance, not sorted
    assert ann.annotators.tolist() == ["bob", "amy", "cat"]
    assert ann.classes.tolist() == ["bird", "cat", "dog"]
    assert ann.to_long()["label"].tolist() == long_df["label"].tolist()  # rows not re-sorted
    assert ann.item.dtype == np.int32


@pytest.mark.parametrize(
    "cols",
    [
        ("example_id", "annotator_id", "class"),
        ("Task", "User", "Answer"),
        ("id", "rater", "response"),
        ("item_id", "worker_id", "label"),
    ],
)
def test_column_names_recognised(cols: tuple[str, str, str]) -> None:
    df = pd.DataFrame({cols[0]: [1, 1, 2], cols[1]: ["a", "b", "a"], cols[2]: [0, 1, 1]})
    ann = read_annotations(df)
    assert (ann.n_items, ann.n_annotators, ann.n_annotations) == (2, 2, 3)


def test_explicit_classes_include_unchosen() -> None:
    ann = Annotations.from_arrays([0, 1], ["a", "a"], ["x", "y"], classes=["z", "y", "x"])
    assert ann.classes.tolist() == ["z", "y", "x"]
    assert ann.label.tolist() == [2, 1]
    assert ann.vote_counts().shape == (2, 3)


def test_float_labels_are_the_same_classes_as_ints() -> None:
    # the reference counts 1.0 and 1 under different classes; we do not
    ann = Annotations.from_wide(pd.DataFrame({"a": [1.0, np.nan, 0.0], "b": [1, 0, 0]}))
    assert ann.classes.tolist() == [0, 1]
    assert ann.classes.dtype.kind == "i"


def test_round_trip_long_wide_sparse(long_df: pd.DataFrame) -> None:
    ann = Annotations.from_long(long_df)
    back = Annotations.from_long(ann.to_long())
    assert back == ann
    wide = ann.to_wide()
    assert wide.shape == (3, 3)
    assert wide.loc["q1", "bob"] is None or pd.isna(wide.loc["q1", "bob"])
    again = Annotations.from_wide(wide)
    assert (
        again.to_long()
        .sort_values(["item", "annotator"])
        .reset_index(drop=True)
        .equals(ann.to_long().sort_values(["item", "annotator"]).reset_index(drop=True))
    )
    s = ann.to_sparse()
    assert sp.issparse(s) and s.nnz == ann.n_annotations
    roundtrip = Annotations.from_sparse(
        s, items=ann.items, annotators=ann.annotators, classes=ann.classes
    )
    assert set(map(tuple, roundtrip.to_long().to_numpy().tolist())) == set(
        map(tuple, ann.to_long().to_numpy().tolist())
    )


def test_wide_integer_round_trip_exact() -> None:
    wide = pd.DataFrame({"w1": [0, 2, None], "w2": [1, None, 2]}, index=[10, 11, 12], dtype="Int64")
    ann = Annotations.from_wide(wide)
    out = ann.to_wide()
    pd.testing.assert_frame_equal(
        out, wide, check_names=False, check_index_type=False, check_column_type=False
    )


def test_wide_numpy_and_pd_na() -> None:
    arr = np.array([[0, np.nan, 1], [np.nan, 1, 1]])
    ann = Annotations.from_wide(arr)
    assert ann.n_annotations == 4
    assert ann.item.tolist() == [0, 0, 1, 1]  # item by item
    df = pd.DataFrame({"a": pd.array(["x", pd.NA], dtype="string"), "b": ["y", ""]})
    with pytest.raises(InputError, match="1 item"):  # row 1 holds only pd.NA and ""
        Annotations.from_wide(df)
    ann2 = Annotations.from_wide(df, unlabeled="drop")
    assert (ann2.n_annotations, ann2.n_items) == (2, 1)


def test_duplicates_policies() -> None:
    df = pd.DataFrame({"item": [1, 1, 1], "worker": ["a", "a", "b"], "label": [0, 1, 1]})
    assert Annotations.from_long(df, duplicates="keep").n_annotations == 3
    first = Annotations.from_long(df, duplicates="first")
    last = Annotations.from_long(df, duplicates="last")
    assert first.to_long()["label"].tolist() == [0, 1]
    assert last.to_long()["label"].tolist() == [1, 1]
    with pytest.raises(DuplicateAnnotationError, match="labeled item 1 more than once"):
        Annotations.from_long(df, duplicates="error")
    with pytest.raises(DuplicateAnnotationError):
        Annotations.from_long(df).to_wide()


def test_immutable(long_df: pd.DataFrame) -> None:
    ann = Annotations.from_long(long_df)
    with pytest.raises(ValueError):
        ann.label[0] = 1


def test_input_not_modified(long_df: pd.DataFrame) -> None:
    before = long_df.copy()
    Annotations.from_long(long_df)
    pd.testing.assert_frame_equal(before, long_df)
    arr = np.array([[0, np.nan], [1, 1.0]])
    arr_before = arr.copy()
    Annotations.from_wide(arr)
    np.testing.assert_array_equal(arr, arr_before)


def test_mixed_type_ids() -> None:
    # 1 and "1" would be written back as the same id: refused, never merged or split
    with pytest.raises(InputError, match="item ids 1 and '1' look the same"):
        Annotations.from_arrays([1, "1", 2.0], ["a", "b", "a"], [0, 1, 0])
    ann = Annotations.from_arrays([1, "x", 2.0], ["a", "b", "a"], [0, 1, 0])
    assert ann.items.tolist() == [1, "x", 2]  # 2.0 becomes 2


def test_unlabeled_drop_and_take() -> None:
    wide = pd.DataFrame({"a": [0, None, 1], "b": [1, None, None], "c": [None, None, None]})
    with pytest.raises(InputError, match="have no labels"):
        Annotations.from_wide(wide)
    ann = Annotations.from_wide(wide, unlabeled="drop")
    assert ann.items.tolist() == [0, 2] and ann.annotators.tolist() == ["a", "b"]
    sub = ann.take([0])
    assert sub.n_items == 1 and sub.n_annotators == 1


def test_files(tmp_path, long_df: pd.DataFrame) -> None:
    for ext in ("csv", "tsv", "parquet", "jsonl"):
        path = tmp_path / f"a.{ext}"
        if ext == "csv":
            long_df.to_csv(path, index=False)
        elif ext == "tsv":
            long_df.to_csv(path, sep="\t", index=False)
        elif ext == "parquet":
            long_df.to_parquet(path)
        else:
            long_df.to_json(path, orient="records", lines=True)
        assert read_annotations(path) == Annotations.from_long(long_df), ext
    wide_path = tmp_path / "wide.csv"
    pd.DataFrame({"item": ["x", "y"], "w1": [0, None], "w2": [1, 1]}).to_csv(wide_path, index=False)
    ann = read_annotations(wide_path)
    assert ann.items.tolist() == ["x", "y"] and ann.annotators.tolist() == ["w1", "w2"]


def test_large_wide_is_fast_and_flat() -> None:
    # 1e4 x 200 here (the 1e5 x 1,000 figure lives in benchmarks/); checks correctness
    rng = np.random.default_rng(0)
    n, m = 10_000, 200
    arr = np.full((n, m), np.nan)
    cols = np.argsort(rng.random((n, m)), axis=1)[:, :5]
    arr[np.arange(n)[:, None], cols] = rng.integers(0, 10, (n, 5))
    ann = Annotations.from_wide(pd.DataFrame(arr))
    assert ann.n_annotations == 5 * n
    assert np.array_equal(np.bincount(ann.item), np.full(n, 5))


def test_gold_and_meta() -> None:
    df = pd.DataFrame(
        {
            "item": [1, 1, 2],
            "worker": ["a", "b", "a"],
            "label": ["x", "y", "y"],
            "seconds": [3.0, 4.0, 5.0],
        }
    )
    ann = Annotations.from_long(df, meta_cols=["seconds"]).with_gold({2: "y"})
    assert ann.gold.tolist() == [-1, 1]
    assert ann.take([2]).meta["seconds"].tolist() == [5.0]


def test_warnings_point_at_the_callers_line(tmp_path) -> None:
    """A repair warning names the user's line, whatever path inside labeljury raised it."""
    import warnings

    import labeljury

    df = pd.DataFrame({"item": [1, 1, 1], "worker": ["a", "a", "b"], "label": [0, 1, 1]})
    path = tmp_path / "answers.csv"
    df.to_csv(path, index=False)
    for source in (df, path, str(path)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            labeljury.read_annotations(source)
        assert caught, source
        assert all(w.filename == __file__ for w in caught), [w.filename for w in caught]
