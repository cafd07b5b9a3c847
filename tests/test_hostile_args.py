"""Hostile arguments, second probe: every public entry point checks its arguments first."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import labeljury
import labeljury.io as lio
from labeljury import Annotations, aggregate, relabel_priority
from labeljury.cli import main
from labeljury.errors import InputError, ParameterError

FORMATS = Path(__file__).resolve().parent / "data" / "formats"
ITEMS = [f"i{n:02d}" for n in range(24)]
ROWS = [
    (it, w, ("cat", "dog", "bird")[(n + (k == 2)) % 3])
    for n, it in enumerate(ITEMS)
    for k, w in enumerate(["w1", "w2", "w3"])
]
DF = pd.DataFrame(ROWS, columns=["item", "worker", "label"])


@pytest.fixture(scope="module")
def ann() -> Annotations:
    return Annotations.from_long(DF)


def cli(argv: list[str]) -> int:
    """``main``'s status; a usage error exits through argparse with status 2."""
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code)


def write_answers(tmp_path: Path) -> Path:
    p = tmp_path / "answers.csv"
    DF.to_csv(p, index=False)
    return p


@pytest.mark.parametrize(
    "kw, words",
    [
        ({"gold_folds": -2}, "n_folds must be an integer >= 2"),
        ({"gold_folds": "3"}, "n_folds must be an integer >= 2"),
        ({"include_probas": "no"}, "include_probas must be True or False"),
        ({"method": "mace", "random_state": -1}, "random_state must be between 0 and 2"),
    ],
)
def test_aggregate_arguments(ann: Annotations, kw: dict, words: str) -> None:
    with pytest.raises(ParameterError, match=words):
        aggregate(ann, **{"method": "majority_vote", **kw})


@pytest.mark.parametrize(
    "kw, words",
    [
        ({"tol": -0.1}, "tol must be >= 0"),
        ({"tol": "small"}, "tol must be a number"),
        ({"n_jobs": 0}, "n_jobs must be None, a positive integer or -1"),
        ({"progress": "yes"}, "progress must be True, False or a function"),
    ],
)
def test_run_arguments(ann: Annotations, kw: dict, words: str) -> None:
    with pytest.raises(ParameterError, match=words):
        labeljury.run(ann, np.zeros((24, 2)), **{"progress": False, **kw})


def test_run_small_folds_with_boosting_fit_without_early_stopping(tmp_path: Path) -> None:
    # 12 training rows and 3 classes: boosting's 10% early-stopping split holds 2 rows
    feats = tmp_path / "f.csv"
    pd.DataFrame({"item": ITEMS, "f1": range(24), "f2": [n % 3 for n in range(24)]}).to_csv(
        feats, index=False
    )
    argv = ["run", str(write_answers(tmp_path)), "--features", str(feats)]
    argv += ["--out", str(tmp_path / "o"), "--folds", "2", "--max-rounds", "1", "--no-report"]
    assert main([*argv, "--quiet"]) == 0
    assert len(pd.read_csv(tmp_path / "o" / "pred_probs.csv")) == 24


@pytest.mark.parametrize("path", [None, 5, ""])
def test_result_paths_checked(ann: Annotations, path) -> None:
    res = aggregate(ann, method="majority_vote")
    with pytest.raises(ParameterError, match="needs a folder"):
        res.save(path)
    with pytest.raises(ParameterError, match="needs a file path"):
        res.report(path)


def test_relabel_priority_named_unlabeled_ids(ann: Annotations) -> None:
    pp, pu = np.full((24, 3), 1 / 3), np.full((2, 3), 1 / 3)
    with pytest.raises(InputError, match="'i00' are also ids of labeled items"):
        relabel_priority(ann, pp, pu, unlabeled_ids=["i00", "new"])
    with pytest.raises(InputError, match="1 ids for 2 rows"):
        relabel_priority(ann, pp, pu, unlabeled_ids=["new"])
    with pytest.raises(InputError, match="unlabeled_ids repeat"):
        relabel_priority(ann, pp, pu, unlabeled_ids=["new", "new"])
    out = relabel_priority(ann, pp, pu)  # the default ids 0..n-1
    assert (~out["labeled"]).sum() == 2


def test_annotations_methods_check_arguments(ann: Annotations) -> None:
    with pytest.raises(ParameterError, match=r"in \[0, 72\)"):
        ann.take([1000])
    with pytest.raises(ParameterError, match="one entry per annotation"):
        ann.take(np.ones(3, bool))
    with pytest.raises(ParameterError, match="'first' or 'last'"):
        ann.deduplicate(keep="middle")
    with pytest.raises(ParameterError, match="mapping or Series"):
        ann.with_gold(None)


