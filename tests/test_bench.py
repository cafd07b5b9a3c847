"""The benchmark suite: metric definitions by hand, sparsity, failure rows, and `--quick`."""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from labeljury.annotations import Annotations
from labeljury.bench import metrics as M
from labeljury.bench.cli import add_commands
from labeljury.bench.datasets import (
    find_data_root,
    make_scenario,
    simulate_pred_probs,
    subsample_per_item,
)
from labeljury.bench.peers import Contender, MethodOutput, labeljury_contender
from labeljury.bench.runner import BenchConfig, run_benchmark, run_suite

# ------------------------------------------------------------------ metrics


def test_accuracy_ignores_unknown_gold() -> None:
    assert M.accuracy(np.array([0, 1, 1, 2]), np.array([0, 1, 0, -1])) == pytest.approx(2 / 3)
    assert np.isnan(M.accuracy(np.array([0]), np.array([-1])))


def test_auroc_by_hand() -> None:
    # errors scored 0.1, 0.4; correct scored 0.2, 0.9, 0.8 -> pairs (err lower) 5 of 6
    target = np.array([1, 0, 0, 0, 1])
    score = np.array([0.1, 0.2, 0.9, 0.8, 0.4])
    assert M.auroc(target, score) == pytest.approx(5 / 6)
    assert np.isnan(M.auroc(np.zeros(4), score[:4]))


def test_auprc_is_trapezoidal_area_not_average_precision() -> None:
    # ranking by -score: err (0.1), ok (0.2), err (0.3), ok (0.9)
    target = np.array([1, 0, 1, 0])
    score = np.array([0.1, 0.2, 0.3, 0.9])
    # PR points (recall, precision): (0, 1), (.5, 1), (.5, .5), (1, 2/3), (1, .5)
    # sklearn's curve: thresholds at each score; trapezoids between recall steps
    expected = 0.5 * (1 + 1) / 2 + 0.5 * (0.5 + 2 / 3) / 2
    assert M.auprc(target, score) == pytest.approx(expected)
    assert M.auprc(target, score) != pytest.approx(0.8333333)  # average precision


def test_lift_by_hand() -> None:
    target = np.array([1, 0, 0, 0, 1, 0, 0, 0, 0, 0])  # 20% wrong
    score = np.array([0.1, 0.2, 0.9, 0.9, 0.3, 0.9, 0.9, 0.9, 0.9, 0.9])
    assert M.lift_at(target, score, 2) == pytest.approx(0.5 / 0.2)
    assert M.lift_at(target, score, 3) == pytest.approx((2 / 3) / 0.2)
    assert np.isnan(M.lift_at(target, score, 11))
    assert np.isnan(M.lift_at(np.zeros(10), score, 2))


def test_spearman_by_hand_and_nan_to_zero() -> None:
    # ranks x: 1 2 3 4; y: 1 3 2 4 -> d^2 = 0+1+1+0 = 2 -> 1 - 6*2/(4*15) = 0.8
    assert M.spearman(np.array([1, 2, 3, 4.0]), np.array([10, 30, 20, 40.0])) == pytest.approx(0.8)
    # the paper replaces NaN by 0 before correlating
    assert M.spearman(np.array([1.0, np.nan, 3.0]), np.array([2.0, 3.0, 1.0])) == pytest.approx(
        -1.0
    )


def test_ece_by_hand() -> None:
    # bin [0.9, 1]: scores .95 .95, both right -> |1 - .95| = .05, weight 1/2
    # bin [0.5, 0.6): scores .55 .55, one right -> |.5 - .55| = .05, weight 1/2
    s = np.array([0.95, 0.95, 0.55, 0.55])
    assert M.expected_calibration_error(s, np.array([1, 1, 1, 0])) == pytest.approx(0.05)
    # a score of exactly 1 lands in the last bin; perfectly calibrated -> 0
    assert M.expected_calibration_error(np.array([1.0, 1.0]), np.array([1, 1])) == 0.0


def test_annotator_accuracy_on_gold_only() -> None:
    acc = M.annotator_accuracy(
        np.array([0, 1, 2]), np.array([0, 0, 1]), np.array([1, 0, 1]), np.array([1, 1, -1]), 2
    )
    assert acc[0] == pytest.approx(0.5)
    assert np.isnan(acc[1])


# ------------------------------------------------------------------ data


def test_subsample_keeps_every_item_and_at_most_r() -> None:
    d = make_scenario("synth_spammers")[0]
    ann = d.annotations
    for r in (1, 2, 5):
        rows = subsample_per_item(ann, r, seed=3)
        sub = ann.take(rows)
        per = sub.annotations_per_item()
        assert sub.n_items == ann.n_items and per.max() == r and per.min() >= 1
        assert sub.items.equals(ann.items)
    assert np.array_equal(subsample_per_item(ann, 2, 1), subsample_per_item(ann, 2, 1))


