"""The benchmark runner's limits and shortcuts: hard timeouts in a forked child,
the ECE noise floor, the cached TF-IDF matrix of text data sets, and how the
report shows them."""

from __future__ import annotations

import argparse
import os
import signal
import time

import numpy as np
import pandas as pd
import pytest

from labeljury.annotations import Annotations
from labeljury.bench import metrics as M
from labeljury.bench.cli import add_commands
from labeljury.bench.datasets import BenchData
from labeljury.bench.models import _model_pred_probs
from labeljury.bench.peers import Contender, MethodOutput, labeljury_contender
from labeljury.bench.report import ece_table, metric_table, render_report
from labeljury.bench.runner import BenchConfig, run_suite
from labeljury.errors import InputError

# ------------------------------------------------------------------ timeouts


def _sleeper(ann: Annotations, pred_probs: np.ndarray | None) -> MethodOutput:
    time.sleep(30)
    raise AssertionError("not killed")


def _killed(ann: Annotations, pred_probs: np.ndarray | None) -> MethodOutput:
    os.kill(os.getpid(), signal.SIGKILL)  # what the OOM killer does
    raise AssertionError("unreachable")


def _raises(ann: Annotations, pred_probs: np.ndarray | None) -> MethodOutput:
    raise ValueError("bad input\nsecond line")


def _isolated_cfg(**kw: object) -> BenchConfig:
    base = {
        "scenarios": ["synth_confusions", "synth_spammers"],
        "sparsity": (),
        "seeds": 1,
        "progress": False,
        "sparsity_methods": None,
        "memory": True,
        "isolate_min_annotations": 1,
        "fit_timeout": 0.5,
        "max_fit_seconds": 0.6,
        "skip_margin": 1.0,
    }
    return BenchConfig(**{**base, **kw})


def test_a_slow_fit_is_killed_and_the_suite_goes_on() -> None:
    t0 = time.perf_counter()
    res = run_suite(
        _isolated_cfg(),
        [
            Contender("sleepy", "test", False, _sleeper),
            labeljury_contender("majority_vote"),
            Contender("killed", "test", False, _killed),
            Contender("raises", "test", False, _raises),
        ],
    )
    assert time.perf_counter() - t0 < 5
    res = res.set_index(["dataset", "method"])
    sleepy = res.loc[("synth_confusions", "sleepy")]
    assert sleepy["status"] == "timeout"
    assert sleepy["message"] == "timed out after 0.5 s on 5,000 annotations"
    # the timeout bounds its rate from below: larger data is skipped, not waited for
    later = res.loc[("synth_spammers", "sleepy")]
    assert later["status"] == "skipped" and "predicted 1 s > 1 x 1 s" in later["message"]
    for ds in ("synth_confusions", "synth_spammers"):
        mv = res.loc[(ds, "majority_vote")]
        assert mv["status"] == "ok" and 0.6 < mv["accuracy"] < 1 and mv["time_s"] > 0
        assert mv["peak_mb"] > 0  # traced in the child too
        killed = res.loc[(ds, "killed")]
        assert killed["status"] == "failed" and "SIGKILL" in killed["message"]
        raised = res.loc[(ds, "raises")]
        assert raised["status"] == "failed"
        assert raised["message"] == "ValueError: bad input second line"


def _slow_majority_vote(ann: Annotations, pred_probs: np.ndarray | None) -> MethodOutput:
    time.sleep(4e-5 * ann.n_annotations)  # a fit whose time is linear in the annotations
    return labeljury_contender("majority_vote").run(ann, pred_probs)


@pytest.mark.parametrize("margin", [1.0, 2.0])
def test_a_fit_predicted_just_over_budget_runs_within_the_skip_margin(margin: float) -> None:
    # 0.2 s on synth_confusions' 5,000 annotations predicts 0.28 s on synth_spammers' 7,000
    cfg = BenchConfig(
        scenarios=["synth_confusions", "synth_spammers"],
        sparsity=(),
        seeds=1,
        progress=False,
        sparsity_methods=None,
        memory=False,
        max_fit_seconds=0.2,
        skip_margin=margin,
    )
    res = run_suite(cfg, [Contender("slow_mv", "test", False, _slow_majority_vote)])
    res = res.set_index("dataset")
    assert res.loc["synth_confusions", "status"] == "ok"
    later = res.loc["synth_spammers"]
    if margin == 1.0:
        assert later["status"] == "skipped"
        assert later["message"].startswith("skipped: predicted 0 s > 1 x 0 s per fit")
    else:
        assert later["status"] == "ok" and later["accuracy"] > 0.6


