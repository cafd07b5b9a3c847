"""Every input where labeljury is more than 0.5 points behind crowd-kit, and why.

``benchmarks/crowdkit_reference.py --compare --seed 2`` runs majority vote,
Dawid-Skene and GLAD of both libraries, at their defaults, on every shared data
set (whole and thinned to 3 and 2 labels per item) and on simulated crowds. The
inputs below are the ones where ours was more than 0.5 accuracy points behind
(docs/methods.md, "Where we differ from crowd-kit"). Each test reruns crowd-kit
on that input and shows that the gap is the documented difference, not a bug:

* majority vote: only tied items differ; crowd-kit gives a tie to the first class
  of its column order (the order of pandas' ``value_counts().unstack()``, which can
  follow the row order: ``test_crowdkit.py::test_tie_winner_follows_row_order_in_crowdkit_only``),
  ours to the class of the more reliable annotators (chosen by leave-one-data-set-out,
  ``benchmarks/mv_ties.py``); with crowd-kit's class order and ``tie_break="first"``
  ours gives crowd-kit's labels;
* Dawid-Skene: crowd-kit stopped later than our two iterations (or, on adult@2,
  after the same two, where the gap is our smoothing of 0.01); run for crowd-kit's
  iteration count with its zero smoothing, ours is within 0.5;
* GLAD: crowd-kit stops at the first fall of its objective and starts from one
  E-step at ``alpha = 1, log beta = 1``; with that start and crowd-kit's number
  of M-steps, ours is within 0.5.

Inputs from data sets outside ``tests/data`` need ``../shared`` (marked
``shared``); the module is skipped without crowd-kit.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from labeljury import Annotations
from labeljury.methods import GLAD, DawidSkene, MajorityVote

ck = pytest.importorskip("crowdkit.aggregation")

ROOT = Path(__file__).resolve().parents[2]
LOCAL = {p.name for p in (ROOT / "tests" / "data").iterdir() if (p / "gold.csv").is_file()}
SHARED = ROOT.parent / "shared" / "datasets"
SEED = 2  # the --seed of the recorded comparison
TOLERANCE = 0.005

# (input, labeljury, crowd-kit) accuracy in the recorded run (2-core VM, 2026-12-05)
MV_GAPS = {
    "weather_sentiment_cf@2": (0.7500, 0.7633),
    "zencrowd_all@2": (0.7549, 0.8005),
    "zencrowd_us@2": (0.8279, 0.8338),
    "fact_eval@2": (0.8872, 0.9236),
}
DS_GAPS = {
    "bluebirds@2": (0.6111, 0.6204),
    "face@2": (0.6010, 0.6096),
    "sentiment_polarity@3": (0.8776, 0.8858),
    "sentiment_polarity@2": (0.8470, 0.8534),
    "zencrowd_in@3": (0.7172, 0.7245),
    "zencrowd_in@2": (0.6897, 0.7225),
    "zencrowd_us@2": (0.8309, 0.8407),
    "sim:dawid_skene:hard": (0.6553, 0.6873),
    "adult@2": (0.7177, 0.7237),
}
SMOOTHING_ONLY = {"adult@2"}
GLAD_GAPS = {
    "zencrowd_us": (0.8632, 0.8789),
    "sim:dawid_skene:hard": (0.5847, 0.6067),
    "sim:dawid_skene:hard:sparse766": (0.6653, 0.6743),
    "sim:one_coin:hard:sparse766": (0.6455, 0.6522),
    "sim:mace:hard": (0.5833, 0.6660),
}


def _needs(name: str):
    ds = name.split("@")[0]
    if name.startswith("sim:") or ds in LOCAL:
        return []
    return [
        pytest.mark.shared,
        pytest.mark.skipif(not SHARED.is_dir(), reason=f"needs {SHARED}"),
    ]


def _params(gaps: dict, slow: bool = False) -> list:
    extra = [pytest.mark.slow] if slow else []
    return [pytest.param(n, marks=[*_needs(n), *extra], id=n) for n in gaps]


def _input(name: str) -> tuple[Annotations, np.ndarray, pd.DataFrame]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import crowdkit_reference
    finally:
        sys.path.pop(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # repeated pairs in some shared sets
        ann, truth = crowdkit_reference.compare_input(name, SEED)
    df = pd.DataFrame({"task": ann.item, "worker": ann.annotator, "label": ann.label})
    return ann, truth, df


def _acc(labels, truth: np.ndarray) -> float:
    known = truth >= 0
    return float(np.mean(np.asarray(labels)[known] == truth[known]))


def _quiet(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kw)


@pytest.mark.parametrize("name", _params(MV_GAPS))
def test_majority_vote_gap_is_the_tie_rule(name: str) -> None:
    ann, truth, df = _input(name)
    ref = ck.MajorityVote().fit(df)
    p = ref.probas_.reindex(np.arange(ann.n_items)).to_numpy()
    tied = (p >= p.max(axis=1, keepdims=True) - 1e-12).sum(axis=1) > 1
    theirs = ref.labels_.reindex(np.arange(ann.n_items)).to_numpy()
    mine = MajorityVote().fit(ann).labels_
    assert (_acc(mine, truth), _acc(theirs, truth)) == pytest.approx(MV_GAPS[name], abs=1e-4)
    assert np.array_equal(mine[~tied], theirs[~tied])  # untied items: the same label
    assert (mine[tied] != theirs[tied]).any()  # the whole gap sits on tied items
    # crowd-kit's rule: the first tied class in its column order (from pandas'
    # value_counts().unstack(), not sorted); ours with that class order and
    # tie_break="first" gives its labels exactly
    order = list(ref.probas_.columns)
    as_ck = Annotations.from_long(df, item_col="task", annotator_col="worker", classes=order)
    first = MajorityVote(tie_break="first").fit(as_ck)
    codes = pd.Series(as_ck.classes.take(first.labels_), as_ck.items)
    assert np.array_equal(codes.reindex(np.arange(ann.n_items)).to_numpy(), theirs)
    # ours depends on the answers, not on their row order
    for s in range(2):
        shuffled = df.sample(frac=1, random_state=s)
        again = Annotations.from_long(shuffled, item_col="task", annotator_col="worker")
        relabeled = pd.Series(again.classes.take(MajorityVote().fit(again).labels_), again.items)
        assert np.array_equal(relabeled.reindex(np.arange(ann.n_items)).to_numpy(), mine)


@pytest.mark.parametrize("name", _params(DS_GAPS))
def test_dawid_skene_gap_is_crowdkits_later_stop(name: str) -> None:
    ann, truth, df = _input(name)
    ref = ck.DawidSkene().fit(df)
    n = len(ref.loss_history_)
    theirs = _acc(ref.labels_.reindex(np.arange(ann.n_items)), truth)
    default = DawidSkene().fit(ann)
    # crowd-kit ran longer than our default, except where only the smoothing differs
    assert default.n_iter_ == 2 and (n > 2 or name in SMOOTHING_ONLY)
    assert (_acc(default.labels_, truth), theirs) == pytest.approx(DS_GAPS[name], abs=1e-4)
    assert _acc(default.labels_, truth) < theirs - TOLERANCE
    same_count = _quiet(DawidSkene(max_iter=n, smoothing=0.0).fit, ann)
    assert _acc(same_count.labels_, truth) >= theirs - TOLERANCE


def _crowdkit_start(ann: Annotations, use_gold: bool) -> np.ndarray:
    """crowd-kit's GLAD start: one E-step with every ability 1 and every log beta 1."""
    from labeljury.methods._em import log_normalize, one_coin_log_likelihoods

    x = np.full(ann.n_annotations, np.e)  # alpha * beta = 1 * e^1
    log_right = -np.logaddexp(0.0, -x)
    log_wrong = -np.logaddexp(0.0, x) - np.log(ann.n_classes - 1)
    return log_normalize(one_coin_log_likelihoods(ann, log_right, log_wrong))[0]