def test_simulated_models_have_the_stated_accuracy() -> None:
    y = np.random.default_rng(0).integers(0, 4, 20_000)
    for acc in (0.6, 0.9):
        p = simulate_pred_probs(y, 4, acc, random_state=1)
        assert np.allclose(p.sum(axis=1), 1)
        assert (p.argmax(axis=1) == y).mean() == pytest.approx(acc, abs=0.01)
    over = simulate_pred_probs(y, 4, 0.8, confidence=0.99, random_state=1)
    assert np.allclose(over.max(axis=1), 0.99)


def test_hardest_profile_is_mostly_one_to_three() -> None:
    d = make_scenario("synth_hardest")[0]
    per = d.annotations.annotations_per_item()
    assert per.min() == 1 and per.max() <= 12
    assert 0.65 < np.mean(per <= 3) < 0.8


# ------------------------------------------------------------------ runner


def _boom(ann: Annotations, pred_probs: np.ndarray | None) -> MethodOutput:
    raise RuntimeError("peer exploded")


def test_a_failing_contender_is_a_row_not_a_crash() -> None:
    cfg = BenchConfig(
        scenarios=["synth_spammers"],
        sparsity=(2,),
        seeds=1,
        progress=False,
        sparsity_methods=None,
        memory=False,
    )
    res = run_suite(
        cfg, [labeljury_contender("majority_vote"), Contender("boom", "test", False, _boom)]
    )
    boom = res[res["method"] == "boom"]
    assert len(boom) == 2 and (boom["status"] == "failed").all()
    assert boom["message"].str.contains("RuntimeError: peer exploded").all()
    mv = res[(res["method"] == "majority_vote") & (res["variant"] == "full")].iloc[0]
    assert mv["status"] == "ok" and 0.7 < mv["accuracy"] < 0.95


@pytest.mark.skipif(importlib.util.find_spec("crowdkit") is None, reason="needs crowd-kit")
@pytest.mark.parametrize("name", ["Wawa", "ZeroBasedSkill"])
def test_crowdkit_wawa_and_zbs_run(name: str) -> None:
    from crowdkit.aggregation import classification as ck

    from labeljury.bench.peers import PEERS
    from labeljury.datasets import load_builtin

    ds = load_builtin()
    out = PEERS[f"crowdkit:{name}"].run(ds.annotations, None)
    assert np.mean(out.labels == np.asarray(ds.gold)) > 0.8
    # the shim adds scikit-learn tags and nothing else: labels are crowd-kit's own
    df = pd.DataFrame(
        {
            "task": ds.annotations.item,
            "worker": ds.annotations.annotator,
            "label": ds.annotations.label,
        }
    )
    agg = getattr(ck, name)().fit(df)
    if name == "Wawa":  # crowd-kit's fit() alone runs: its labels by its own weighted vote
        assert agg.skills_.reindex(range(ds.annotations.n_annotators)).to_numpy() == pytest.approx(
            out.annotator_scores
        )


def test_a_fresh_clone_says_which_data_sets_it_did_not_find(capsys) -> None:
    cfg = BenchConfig(
        data=[],
        datasets=["temp", "possent", "weather_sentiment_amt", "synth_tutorial"],
        scenarios=["synth_tutorial"],
        methods=["majority_vote"],
        sparsity=(),
        seeds=1,
        progress=False,
        memory=False,
        sparsity_methods=None,
    )
    res = run_suite(cfg)
    assert res.attrs["missing_datasets"] == ["possent", "temp"]
    assert "not found" in capsys.readouterr().err
    # the built-in copy stands in for a shipped data set; scenarios run as always
    assert set(res["dataset"]) == {"weather_sentiment_amt", "synth_tutorial"}


def test_a_two_class_method_is_not_applicable_to_more_classes() -> None:
    cfg = BenchConfig(
        scenarios=["synth_tutorial"],
        sparsity=(),
        seeds=1,
        progress=False,
        memory=False,
        sparsity_methods=None,
        methods=["kos", "majority_vote"],
    )
    res = run_suite(cfg).set_index("method")
    assert res.loc["kos", "status"] == "n/a"
    assert res.loc["kos", "message"].startswith("n/a: KOS is defined for two classes")
    assert res.loc["majority_vote", "status"] == "ok"


def test_cli_parses_bench() -> None:
    parser = argparse.ArgumentParser()
    add_commands(parser.add_subparsers(dest="command"))
    args = parser.parse_args(
        ["bench", "--data", "a", "b", "--methods", "mv", "--seeds", "2", "--out", "o"]
    )
    assert args.data == ["a", "b"] and args.seeds == 2 and callable(args.func)


# ------------------------------------------------------------------ --quick

DATA = find_data_root()


