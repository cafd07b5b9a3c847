"""Every kind of bad input gets a labeljury error that names the problem and where it is."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import labeljury
from labeljury import Annotations, read_annotations
from labeljury.errors import (
    ClassError,
    DuplicateAnnotationError,
    EmptyInputError,
    IdMismatchError,
    InputError,
    LabeljuryError,
    MissingColumnError,
    MissingValueError,
    PredProbsError,
    UnknownMethodError,
)


@pytest.fixture
def df() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "item": ["a", "a", "b", "b"],
            "worker": ["w1", "w2", "w1", "w2"],
            "label": ["x", "y", "y", "y"],
        }
    )


def test_hierarchy() -> None:
    for exc in (
        ClassError,
        DuplicateAnnotationError,
        EmptyInputError,
        IdMismatchError,
        MissingColumnError,
        MissingValueError,
        PredProbsError,
        UnknownMethodError,
    ):
        assert issubclass(exc, LabeljuryError)


def test_empty_dataframe() -> None:
    with pytest.raises(EmptyInputError, match="no rows"):
        Annotations.from_long(pd.DataFrame({"item": [], "worker": [], "label": []}))


def test_empty_file(tmp_path) -> None:
    p = tmp_path / "empty.csv"
    p.write_text("")
    with pytest.raises(EmptyInputError, match="empty.csv: the file is empty"):
        read_annotations(p)


def test_header_only_file(tmp_path) -> None:
    p = tmp_path / "header.csv"
    p.write_text("item,worker,label\n")
    with pytest.raises(EmptyInputError, match="header.csv"):
        read_annotations(p)


def test_ragged_row(tmp_path) -> None:
    p = tmp_path / "ragged.csv"
    p.write_text("item,worker,label\n1,a,x\n2,b,y,extra,more\n")
    with pytest.raises(InputError, match="ragged.csv"):
        read_annotations(p)


def test_missing_column(df: pd.DataFrame) -> None:
    with pytest.raises(MissingColumnError, match="no label column 'answer'"):
        Annotations.from_long(df, label_col="answer")
    with pytest.raises(MissingColumnError, match="cannot tell which column holds the label"):
        Annotations.from_long(df.rename(columns={"label": "zzz"}))


@pytest.mark.parametrize("bad", [np.nan, None, "", "  "])
def test_nan_or_empty_ids(df: pd.DataFrame, bad: object) -> None:
    df = df.astype(object)
    df.loc[2, "item"] = bad
    with pytest.raises(MissingValueError, match="row 2: item id is missing"):
        Annotations.from_long(df)
    df2 = df.copy()
    df2.loc[2, "item"] = "b"
    df2.loc[1, "worker"] = bad
    with pytest.raises(MissingValueError, match="row 1: annotator id is missing"):
        Annotations.from_long(df2)


def test_missing_label_in_file_names_line(tmp_path) -> None:
    p = tmp_path / "a.csv"
    p.write_text("item,worker,label\n1,a,x\n1,b,\n")
    with pytest.raises(MissingValueError, match=r"a.csv line 3: label is missing"):
        read_annotations(p)


def test_label_outside_classes(df: pd.DataFrame) -> None:
    with pytest.raises(ClassError, match=r"row 0.*'x'.*not among the classes"):
        Annotations.from_long(df, classes=["y", "z"])


def test_cli_label_outside_classes(tmp_path, df: pd.DataFrame, capsys) -> None:
    from labeljury.cli import main

    p = tmp_path / "a.csv"
    df.to_csv(p, index=False)
    assert main(["aggregate", str(p), "--classes", "y", "z", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "a.csv line 2" in err and "'x'" in err


@pytest.mark.parametrize("sentinel", [-1, -999])
def test_sentinel_in_long(sentinel: int) -> None:
    df = pd.DataFrame({"item": [1, 1], "worker": ["a", "b"], "label": [0, sentinel]})
    with pytest.raises(ClassError, match="looks like a 'missing' sentinel.*drop the row"):
        Annotations.from_long(df)


def test_sentinel_in_wide() -> None:
    wide = np.array([[0, -1], [1, 1]])
    with pytest.raises(ClassError, match=r"row 0, annotator column 1 holds -1.*empty"):
        Annotations.from_wide(wide)


def test_sentinel_allowed_when_declared() -> None:
    df = pd.DataFrame({"item": [1, 1], "worker": ["a", "b"], "label": [1, -1]})
    assert Annotations.from_long(df, classes=[-1, 1]).n_annotations == 2


def test_sentinel_with_explicit_classes_hint(df: pd.DataFrame) -> None:
    d = pd.DataFrame({"item": [1, 1], "worker": ["a", "b"], "label": [0, -1]})
    with pytest.raises(ClassError, match="sentinel"):
        Annotations.from_long(d, classes=[0, 1])


def test_item_with_no_labels() -> None:
    with pytest.raises(InputError, match=r"1 item\(s\) have no labels: 'c'"):
        Annotations.from_long(
            pd.DataFrame({"item": ["a", "b"], "worker": [1, 1], "label": [0, 1]}),
            items=["a", "b", "c"],
        )


def test_annotator_with_no_labels() -> None:
    wide = pd.DataFrame({"w1": [0, 1], "w2": [None, None], "w3": [1, 1]})
    with pytest.raises(InputError, match=r"annotator\(s\) have no labels: 'w2'"):
        Annotations.from_wide(wide)


def test_single_class() -> None:
    with pytest.raises(ClassError, match="at least two classes"):
        Annotations.from_arrays([0, 1], [0, 0], ["x", "x"])


@pytest.mark.parametrize(
    ("probs", "match"),
    [
        (np.full((3, 2), 0.5), r"shape \(3, 2\); expected \(2, 2\)"),
        (np.array([[0.5, np.nan], [0.5, 0.5]]), "NaN or infinite values in rows 0"),
        (np.array([[1.2, -0.2], [0.5, 0.5]]), "negative probabilities in rows 0"),
        (np.array([[0.5, 0.5], [0.9, 0.9]]), "rows 1 do not sum to 1"),
    ],
)
def test_bad_pred_probs(df: pd.DataFrame, probs: np.ndarray, match: str) -> None:
    before = probs.copy()
    with pytest.raises(PredProbsError, match=match):
        labeljury.aggregate(df, method="majority_vote", pred_probs=probs)
    np.testing.assert_array_equal(before, probs)


def test_pred_probs_ids_mismatch(df: pd.DataFrame) -> None:
    table = pd.DataFrame({"item": ["a", "c"], "x": [0.5, 0.5], "y": [0.5, 0.5]})
    with pytest.raises(IdMismatchError, match=r"no predicted probabilities: 'b'.*'c'"):
        labeljury.aggregate(df, pred_probs=table)


def test_pred_probs_missing_class_column(df: pd.DataFrame) -> None:
    table = pd.DataFrame({"item": ["a", "b"], "x": [0.5, 0.5]})
    with pytest.raises(MissingColumnError, match="class\\(es\\) 'y'"):
        labeljury.aggregate(df, pred_probs=table)


def test_npy_wrong_shape(tmp_path, df: pd.DataFrame) -> None:
    p = tmp_path / "p.npy"
    np.save(p, np.full((2, 3), 1 / 3))
    with pytest.raises(PredProbsError, match="p.npy has shape"):
        labeljury.aggregate(df, pred_probs=p)


def test_unknown_method(df: pd.DataFrame) -> None:
    with pytest.raises(UnknownMethodError, match="no method named 'bogus'; choose one of"):
        labeljury.aggregate(df, method="bogus")


def test_nothing_modified(df: pd.DataFrame) -> None:
    before = df.copy()
    probs = np.array([[0.3, 0.7], [0.6, 0.4]])
    p_before = probs.copy()
    labeljury.aggregate(df, method="dawid_skene", pred_probs=probs)
    pd.testing.assert_frame_equal(df, before)
    np.testing.assert_array_equal(probs, p_before)


# ------------------------------------------------------- hostile-input campaign (issue 21)
def _small() -> pd.DataFrame:
    n = 40
    return pd.DataFrame(
        {
            "item": np.repeat(np.arange(n), 3),
            "worker": np.tile(["a", "b", "c"], n),
            "label": np.repeat(np.arange(n) % 2, 3),
        }
    )


@pytest.mark.parametrize("bad", [None, 5, 2.5, [1, 2, 3], {"a": 1}, "no/such/file.csv"])
def test_aggregate_refuses_non_annotations(bad: object) -> None:
    with pytest.raises(LabeljuryError):
        labeljury.aggregate(bad)


@pytest.mark.parametrize(
    "params, words",
    [
        ({"max_iter": -5}, "max_iter must be an integer >= 0"),
        ({"max_iter": 2.5}, "max_iter must be an integer"),
        ({"tol": float("nan")}, "tol must be a number, not NaN"),
        ({"tol": -1.0}, "tol must be >= 0"),
        ({"max_iters": 5}, "no parameter 'max_iters' \\(did you mean 'max_iter'"),
        ({"random_state": "x"}, "no parameter|random_state"),
    ],
)
def test_method_parameters_checked(df: pd.DataFrame, params: dict, words: str) -> None:
    from labeljury.errors import ParameterError

    with pytest.raises(ParameterError, match=words):
        labeljury.aggregate(df, method="dawid_skene", **params)


def test_unknown_parameter_on_an_instance(df: pd.DataFrame) -> None:
    from labeljury.errors import ParameterError
    from labeljury.methods import DawidSkene

    with pytest.raises(ParameterError, match="no parameter 'bogus'"):
        labeljury.aggregate(df, method=DawidSkene(), bogus=1)
    with pytest.raises(ParameterError):
        DawidSkene(max_iter=-1).fit(df)


def test_million_labels_hit_the_dense_limit() -> None:
    from labeljury.errors import TooLargeError
    from labeljury.validation import MAX_DENSE_CELLS

    n = 20_000
    df = pd.DataFrame({"item": np.arange(n), "worker": 0, "label": np.arange(n)})
    assert n * n > MAX_DENSE_CELLS
    with pytest.raises(TooLargeError, match="above labeljury's limit"):
        labeljury.aggregate(df, method="majority_vote")


@pytest.mark.parametrize(
    "table, words",
    [
        (pd.DataFrame({"item": ["a", "b"], "x": ["zz", 0.5], "y": [0.5, 0.5]}), "not a number"),
        (pd.DataFrame({"item": ["a", "b"], "x": [0.5, np.inf], "y": [0.5, 0.5]}), "infinite"),
        (pd.DataFrame({"item": ["a", "a"], "x": [0.5, 0.5], "y": [0.5, 0.5]}), "repeat"),
    ],
)
def test_pred_probs_tables_refused(df: pd.DataFrame, table: pd.DataFrame, words: str) -> None:
    with pytest.raises(PredProbsError if words != "repeat" else IdMismatchError, match=words):
        labeljury.aggregate(df, pred_probs=table)


@pytest.mark.parametrize(
    "features, words",
    [
        (
            lambda ids: pd.DataFrame({"item": ids, "f": np.r_[np.inf, np.zeros(len(ids) - 1)]}),
            "infinite values",
        ),
        (
            lambda ids: pd.DataFrame({"item": ids, "f": np.arange(len(ids)), "g": np.nan}),
            "empty in every row",
        ),
        (lambda ids: np.zeros((len(ids), 0)), "zero columns"),
        (
            lambda ids: pd.DataFrame({"item": ids, "f": 1.0, "f2": 2.0}).rename(
                columns={"f2": "f"}
            ),
            "repeat",
        ),
    ],
)
def test_feature_tables_refused(features, words: str) -> None:
    df = _small()
    f = features(np.arange(40))
    with pytest.raises(InputError, match=words):
        labeljury.run(
            df,
            f,
            features_id_col="item" if isinstance(f, pd.DataFrame) else None,
            max_rounds=1,
            progress=False,
        )


def test_numbers_stored_as_text_in_features_converted_with_a_warning() -> None:
    from labeljury.errors import InputWarning
    from labeljury.validation import check_features

    with pytest.warns(InputWarning, match="numbers stored as text"):
        out = check_features(pd.DataFrame({"f": ["0.5", "1.5", None]}))
    assert out["f"].dtype.kind == "f"
    with pytest.warns(InputWarning, match="number stored as text"):
        arr = check_features(np.array([["1.0", "2"], ["3", "4"]]))
    assert arr.dtype.kind == "f"


def test_corrupt_npz_and_npy_on_the_cli(tmp_path, capsys) -> None:
    from labeljury.cli import main

    answers = tmp_path / "a.csv"
    _small().to_csv(answers, index=False)
    for name in ("emb.npz", "emb.npy"):
        bad = tmp_path / name
        bad.write_bytes(b"PK\x03\x04 not really a zip" if name.endswith("z") else b"\x93NUMPY")
        assert (
            main(
                [
                    "run",
                    str(answers),
                    "--embeddings",
                    str(bad),
                    "--out",
                    str(tmp_path / "o"),
                    "--quiet",
                ]
            )
            == 2
        )
        err = capsys.readouterr().err
        assert name in err and "Traceback" not in err and "unexpected" not in err


def test_label_studio_choices_nested_too_deep(tmp_path) -> None:
    import json

    import labeljury.io as lio

    task = {
        "id": 1,
        "data": {},
        "annotations": [
            {
                "id": 10,
                "completed_by": 1,
                "result": [{"from_name": "s", "type": "choices", "value": {"choices": [["pos"]]}}],
            }
        ],
    }
    p = tmp_path / "ls.json"
    p.write_text(json.dumps([task]))
    with pytest.raises(InputError, match="nested one level too deep"):
        lio.read(p)


@pytest.mark.parametrize(
    "rows, words",
    [
        ("item,gold\n0,\n1,1\n", "1 gold row\\(s\\) with an empty class left out"),
        ("item,gold\n0,NaN\n1,1\n", "1 gold row\\(s\\) with an empty class left out"),
    ],
)
def test_gold_rows_without_a_class_warned(tmp_path, rows: str, words: str) -> None:
    from labeljury.cli import read_gold
    from labeljury.errors import InputWarning

    ann = Annotations.from_arrays(["0", "0", "1", "1"], ["a", "b", "a", "b"], [0, 1, 1, 1])
    p = tmp_path / "gold.csv"
    p.write_text(rows)
    with pytest.warns(InputWarning, match=words):
        out = read_gold(str(p), ann)
    assert out.gold.tolist() == [-1, 1]


def test_report_is_byte_identical_between_runs(tmp_path, monkeypatch) -> None:
    from labeljury.synth import make_tutorial_data

    # the report's date has minutes; SOURCE_DATE_EPOCH pins it (reproducible builds)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764806400")

    d = make_tutorial_data(random_state=0)
    pages = []
    for name in ("a.html", "b.html"):
        res = labeljury.run(d.annotations, d.features, max_rounds=1, progress=False)
        pages.append(res.report(tmp_path / name).read_bytes())
    assert pages[0] == pages[1]


def test_with_gold_refuses_two_classes_for_one_item_and_warns_on_empty() -> None:
    from labeljury.errors import InputWarning

    ann = Annotations.from_arrays(["a", "a", "b", "b"], ["x", "y", "x", "y"], [0, 1, 1, 1])
    gold = pd.Series([0, 1], index=["a", "a"])
    with pytest.raises(InputError, match="two different gold classes: 'a'"):
        ann.with_gold(gold)
    assert ann.with_gold(pd.Series([1, 1], index=["a", "a"])).gold.tolist() == [1, -1]
    with pytest.warns(InputWarning, match="1 item\\(s\\) with an empty class"):
        assert ann.with_gold({"a": np.nan, "b": 0}).gold.tolist() == [-1, 0]


@pytest.mark.parametrize("bad", ["abc", 5, None, {"a": 1}])
def test_from_arrays_needs_sequences(bad) -> None:
    from labeljury.errors import ParameterError

    with pytest.raises(ParameterError, match="one-dimensional sequence"):
        Annotations.from_arrays(bad, ["a"], [0])


def test_feature_values_too_large_to_model() -> None:
    from labeljury.validation import check_features

    with pytest.raises(InputError, match="too large to model"):
        check_features(pd.DataFrame({"f": [1.0, 3e257]}))


@pytest.mark.parametrize(
    "kw, words",
    [
        ({"max_rounds": -1}, "max_rounds must be an integer >= 1"),
        ({"n_splits": 2.5}, "n_splits must be an integer >= 2"),
        ({"random_state": "x"}, "random_state must be None"),
    ],
)
def test_run_arguments_checked(kw: dict, words: str) -> None:
    from labeljury.errors import ParameterError

    with pytest.raises(ParameterError, match=words):
        labeljury.run(_small(), np.zeros((40, 2)), progress=False, **kw)


@pytest.mark.parametrize(
    "argv, words",
    [
        (["run", "x.csv", "--out", "o", "--max-rounds", "abc"], "invalid int value: 'abc'"),
        (["bogus"], "invalid choice: 'bogus'"),
        (["aggregate"], "required: ANSWERS"),
    ],
)
def test_cli_usage_errors_are_one_line(capsys, argv: list, words: str) -> None:
    from labeljury.cli import main

    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1 and err.startswith("labeljury: error:")