@pytest.mark.parametrize("name", _params(GLAD_GAPS, slow=True))
def test_glad_gap_is_crowdkits_early_stop_and_start(name: str, monkeypatch) -> None:
    import labeljury.methods.glad as glad_module

    ann, truth, df = _input(name)
    ref = _quiet(ck.GLAD().fit, df)
    # crowd-kit records a loss after each M-step, but its labels come from the E-step
    # before the last one: n losses, n - 1 M-steps behind the labels
    n = len(ref.loss_history_)
    assert n < 10 and ref.loss_history_[-1] < ref.loss_history_[-2]  # its objective fell
    theirs = _acc(ref.labels_.reindex(np.arange(ann.n_items)), truth)
    default = _quiet(GLAD().fit, ann)
    assert default.n_iter_ > n
    assert (_acc(default.labels_, truth), theirs) == pytest.approx(GLAD_GAPS[name], abs=1e-4)
    assert _acc(default.labels_, truth) < theirs - TOLERANCE
    monkeypatch.setattr(glad_module, "initial_posterior", _crowdkit_start)
    same = _quiet(GLAD(max_iter=n - 1).fit, ann)
    assert abs(_acc(same.labels_, truth) - theirs) <= TOLERANCE


@pytest.mark.parametrize("name", _params({"zencrowd_all": None}))
def test_one_coin_gap_on_zencrowd_all_is_crowdkits_early_stop(name: str) -> None:
    """Found when the reference file gained zencrowd_all (tests/test_real_data.py)."""
    from labeljury.methods import OneCoinDawidSkene

    ann, truth, df = _input(name)
    ref = ck.OneCoinDawidSkene().fit(df)
    n = len(ref.loss_history_)
    theirs = _acc(ref.labels_.reindex(np.arange(ann.n_items)), truth)
    default = _quiet(OneCoinDawidSkene().fit, ann)
    assert n == 2 < default.n_iter_
    assert _acc(default.labels_, truth) < theirs - TOLERANCE
    same = _quiet(OneCoinDawidSkene(max_iter=n).fit, ann)
    assert abs(_acc(same.labels_, truth) - theirs) <= TOLERANCE