@pytest.mark.shared
@pytest.mark.skipif(
    DATA is None or not (DATA / "possent").is_dir(),
    reason="needs ../shared/datasets beside the repository",
)
def test_quick_numbers_are_sane(tmp_path: Path) -> None:
    docs = tmp_path / "docs" / "benchmarks.md"
    res = run_benchmark([DATA], quick=True, out=tmp_path, progress=False, write_docs=docs)
    for name in (
        "results.csv",
        "summary.csv",
        "tables.md",
        "benchmarks.md",
        "accuracy_by_dataset.png",
        "accuracy_vs_labels_per_item.png",
        "time_vs_size.png",
    ):
        assert (tmp_path / name).stat().st_size > 0, name
    # the docs copy shows the plots, copied beside it
    for name in ("accuracy_by_dataset.png", "time_vs_size.png"):
        assert (docs.parent / "img" / name).read_bytes() == (tmp_path / name).read_bytes()
        assert f"](img/{name})" in docs.read_text()
    assert len(pd.read_csv(tmp_path / "results.csv")) == len(res)
    full = res[res["variant"] == "full"].set_index(["dataset", "method"])

    # majority vote on possent: 0.9335 with ties split uniformly (VLDB 2017), 0.932 to the
    # lowest class code, 0.945 to the more reliable annotators' class (our default)
    assert full.loc[("possent", "majority_vote"), "accuracy"] == pytest.approx(0.945, abs=0.003)
    assert full.loc[("possent", "dawid_skene"), "accuracy"] == pytest.approx(0.96, abs=0.01)
    assert full.loc[("temp", "majority_vote"), "accuracy"] == pytest.approx(0.936, abs=0.01)
    # the model helps on the tutorial data (features -> out-of-fold pred_probs)
    tut = full.loc["synth_tutorial"]
    assert tut.loc["crowdlab", "accuracy"] > tut.loc["majority_vote", "accuracy"]
    assert tut.loc["crowdlab", "auroc_mv"] > 0.9
    # real data without features: model-aware methods are n/a, not silently dropped
    assert full.loc[("possent", "crowdlab"), "message"] == "n/a: no features"

    ok = res[res["status"] == "ok"]
    for col in ("accuracy", "auroc_mv", "auprc_mv", "auroc_own", "ece"):
        vals = ok[col].dropna()
        assert ((vals >= 0) & (vals <= 1)).all(), col
    assert (ok["time_s"] > 0).all()
    # fewer labels per item -> lower majority-vote accuracy
    mv = res[(res["method"] == "majority_vote") & (res["dataset"] == "possent")]
    acc = mv.set_index("variant")["accuracy"]
    assert acc["1"] < acc["3"] < acc["full"]
    if importlib.util.find_spec("crowdkit") is not None:
        ck = full.loc[("possent", "crowdkit:DawidSkene")]
        assert ck["status"] == "ok" and ck["accuracy"] == pytest.approx(0.96, abs=0.01)
        wawa = full.loc[("possent", "crowdkit:Wawa")]
        assert wawa["status"] == "ok", wawa["message"]  # runs under scikit-learn >= 1.6


@pytest.mark.shared
@pytest.mark.skipif(
    DATA is None or not (DATA / "rte").is_dir(),
    reason="needs ../shared/datasets beside the repository",
)
def test_real_features_are_found() -> None:
    from labeljury.bench.datasets import load_real

    rte = load_real(DATA / "rte")  # pandas >= 3 reads text as a string dtype, not object
    assert rte.model == "oof:text" and list(rte.features.columns) == ["text", "hypothesis"]
    assert load_real(DATA / "possent").features is None
    if (DATA / "music_genre").is_dir():
        mg = load_real(DATA / "music_genre")
        assert mg.model == "oof:tabular" and mg.features.shape == (700, 124)


def test_gold_disagreement_script_counts_unanimous_items_the_gold_contradicts(capsys) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).parents[1] / "benchmarks" / "jury"))
    try:
        import gold_disagreement as gd
    finally:
        sys.path.pop(0)
    votes = np.array([[4, 0], [0, 5], [0, 4], [3, 1], [1, 1], [6, 0]])
    gold = np.array([0, 0, 1, 1, 0, -1])
    r = gd.disagreement(votes, gold, 4)
    # items 0-3 count (item 4 has two labels, item 5 no gold); 0-2 are unanimous, one wrong
    assert (r["items"], r["unanimous"]) == (4, 3)
    assert r["unanimous_wrong"] == pytest.approx(1 / 3)
    assert (r["agree80"], r["agree80_wrong"]) == (3, pytest.approx(1 / 3))
    gd.main(["--data", str(Path(__file__).parent / "data")])
    out = capsys.readouterr().out
    assert "zencrowd_in" in out and "synth_spammers" in out
    assert "unanimous items contradicted" in out
