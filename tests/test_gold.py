"""Gold that measures: k-fold consensus accuracy on gold, annotator accuracy, calibration."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import labeljury
from labeljury.cli import main
from labeljury.gold import evaluate_gold, expected_calibration_error
from labeljury.synth.generative import make_dawid_skene


@pytest.fixture(scope="module")
def crowd():
    # sparse, noisy crowd: 3 labels per item from annotators right 55-80% of the time
    ann, truth, params = make_dawid_skene(
        1500, 30, 3, labels_per_item=3, accuracy=(0.55, 0.8), random_state=3
    )
    return ann, truth, params


def _with_gold(ann, truth, items):
    return ann.with_gold(pd.Series(ann.classes.take(truth[items]), index=ann.items[items]))


def test_all_gold_is_no_longer_a_trivial_one(crowd) -> None:
    ann, truth, _ = crowd
    res = labeljury.aggregate(_with_gold(ann, truth, np.arange(ann.n_items)))
    plain = labeljury.aggregate(ann)
    true_acc = float(np.mean(plain.method.labels_ == truth))
    s = res.summary()
    # every final label is pinned to its gold class ...
    assert np.array_equal(res.method.labels_, truth)
    # ... but the measured accuracy is that of labels fitted without their own class
    assert s["gold_accuracy"] < 0.97
    assert abs(s["gold_accuracy"] - true_acc) < 0.03
    assert s["gold_folds"] == 5 and res.gold.n_gold == ann.n_items


def test_honest_accuracy_tracks_the_true_accuracy_on_other_items(crowd) -> None:
    ann, truth, _ = crowd
    gold_items = np.random.default_rng(0).choice(ann.n_items, 400, replace=False)
    res = labeljury.aggregate(_with_gold(ann, truth, gold_items))
    others = np.setdiff1d(np.arange(ann.n_items), gold_items)
    true_acc = float(np.mean(res.method.labels_[others] == truth[others]))
    # 400 gold items: sampling error of an accuracy near 0.85 is about 0.018
    assert abs(res.gold.accuracy - true_acc) < 0.06
    assert res.gold.accuracy < 0.99  # pinned gold would say 1.000
    # the same with a method that does not pin gold
    mv = labeljury.aggregate(_with_gold(ann, truth, gold_items), method="majority_vote")
    assert mv.gold.accuracy == pytest.approx(
        np.mean(mv.method.labels_[gold_items] == truth[gold_items])
    )


def test_annotator_accuracy_on_gold(crowd) -> None:
    ann, truth, params = crowd
    res = labeljury.aggregate(_with_gold(ann, truth, np.arange(ann.n_items)))
    st = res.annotator_stats.set_index("annotator")
    assert {"n_gold", "gold_accuracy"} <= set(st.columns)
    assert st["n_gold"].sum() == ann.n_annotations
    codes = ann.annotators.get_indexer(st.index)
    hits = np.bincount(
        ann.annotator, weights=ann.label == truth[ann.item], minlength=ann.n_annotators
    )
    expected = hits / np.bincount(ann.annotator, minlength=ann.n_annotators)
    np.testing.assert_allclose(st["gold_accuracy"].to_numpy(), expected[codes])
    # and it follows the simulated accuracies (mean of the diagonal of each confusion matrix)
    sim = np.einsum("akk->ak", params["confusion_matrices"]).mean(axis=1)
    # (about 150 labels each: sampling error ~0.04 against a spread of ~0.05)
    assert np.corrcoef(sim[codes], st["gold_accuracy"])[0, 1] > 0.5


def test_calibration_on_gold(crowd) -> None:
    ann, truth, _ = crowd
    res = labeljury.aggregate(_with_gold(ann, truth, np.arange(0, ann.n_items, 3)))
    ev = res.gold
    assert 0 <= ev.ece <= 1
    assert ev.ece == pytest.approx(expected_calibration_error(ev.scores, ev.correct))
    table = ev.calibration_table()
    assert table["items"].sum() == ev.n_gold
    assert abs(ev.mean_quality - ev.accuracy) < 0.1


def test_ece_by_hand() -> None:
    assert expected_calibration_error([0.95, 0.95, 0.55, 0.55], [1, 1, 0, 0]) == pytest.approx(
        (2 * 0.05 + 2 * 0.55) / 4
    )
    assert np.isnan(expected_calibration_error([], []))


def test_no_gold_no_evaluation(crowd) -> None:
    ann, _, _ = crowd
    res = labeljury.aggregate(ann, method="majority_vote")
    assert res.gold is None and "gold_accuracy" not in res.summary()
    assert "n_gold" not in res.annotator_stats.columns
    assert evaluate_gold(ann, res.method) is None


def test_run_measures_gold_too() -> None:
    from labeljury.synth import make_tutorial_data

    data = make_tutorial_data(random_state=0)
    truth = np.asarray(data.true_labels)
    ann = data.annotations
    gold_items = np.arange(0, ann.n_items, 4)
    res = labeljury.run(
        _with_gold(ann, truth, gold_items), data.features, max_rounds=2, progress=False
    )
    assert res.gold is not None and res.gold.n_gold == len(gold_items)
    assert np.array_equal(res.method.labels_[gold_items], truth[gold_items])
    assert 0.5 < res.summary()["gold_accuracy"] <= 1.0


def test_cli_reports_gold(tmp_path: Path, capsys) -> None:
    data = Path(__file__).parent / "data" / "temp"
    gold = pd.read_csv(data / "gold.csv")
    gold.to_csv(tmp_path / "gold.csv", index=False)
    assert (
        main(
            [
                "aggregate",
                str(data / "answers.csv"),
                "--gold",
                str(tmp_path / "gold.csv"),
                "--out",
                str(tmp_path / "o"),
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    assert "on the gold items (5-fold" in printed and "consensus accuracy" in printed
    assert "calibration error (ECE)" in printed
    st = pd.read_csv(tmp_path / "o" / "annotator_stats.csv")
    assert {"n_gold", "gold_accuracy"} <= set(st.columns)
    assert st["gold_accuracy"].between(0, 1).all()