def test_the_skip_margin_is_checked() -> None:
    with pytest.raises(InputError, match="skip_margin must be at least 1"):
        BenchConfig(skip_margin=0.5)
    assert BenchConfig(max_fit_seconds=30).timeout_seconds == 60
    assert BenchConfig(fit_timeout=5).timeout_seconds == 5


def test_forked_and_in_process_fits_agree() -> None:
    cs = [labeljury_contender("dawid_skene")]
    forked = run_suite(_isolated_cfg(scenarios=["synth_confusions"], fit_timeout=30), cs)
    here = run_suite(
        _isolated_cfg(scenarios=["synth_confusions"], isolate_min_annotations=10**9), cs
    )
    cols = ["accuracy", "auroc_mv", "spearman", "ece", "ece_floor"]
    assert (forked["status"] == "ok").all() and (here["status"] == "ok").all()
    pd.testing.assert_frame_equal(forked[cols], here[cols])


def test_report_shows_timeouts() -> None:
    res = run_suite(
        _isolated_cfg(scenarios=["synth_confusions"]),
        [Contender("sleepy", "test", False, _sleeper), labeljury_contender("majority_vote")],
    )
    assert metric_table(res, "accuracy").loc["sleepy", "synth_confusions"] == "timeout"
    text = render_report(res, machine={}, command="x", wall_seconds=1.0)
    assert "## Failures, skips and timeouts" in text
    assert "timed out after 0.5 s on 5,000 annotations" in text


def test_cli_takes_timeout_and_threads() -> None:
    parser = argparse.ArgumentParser()
    add_commands(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["bench", "--timeout", "12.5", "--out", "o"])
    assert args.timeout == 12.5 and args.threads == 1
    assert parser.parse_args(["bench", "--threads", "0", "--out", "o"]).threads == 0


# ------------------------------------------------------------------ ECE floor


def test_ece_floor_shrinks_with_the_number_of_items() -> None:
    rng = np.random.default_rng(0)
    small = M.ece_floor(rng.uniform(0.5, 1.0, 100))
    large = M.ece_floor(rng.uniform(0.5, 1.0, 100_000))
    assert large < 0.005 < 0.03 < small < 0.12
    assert M.ece_floor(np.ones(50)) == 0.0  # no randomness in a certain score
    assert np.isnan(M.ece_floor(np.array([])))
    s = rng.uniform(0, 1, 300)
    assert M.ece_floor(s) == M.ece_floor(s)  # seeded


def test_ece_floor_is_the_mean_ece_of_bernoulli_draws() -> None:
    # the vectorised estimate against a plain loop over the same random stream
    s = np.random.default_rng(1).uniform(0.3, 1.0, 257)
    order = np.argsort(np.minimum((s * 10).astype(int), 9), kind="stable")
    rng = np.random.default_rng(0)
    loop = np.mean(
        [M.expected_calibration_error(s[order], rng.random(s.size) < s[order]) for _ in range(200)]
    )
    assert M.ece_floor(s) == pytest.approx(loop, abs=1e-9)


def test_a_calibrated_score_sits_near_its_floor_a_miscalibrated_one_above() -> None:
    rng = np.random.default_rng(2)
    s = rng.beta(6, 2, 400)
    floor = M.ece_floor(s)
    eces = [M.expected_calibration_error(s, rng.random(s.size) < s) for _ in range(100)]
    assert np.mean(eces) == pytest.approx(floor, rel=0.15)
    over = [
        M.expected_calibration_error(np.minimum(s + 0.15, 1), rng.random(s.size) < s)
        for _ in range(20)
    ]
    assert np.mean(over) > 2.5 * floor


def test_ece_table_puts_the_floor_in_brackets() -> None:
    res = run_suite(
        _isolated_cfg(scenarios=["synth_confusions"], isolate_min_annotations=10**9),
        [labeljury_contender("majority_vote")],
    )
    row = res.iloc[0]
    cell = ece_table(res).loc["majority_vote", "synth_confusions"]
    assert cell == f"**{row['ece']:.3f}** ({row['ece_floor']:.3f})"
    assert 0 < row["ece_floor"] < 0.05  # 1,000 gold items