@pytest.mark.parametrize(
    "kw, words",
    [
        ({"path": 5}, "needs a path"),
        ({"keep_skipped": "no"}, "keep_skipped must be True or False"),
        ({"format": None}, "format must be a name"),
        ({"question": 3}, "question must be a name"),
    ],
)
def test_io_read_arguments(kw: dict, words: str) -> None:
    kw = {"path": FORMATS / "toloka" / "assignments.tsv", **kw}
    with pytest.raises(ParameterError, match=words):
        lio.read(**kw)


@pytest.mark.parametrize(
    "extra, words",
    [
        (["--method", "dawid_skene", "--param", "max_iter=null"], "max_iter must be an integer"),
        (["--partitions", "0"], "expected a whole number >= 1"),
        (["--workers", "-2"], "expected a whole number >= 1"),
    ],
)
def test_cli_arguments_one_line(tmp_path: Path, capsys, extra: list, words: str) -> None:
    assert cli(["aggregate", str(write_answers(tmp_path)), *extra]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and words in err[0] and "unexpected" not in err[0]


def test_cli_agreement_min_shared_checked_before_reading(tmp_path: Path, capsys) -> None:
    assert cli(["agreement", str(write_answers(tmp_path)), "--min-shared", "-3"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "whole number >= 0" in err[0]
    with pytest.raises(ParameterError, match="min_shared must be an integer >= 0"):
        labeljury.agreement.agreement(Annotations.from_long(DF), min_shared=-1)


def test_cli_export_out_is_a_file(tmp_path: Path, capsys) -> None:
    out = tmp_path / "tasks.json"
    out.write_text("[]")  # an earlier export: replaced, not refused as "not a folder"
    main(["export", "--relabel", str(tmp_path), "--out", str(out)])
    assert "not a folder" not in capsys.readouterr().err


def test_cli_report_inputs_without_report_warned(tmp_path: Path, capsys) -> None:
    names = tmp_path / "names.json"
    names.write_text("{broken")
    argv = ["aggregate", str(write_answers(tmp_path)), "--method", "majority_vote"]
    assert main([*argv, "--class-names", str(names), "--quiet"]) == 0
    assert "--class-names only serve report.html" in capsys.readouterr().err
    argv += ["--out", str(tmp_path / "o"), "--report", "--class-names", str(names)]
    assert main(argv) == 2  # read before any work: nothing written
    assert not (tmp_path / "o" / "label_quality.csv").exists()


@pytest.mark.parametrize(
    "argv", [["demo", "--seed", "-5"], ["run", "a.csv", "--out", "o", "--seed", "-1"]]
)
def test_cli_negative_seed_is_a_usage_error(capsys, argv: list) -> None:
    assert cli(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "expected a whole number >= 0" in err[0]


def test_run_text_columns_checked(ann: Annotations) -> None:
    feats = pd.DataFrame({"t": ["a b c"] * 24, "u": ["good kettle"] * 24}, index=ITEMS)
    with pytest.raises(InputError, match="text column.*'t' hold no word of two or more"):
        labeljury.run(ann, feats, text_cols="t", progress=False, max_rounds=1, n_splits=2)


def test_from_sparse_needs_a_matrix() -> None:
    with pytest.raises(ParameterError, match="scipy sparse matrix"):
        Annotations.from_sparse(None)


def test_result_agreement_checks_min_shared(ann: Annotations) -> None:
    res = aggregate(ann, method="majority_vote")
    with pytest.raises(ParameterError, match="min_shared must be an integer >= 0"):
        res.agreement(min_shared="x")


@pytest.mark.parametrize("kw", [{"from_name": None}, {"to_name": " "}])
def test_label_studio_prediction_names_checked(ann: Annotations, tmp_path: Path, kw) -> None:
    lq = aggregate(ann, method="majority_vote").label_quality
    with pytest.raises(ParameterError, match="name of a tag"):
        lio.write_label_studio_predictions(
            lq, tmp_path / "p.json", **{"from_name": "s", "to_name": "t", **kw}
        )
    assert not (tmp_path / "p.json").exists()


def test_multi_label_text_rules() -> None:
    from labeljury.multilabel.data import MultiLabelAnnotations
    from labeljury.multilabel.reader import read_multilabel

    df = pd.DataFrame(
        {"item": list("aabb"), "worker": list("xyxy"), "label": ["p|q", "p", "q", "p"]}
    )
    with pytest.raises(InputError, match="control character"):
        read_multilabel(df.assign(label=["p|\x1bq", "p", "q", "p"]))
    with pytest.raises(ParameterError, match="classes must be a list"):
        read_multilabel(df, classes="pq")
    with pytest.raises(ParameterError, match="judgement 0 is the text 'pq'"):
        MultiLabelAnnotations.from_sets(list("ab"), list("xx"), ["pq", ["p"]])
