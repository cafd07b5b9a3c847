"""aggregate() tables, atomic saving, pred_probs alignment and the CLI."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import labeljury
from labeljury import Annotations
from labeljury.cli import build_parser, main
from labeljury.pred_probs import align_pred_probs

DATA = Path(__file__).parent / "data"


@pytest.fixture
def ann() -> Annotations:
    # item "z" is a tie broken by pred_probs; "k" unanimous
    df = pd.DataFrame(
        {
            "item": ["k", "k", "k", "z", "z", "m", "m", "m"],
            "worker": ["a", "b", "c", "a", "b", "a", "b", "c"],
            "label": ["cat", "cat", "cat", "cat", "dog", "dog", "dog", "cat"],
        }
    )
    return Annotations.from_long(df)


def test_tables(ann: Annotations) -> None:
    res = labeljury.aggregate(ann, method="majority_vote")
    lq = res.label_quality
    assert lq.columns.tolist() == [
        "item",
        "consensus_label",
        "consensus_quality_score",
        "annotator_agreement",
        "num_annotations",
    ]
    assert lq["item"].tolist() == ["k", "z", "m"]
    assert lq["consensus_label"].tolist() == ["cat", "cat", "dog"]  # tie -> more frequent class
    np.testing.assert_allclose(lq["annotator_agreement"], [1, 0.5, 2 / 3])
    assert lq["num_annotations"].tolist() == [3, 2, 3]
    d = res.detailed_label_quality
    assert len(d) == ann.n_annotations and d.columns.tolist() == [
        "item",
        "annotator",
        "label",
        "label_quality_score",
    ]
    st = res.annotator_stats
    assert st.columns.tolist()[:5] == [
        "annotator",
        "annotator_quality",
        "agreement_with_consensus",
        "num_examples_labeled",
        "worst_class",
    ]
    assert st["annotator_quality"].is_monotonic_increasing  # worst first
    row_c = st.set_index("annotator").loc["c"]
    assert row_c["worst_class"] == "dog" and row_c["num_examples_labeled"] == 2


def test_tie_broken_by_pred_probs(ann: Annotations) -> None:
    probs = np.array([[0.9, 0.1], [0.2, 0.8], [0.5, 0.5]])
    res = labeljury.aggregate(ann, method="majority_vote", pred_probs=probs)
    assert res.consensus["z"] == "dog"


def test_include_probas(ann: Annotations) -> None:
    lq = labeljury.aggregate(ann, include_probas=True).label_quality
    np.testing.assert_allclose(lq[["proba_cat", "proba_dog"]].sum(axis=1), 1)


def test_save_csv_and_parquet(tmp_path: Path, ann: Annotations) -> None:
    res = labeljury.aggregate(ann)
    files = res.save(tmp_path / "out")
    assert sorted(f.name for f in files) == [
        "annotator_stats.csv",
        "detailed_label_quality.csv",
        "label_quality.csv",
    ]
    back = pd.read_csv(tmp_path / "out" / "label_quality.csv")
    assert back["consensus_label"].tolist() == res.label_quality["consensus_label"].tolist()
    res.save(tmp_path / "pq", format="parquet")
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "pq" / "annotator_stats.parquet"), res.annotator_stats
    )
    assert not list((tmp_path / "out").glob("*.tmp"))


def test_save_is_atomic(tmp_path: Path, ann: Annotations, monkeypatch) -> None:
    res = labeljury.aggregate(ann)
    target = tmp_path / "label_quality.csv"
    target.write_text("precious user data\n")

    def broken(self, path, *a, **k):
        Path(path).write_text("half-writ")
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", broken)
    with pytest.raises(OSError, match="disk full"):
        res.save(tmp_path)
    assert target.read_text() == "precious user data\n"
    assert [p.name for p in tmp_path.iterdir()] == ["label_quality.csv"]  # no temp left


def test_npy_rows_follow_sorted_ids(tmp_path: Path) -> None:
    ann = Annotations.from_arrays([30, 10, 20], ["a", "a", "a"], [0, 1, 1])
    sorted_probs = np.array([[0.1, 0.9], [0.2, 0.8], [0.3, 0.7]])  # ids 10, 20, 30
    np.save(tmp_path / "p.npy", sorted_probs)
    got = align_pred_probs(tmp_path / "p.npy", ann)
    np.testing.assert_allclose(got, sorted_probs[[2, 0, 1]])  # in ann.items order 30, 10, 20


def test_pred_probs_table_file_matched_by_id(tmp_path: Path) -> None:
    ann = Annotations.from_arrays(["b", "a"], [0, 0], ["x", "y"])
    pd.DataFrame({"id": ["a", "b"], "x": [0.1, 0.7], "y": [0.9, 0.3]}).to_csv(
        tmp_path / "p.csv", index=False
    )
    np.testing.assert_allclose(align_pred_probs(tmp_path / "p.csv", ann), [[0.7, 0.3], [0.1, 0.9]])


def test_cli_aggregate_end_to_end(tmp_path: Path, capsys) -> None:
    answers = DATA / "temp" / "answers.csv"
    out = tmp_path / "out"
    assert main(["aggregate", str(answers), "--method", "majority_vote", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "MajorityVote" in text and "462 items" in text
    lq = pd.read_csv(out / "label_quality.csv")
    assert len(lq) == 462
    # the same consensus from Python
    res = labeljury.aggregate(answers, method="majority_vote")
    assert lq["consensus_label"].tolist() == res.label_quality["consensus_label"].tolist()


def test_cli_param_reaches_the_method(tmp_path: Path, capsys) -> None:
    """--param NAME=VALUE is the method's constructor argument (JSON value, else text)."""
    answers = DATA / "temp" / "answers.csv"
    out = tmp_path / "out"
    argv = ["aggregate", str(answers), "--method", "dawid_skene", "--quiet"]
    assert main([*argv, "--param", "max_iter=100", "--out", str(out)]) == 0
    lq = pd.read_csv(out / "label_quality.csv")
    converged = labeljury.aggregate(answers, method="dawid_skene", max_iter=100)
    early = labeljury.aggregate(answers, method="dawid_skene")
    want = converged.label_quality["consensus_quality_score"].to_numpy()
    assert np.allclose(lq["consensus_quality_score"], want, atol=1e-6)
    assert not np.allclose(want, early.label_quality["consensus_quality_score"], atol=1e-6)
    capsys.readouterr()
    for bad, says in (
        (["--param", "max_iters=100"], "did you mean 'max_iter'"),
        (["--param", "oops"], "expected NAME=VALUE"),
        (["--param", "max_iter=1", "--param", "max_iter=2"], "given twice"),
        (["--param", "max_iter=-3"], "max_iter"),
    ):
        assert main([*argv, *bad]) == 2
        assert says in capsys.readouterr().err