# ------------------------------------------------------------------ text model


def _text_data(n: int = 300) -> BenchData:
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 2, n)
    words = np.array(["great fun film", "dull slow mess"])
    text = [f"item {i} {words[t]} {'really ' * int(rng.integers(3))}" for i, t in enumerate(truth)]
    items = np.repeat(np.arange(n), 3)
    labels = np.where(rng.random(3 * n) < 0.8, truth[items], 1 - truth[items])
    ann = Annotations.from_arrays(items, rng.integers(0, 20, 3 * n), labels, classes=[0, 1])
    feats = pd.DataFrame({"text": np.array(text)[np.asarray(ann.items, dtype=np.int64)]})
    gold = truth[np.asarray(ann.items, dtype=np.int64)]
    return BenchData("texty", ann, gold, "real", feats, None, "oof:text")


def test_text_features_are_vectorised_once_per_data_set() -> None:
    from labeljury.methods import MajorityVote

    data = _text_data()
    cache: dict[str, object] = {}
    mv = MajorityVote().fit(data.annotations).labels_
    pp, note = _model_pred_probs(data, data.annotations, mv, 0, True, cache)
    assert note == "oof:text (tfidf_logistic, trained on majority vote)"
    assert pp.shape == (data.annotations.n_items, 2) and np.allclose(pp.sum(axis=1), 1)
    assert (pp.argmax(axis=1) == data.gold).mean() > 0.9
    matrix = cache["texty"][0]
    pp2, _ = _model_pred_probs(data, data.annotations, mv, 1, False, cache)
    assert cache["texty"][0] is matrix  # reused, not refitted
    assert (pp2.argmax(axis=1) == data.gold).mean() > 0.9


# ------------------------------------------------------------------ shared annotations


def test_data_sets_sharing_annotations_reuse_model_free_fits() -> None:
    cfg = BenchConfig(
        scenarios=["synth_hardest"],
        sparsity=(2,),
        seeds=1,
        progress=False,
        sparsity_methods=None,
        memory=False,
    )
    cs = [labeljury_contender("dawid_skene"), labeljury_contender("crowdlab")]
    res = run_suite(cfg, cs)
    ds = res[res["method"] == "dawid_skene"].set_index(["dataset", "variant"])
    names = ["synth_hardest", "synth_hardest_weak_model", "synth_hardest_overconfident_model"]
    for v in ("full", "2"):
        times = ds.loc[[(n, v) for n in names], "time_s"]
        assert times.nunique() == 1  # one fit, scored three times
    # the same numbers as a fit of its own; the *_mv metrics follow each model's MV ties
    alone = run_suite(BenchConfig(**{**cfg.__dict__, "datasets": [names[2]]}), cs)
    alone = alone[alone["method"] == "dawid_skene"].set_index("variant")
    cols = ["accuracy", "auroc_own", "auroc_mv", "spearman", "ece", "ece_floor"]
    for v in ("full", "2"):
        assert ds.loc[(names[2], v), cols].astype(float).tolist() == pytest.approx(
            alone.loc[v, cols].astype(float).tolist(), nan_ok=True
        )
    assert ds.loc[(names[0], "full"), "auroc_mv"] != ds.loc[(names[2], "full"), "auroc_mv"]
    cl = res[res["method"] == "crowdlab"]
    assert cl["time_s"].nunique() == len(cl)  # uses the model: fitted for each


def test_benchmark_methods_never_see_the_gold_labels() -> None:
    # Jury uses gold items in Annotations.gold (pinning, score calibration, choosing its
    # annotator model); the benchmark's gold is for scoring only and must stay apart
    from pathlib import Path

    from labeljury.bench.datasets import load_real, make_scenario

    real = load_real(Path(__file__).parent / "data" / "temp")
    assert (real.gold >= 0).any() and real.annotations.gold is None
    for data in make_scenario("synth_tutorial", 0):
        assert data.annotations.gold is None


def test_methods_that_need_gold_are_not_benchmarked() -> None:
    # the benchmark withholds gold from every contender, so a gold-only method would
    # only ever show as 'fail' in the tables
    from labeljury.bench.runner import default_contenders
    from labeljury.methods import METHODS, method_class

    names = {c.name for c in default_contenders()}
    assert "gold_majority_vote" not in names
    assert {n for n in METHODS if not method_class(n).needs_gold} <= names