def test_cli_pred_probs_npy(tmp_path: Path) -> None:
    answers = DATA / "temp" / "answers.csv"
    ann = labeljury.read_annotations(answers)
    n = ann.n_items
    probs = np.tile([0.5, 0.5], (n, 1))
    np.save(tmp_path / "p.npy", probs)
    assert (
        main(
            [
                "aggregate",
                str(answers),
                "--pred-probs",
                str(tmp_path / "p.npy"),
                "--out",
                str(tmp_path / "o"),
                "--quiet",
            ]
        )
        == 0
    )
    bad = tmp_path / "bad.npy"
    np.save(bad, probs[:-1])
    assert (
        main(
            [
                "aggregate",
                str(answers),
                "--pred-probs",
                str(bad),
                "--out",
                str(tmp_path / "o"),
                "--quiet",
            ]
        )
        == 2
    )


def test_cli_gold_file_pins_items_and_calibrates_jury(tmp_path: Path, capsys) -> None:
    answers = DATA / "temp" / "answers.csv"
    gold = pd.read_csv(DATA / "temp" / "gold.csv")
    part = gold.iloc[:60].rename(columns={"label": "gold"})
    part.to_csv(tmp_path / "gold.csv", index=False)
    out = tmp_path / "out"
    assert (
        main(["aggregate", str(answers), "--gold", str(tmp_path / "gold.csv"), "--out", str(out)])
        == 0
    )
    printed = capsys.readouterr().out
    assert "60 gold items pinned to their class; consensus quality scores calibrated" in printed
    assert "auto: jury, labeljury's default" in printed  # which method auto used, and why
    assert (
        main(
            [
                "aggregate",
                str(answers),
                "--gold",
                str(tmp_path / "gold.csv"),
                "--method",
                "majority_vote",
                "--out",
                str(tmp_path / "mv"),
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    assert "60 gold items, not pinned by MajorityVote" in printed
    assert "auto:" not in printed
    assert "on the gold items (5-fold" in printed  # measured all the same
    assert "tip: --gold" not in printed
    # without gold, jury's summary suggests giving some; majority vote's does not
    assert main(["aggregate", str(answers), "--out", str(tmp_path / "plain")]) == 0
    assert "tip: --gold FILE" in capsys.readouterr().out
    assert (
        main(
            [
                "aggregate",
                str(answers),
                "--method",
                "majority_vote",
                "--out",
                str(tmp_path / "plain_mv"),
            ]
        )
        == 0
    )
    assert "tip: --gold" not in capsys.readouterr().out
    lq = pd.read_csv(out / "label_quality.csv")
    pinned = lq.set_index(lq.columns[0]).loc[part["item"]]
    assert pinned["consensus_label"].tolist() == part["gold"].tolist()
    ann = labeljury.cli.read_gold(str(tmp_path / "gold.csv"), labeljury.read_annotations(answers))
    assert int((ann.gold >= 0).sum()) == 60
    from labeljury.methods import Jury

    assert Jury().fit(ann).describe()["gold_calibration_items"] == 60


@pytest.mark.parametrize(
    "rows, words",
    [
        ("item,gold\n0,0\n0,1\n", "two different gold classes: '0'"),
        ("item,gold\n99999,0\n", "unknown items"),
        ("item,gold\n0,7\n", "outside the classes"),
        ("item\n0\n", "needs an item id column and a class column"),
        ("item,gold\n0,\n", "no gold classes"),
    ],
)
def test_cli_bad_gold_file_gets_a_clear_error(
    tmp_path: Path, capsys, rows: str, words: str
) -> None:
    path = tmp_path / "gold.csv"
    path.write_text(rows)
    assert (
        main(
            [
                "aggregate",
                str(DATA / "temp" / "answers.csv"),
                "--gold",
                str(path),
                "--out",
                str(tmp_path / "o"),
                "--quiet",
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert words in err and "gold.csv" in err


def test_cli_methods_lists_all(capsys) -> None:
    from labeljury.methods import METHODS

    assert main(["methods", "--plain"]) == 0
    out = capsys.readouterr().out
    for name in METHODS:
        assert name in out


def test_help_everywhere(capsys) -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name in sub.choices:
        with pytest.raises(SystemExit) as exc:
            main([name, "--help"])
        assert exc.value.code == 0
        assert "usage: labeljury " + name in capsys.readouterr().out


def test_demo_runs(capsys) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "weather_sentiment_amt" in out and "dawid_skene" in out


def test_import_is_light() -> None:
    import subprocess
    import sys

    code = (
        "import sys, labeljury; heavy = [m for m in ('pandas', 'sklearn', 'scipy', "
        "'matplotlib', 'rich') if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
