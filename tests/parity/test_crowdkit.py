"""crowd-kit 1.4.2's classification scenarios, run against labeljury.

Written by us from crowd-kit's documented behaviour (its test suite exercises
these cases on small toy data sets): the reference values are computed here,
at test time, by crowd-kit itself; the module is skipped without it (``make
test`` installs it). Every place where labeljury differs is asserted as a
difference and explained in docs/methods.md ("Where we differ from crowd-kit").
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from labeljury import Annotations
from labeljury.errors import EmptyInputError, InputError
from labeljury.methods import (
    GLAD,
    MACE,
    DawidSkene,
    GoldMajorityVote,
    MajorityVote,
    OneCoinDawidSkene,
    get_method,
)
from labeljury.synth import make_dawid_skene

ck = pytest.importorskip("crowdkit.aggregation")

DATA = Path(__file__).resolve().parents[1] / "data"

# A toy set in the style of crowd-kit's tests: string ids, yes/no labels, a tie (t3),
# a worker who is always wrong (w5), one task with a single answer (t6).
TOY = pd.DataFrame(
    [
        ("t1", "w1", "no"),
        ("t1", "w2", "yes"),
        ("t1", "w3", "no"),
        ("t1", "w4", "yes"),
        ("t1", "w5", "no"),
        ("t2", "w1", "yes"),
        ("t2", "w2", "yes"),
        ("t2", "w3", "no"),
        ("t2", "w4", "yes"),
        ("t2", "w5", "no"),
        ("t3", "w1", "yes"),
        ("t3", "w2", "no"),
        ("t3", "w3", "no"),
        ("t3", "w4", "yes"),
        ("t4", "w1", "yes"),
        ("t4", "w2", "yes"),
        ("t4", "w3", "yes"),
        ("t4", "w4", "yes"),
        ("t4", "w5", "no"),
        ("t5", "w1", "yes"),
        ("t5", "w2", "no"),
        ("t5", "w3", "no"),
        ("t5", "w4", "no"),
        ("t5", "w5", "yes"),
        ("t6", "w1", "no"),
    ],
    columns=["task", "worker", "label"],
)
TOY_GOLD = pd.Series({"t1": "no", "t2": "yes", "t4": "yes"})


def _simple() -> pd.DataFrame:
    ann = make_dawid_skene(80, 9, 3, labels_per_item=(2, 6), random_state=3)[0]
    return ann.to_long("task", "worker", "label")


SETS = {"toy": TOY, "simple": _simple()}


def ours(df: pd.DataFrame) -> Annotations:
    """Our annotations, classes in crowd-kit's column order for these rows.

    Ties go to the first class in both libraries; crowd-kit's class order comes
    out of pandas' ``value_counts``/``unstack`` and changes with the row order,
    ours is ``classes`` (sorted unless given) - see
    test_tie_winner_follows_row_order_in_crowdkit_only.
    """
    order = list(ck.MajorityVote().fit(df).probas_.columns)
    return Annotations.from_long(
        df, item_col="task", annotator_col="worker", label_col="label", classes=order
    )


def labels_of(model, ann: Annotations) -> pd.Series:
    return pd.Series(ann.classes.take(model.labels_), index=ann.items)


def same_labels(ref: pd.Series, mine: pd.Series) -> None:
    assert mine.reindex(ref.index).tolist() == ref.tolist()


def same_probas(ref: pd.DataFrame, model, ann: Annotations, atol: float = 1e-8) -> None:
    mine = pd.DataFrame(model.probas_, index=ann.items, columns=ann.classes)
    np.testing.assert_allclose(
        mine.loc[ref.index, ref.columns].to_numpy(), ref.to_numpy(), atol=atol
    )


def quiet(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kw)


# ---------------------------------------------------------------- majority vote
@pytest.mark.parametrize("name", SETS)
def test_majority_vote_labels_and_probas(name: str) -> None:
    df = SETS[name]
    ref = ck.MajorityVote().fit(df)
    ann = ours(df)
    first = MajorityVote(tie_break="first").fit(ann)
    same_labels(ref.labels_, labels_of(first, ann))  # ties: the first class, as crowd-kit
    same_probas(ref.probas_, first, ann)
    m = MajorityVote().fit(ann)  # default: ties to the more reliable annotators' class
    same_probas(ref.probas_, m, ann)
    p = ref.probas_.loc[ann.items].to_numpy()
    tied = (p >= p.max(axis=1, keepdims=True) - 1e-12).sum(axis=1) > 1
    assert np.array_equal(m.labels_[~tied], first.labels_[~tied])  # untied: the same label


def test_majority_vote_tie_rules_differ_only_on_ties() -> None:
    ann = ours(TOY)
    first = MajorityVote(tie_break="first").fit(ann).labels_
    freq = MajorityVote(tie_break="frequency").fit(ann).labels_
    tied = np.flatnonzero(first != freq)
    assert ann.items[tied].tolist() == ["t3"]  # 2-2: "no" first, "yes" more frequent overall
    rand = [MajorityVote(tie_break="random", random_state=s).fit(ann).labels_ for s in range(20)]
    assert len({int(r[tied[0]]) for r in rand}) == 2  # random ties take both classes
    assert all(np.array_equal(np.delete(r, tied), np.delete(first, tied)) for r in rand)
    # t3 is 2-2 (w1, w4 "yes"; w2, w3 "no"); against the others' untied majority w1, w2,
    # w3 and w4 are each right once of three: no reliability difference, lowest code
    rel = MajorityVote().fit(ann)
    assert rel.tie_break == "reliability"
    assert ann.classes[rel.labels_[tied[0]]] == "no"
    assert np.array_equal(np.delete(rel.labels_, tied), np.delete(first, tied))


def test_tie_winner_follows_row_order_in_crowdkit_only() -> None:
    df = SETS["simple"]
    shuffled = [df.sample(frac=1, random_state=s) for s in (0, 3)]  # same answers
    refs = [ck.MajorityVote().fit(d) for d in shuffled]
    assert list(refs[0].probas_.columns) != list(refs[1].probas_.columns)
    p = refs[0].probas_
    tied = (p.to_numpy() == p.max(axis=1).to_numpy()[:, None]).sum(axis=1) > 1
    a, b = refs[0].labels_, refs[1].labels_.reindex(refs[0].labels_.index)
    assert (a[tied] != b[tied]).any() and (a[~tied] == b[~tied]).all()
    mine = []
    for d in shuffled:
        ann = Annotations.from_long(d, item_col="task", annotator_col="worker")
        mine.append(labels_of(MajorityVote().fit(ann), ann).sort_index())
    pd.testing.assert_series_equal(mine[0], mine[1])  # ours: the lowest sorted class


@pytest.mark.parametrize("name", SETS)
def test_majority_vote_with_skills(name: str) -> None:
    df = SETS[name]
    workers = sorted(df["worker"].unique())
    skills = pd.Series(np.linspace(0.3, 0.9, len(workers)), index=workers)
    ref = ck.MajorityVote().fit(df, skills)
    ann = ours(df)
    m = MajorityVote(skills=skills, tie_break="first").fit(ann)  # crowd-kit's tie rule
    same_labels(ref.labels_, labels_of(m, ann))
    same_probas(ref.probas_, m, ann)


def test_majority_vote_missing_skills() -> None:
    skills = pd.Series({"w1": 0.9, "w2": 0.6, "w3": 0.7, "w4": 0.5})  # no w5
    ann = ours(TOY)
    with pytest.raises(ValueError):
        ck.MajorityVote().fit(TOY, skills)
    with pytest.raises(InputError, match="w5"):
        MajorityVote(skills=skills).fit(ann)
    for kw in ({"on_missing_skill": "ignore"}, {"on_missing_skill": "value", "default_skill": 0.2}):
        ref = ck.MajorityVote(**kw).fit(TOY, skills)
        m = MajorityVote(skills=skills, tie_break="first", **kw).fit(ann)
        same_labels(ref.labels_, labels_of(m, ann))
        same_probas(ref.probas_, m, ann)
    with pytest.raises(ValueError):
        ck.MajorityVote(default_skill=0.2).fit(TOY, skills)
    with pytest.raises(InputError, match="default_skill"):
        MajorityVote(skills=skills, default_skill=0.2).fit(ann)


def test_majority_vote_ignore_refuses_a_task_left_without_labels() -> None:
    df = pd.concat(
        [
            TOY[TOY["task"] != "t6"],  # t6 labeled only by w5, who has no skill
            pd.DataFrame([("t6", "w5", "no")], columns=["task", "worker", "label"]),
        ]
    )
    skills = pd.Series({"w1": 0.9, "w2": 0.6, "w3": 0.7, "w4": 0.5})
    with pytest.raises(ValueError):
        ck.MajorityVote(on_missing_skill="ignore").fit(df, skills)
    with pytest.raises(InputError, match="t6"):
        MajorityVote(skills=skills, on_missing_skill="ignore").fit(ours(df))


# ---------------------------------------------------------- gold majority vote
def crowdkit_gold_mv(df: pd.DataFrame, gold: pd.Series, **kw):
    """crowd-kit's GoldMajorityVote, from its public pieces.

    ``GoldMajorityVote`` itself cannot run with scikit-learn >= 1.8 (it lacks
    ``__sklearn_tags__``, like crowd-kit's Wawa); what it does is documented and
    two lines: skills = ``get_accuracy(data, true_labels, by="worker")``, then
    ``MajorityVote().fit(data, skills)``.
    """
    from crowdkit.aggregation.utils import get_accuracy

    skills = quiet(get_accuracy, df, true_labels=gold, by="worker")
    return skills, ck.MajorityVote(**kw).fit(df, skills)


def test_crowdkit_gold_majority_vote_cannot_run_here() -> None:
    with pytest.raises(AttributeError, match="sklearn_tags"):
        ck.GoldMajorityVote().fit_predict(TOY, TOY_GOLD)


@pytest.mark.parametrize("name", SETS)
def test_gold_majority_vote(name: str) -> None:
    df = SETS[name]
    if name == "toy":
        gold = TOY_GOLD
    else:  # gold for a third of the tasks, from the simulation's truth
        truth = make_dawid_skene(80, 9, 3, labels_per_item=(2, 6), random_state=3)[1]
        gold = pd.Series(truth[:27], index=range(27))
    skills, ref = crowdkit_gold_mv(df, gold)
    ann = ours(df).with_gold(gold)
    m = GoldMajorityVote().fit(ann)
    same_labels(ref.labels_, labels_of(m, ann))
    same_probas(ref.probas_, m, ann)
    np.testing.assert_allclose(m.skills_.loc[skills.index], skills)


def test_gold_majority_vote_needs_gold_and_known_workers() -> None:
    with pytest.raises(InputError, match="with_gold"):
        GoldMajorityVote().fit(ours(TOY))
    gold = pd.Series({"t6": "no"})  # only w1 labeled a gold task
    ann = ours(TOY).with_gold(gold)
    with pytest.raises(ValueError):
        crowdkit_gold_mv(TOY, gold)
    with pytest.raises(InputError, match="no skill"):
        GoldMajorityVote().fit(ann)
    _skills, ref = crowdkit_gold_mv(TOY, gold, on_missing_skill="value", default_skill=0.5)
    m = GoldMajorityVote(on_missing_skill="value", default_skill=0.5).fit(ann)
    assert m.skills_["w1"] == 1.0 and np.isnan(m.skills_["w2"])
    same_labels(ref.labels_, labels_of(m, ann))
    same_probas(ref.probas_, m, ann)


# ------------------------------------------------------------------ Dawid-Skene
@pytest.mark.parametrize("name", SETS)
@pytest.mark.parametrize("n_iter", [0, 1, 2, 5, 10])
def test_dawid_skene_step_by_step(name: str, n_iter: int) -> None:
    """Same iterations, same posteriors (with crowd-kit's zero smoothing)."""
    df = SETS[name]
    ref = ck.DawidSkene(n_iter=n_iter, tol=-np.inf).fit(df)
    ann = ours(df)
    m = quiet(DawidSkene(max_iter=n_iter, tol=0.0, smoothing=0.0).fit, ann)
    assert m.n_iter_ == n_iter
    same_probas(ref.probas_, m, ann, atol=1e-6)


@pytest.mark.parametrize("name", SETS)
def test_dawid_skene_converged_same_labels(name: str) -> None:
    """Run to convergence, ours and crowd-kit's defaults (which stop after 13 / 11 here) agree."""
    df = SETS[name]
    ann = ours(df)
    ref = ck.DawidSkene().fit(df)
    assert len(ref.loss_history_) > 10
    m = quiet(DawidSkene(max_iter=100).fit, ann)
    assert m.n_iter_ < 100  # converged, at tol
    same_labels(ref.labels_, labels_of(m, ann))


@pytest.mark.parametrize("name", SETS)
def test_dawid_skene_default_is_two_iterations(name: str) -> None:
    """Our default stops EM after two iterations (early stopping; docs/methods.md), silently."""
    df = SETS[name]
    ann = ours(df)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = DawidSkene().fit(ann)
    assert m.max_iter == 2 and m.n_iter_ == 2
    same_labels(ck.DawidSkene(n_iter=2, tol=-np.inf).fit_predict(df), labels_of(m, ann))


def test_dawid_skene_with_gold() -> None:
    ref = ck.DawidSkene(n_iter=10, tol=-np.inf).fit(TOY, TOY_GOLD)
    ann = ours(TOY).with_gold(TOY_GOLD)
    m = quiet(DawidSkene(max_iter=10, tol=0.0, smoothing=0.0).fit, ann)
    same_probas(ref.probas_, m, ann, atol=1e-6)


def _initial_error(df: pd.DataFrame, workers: list, probabilities: bool) -> pd.DataFrame:
    labels = sorted(df["label"].unique())
    k = len(labels)
    rows, index = [], []
    for w in workers:
        for obs in labels:
            rows.append([(9 if obs == true else 1) for true in labels])
            index.append((w, obs))
    err = pd.DataFrame(
        rows,
        index=pd.MultiIndex.from_tuples(index, names=["worker", "label"]),
        columns=labels,
        dtype=float,
    )
    if probabilities:
        err = err / (9 + (k - 1))
    return err


@pytest.mark.parametrize("name", SETS)
@pytest.mark.parametrize(
    "strategy,partial,probabilities",
    [
        ("addition", True, False),
        ("addition", False, False),
        ("assign", False, False),
        ("assign", False, True),
    ],
)
@pytest.mark.parametrize("n_iter", [0, 1, 3])
def test_dawid_skene_initial_error(
    name: str, strategy: str, partial: bool, probabilities: bool, n_iter: int
) -> None:
    df = SETS[name]
    workers = sorted(df["worker"].unique())
    err = _initial_error(df, workers[:2] if partial else workers, probabilities)
    ref = ck.DawidSkene(n_iter=n_iter, tol=-np.inf, initial_error_strategy=strategy)
    ref.fit(df, initial_error=err)
    ann = ours(df)
    m = quiet(
        DawidSkene(
            max_iter=n_iter,
            tol=0.0,
            smoothing=0.0,
            initial_error=err,
            initial_error_strategy=strategy,
        ).fit,
        ann,
    )
    if n_iter == 0:
        # crowd-kit returns the majority-vote posteriors: its starting matrices only act
        # through the first E-step; so does ours
        same_probas(ck.MajorityVote().fit(df).probas_, m, ann)
    else:
        same_probas(ref.probas_, m, ann, atol=1e-6)


def test_dawid_skene_initial_error_as_arrays_equals_the_table() -> None:
    ann = ours(TOY)
    err = _initial_error(TOY, sorted(TOY["worker"].unique()), True)
    arr = np.stack([err.loc[w].to_numpy().T for w in ann.annotators])  # [a, true, observed]
    by_name = {w: err.loc[w].to_numpy().T for w in ann.annotators}
    fits = [
        quiet(
            DawidSkene(max_iter=3, initial_error=e, initial_error_strategy="assign").fit, ann
        ).probas_
        for e in (err, arr, by_name)
    ]
    np.testing.assert_allclose(fits[0], fits[1])
    np.testing.assert_allclose(fits[0], fits[2])


def test_dawid_skene_initial_error_refusals() -> None:
    ann = ours(TOY)
    workers = sorted(TOY["worker"].unique())
    partial = _initial_error(TOY, workers[:2], True)
    with pytest.raises(ValueError):
        ck.DawidSkene(initial_error_strategy="assign").fit(TOY, initial_error=partial)
    with pytest.raises(InputError, match="every annotator"):
        DawidSkene(initial_error=partial, initial_error_strategy="assign").fit(ann)
    bad = _initial_error(TOY, workers, True) * 0.5  # probabilities that do not sum to 1
    with pytest.raises(ValueError):
        ck.DawidSkene(initial_error_strategy="assign").fit(TOY, initial_error=bad)
    with pytest.raises(InputError, match="sum to 1"):
        DawidSkene(initial_error=bad, initial_error_strategy="assign").fit(ann)
    with pytest.raises(InputError, match="assign"):
        DawidSkene(initial_error=partial, initial_error_strategy="both").fit(ann)
    with pytest.raises(InputError, match="needs initial_error"):
        DawidSkene(initial_error_strategy="addition").fit(ann)


# ------------------------------------------------------------------------ GLAD
@pytest.mark.parametrize("name", SETS)
def test_glad_same_labels(name: str) -> None:
    df = SETS[name]
    ann = ours(df)
    same_labels(quiet(ck.GLAD().fit_predict, df), labels_of(quiet(GLAD().fit, ann), ann))


def test_glad_quality_in_unit_interval_where_crowdkit_alpha_is_not() -> None:
    everyone_agrees = pd.DataFrame(
        {"task": np.repeat(np.arange(30), 3), "worker": np.tile([0, 1, 2], 30), "label": 1}
    )
    everyone_agrees.loc[::3, "label"] = np.arange(30) % 2  # keep two classes
    ref = quiet(ck.GLAD().fit, everyone_agrees)
    assert ref.alphas_.max() > 1.0  # an ability, not a quality in [0, 1]
    m = quiet(GLAD().fit, ours(everyone_agrees))
    assert np.all((m.annotator_skill_ >= 0) & (m.annotator_skill_ <= 1))
    assert m.alphas_.max() > 1.0  # the ability itself is still there


# --------------------------------------------------------------- zero iterations
@pytest.mark.parametrize("cls", [DawidSkene, GLAD, OneCoinDawidSkene, MACE])
@pytest.mark.parametrize("name", SETS)
def test_zero_iterations_return_majority_vote(cls, name: str) -> None:
    df = SETS[name]
    ann = ours(df)
    m = cls(max_iter=0).fit(ann)
    assert m.n_iter_ == 0
    same_probas(ck.MajorityVote().fit(df).probas_, m, ann)
    same_labels(ck.MajorityVote().fit(df).labels_, labels_of(m, ann))
    assert np.all(np.isfinite(m.annotator_skill_))


def test_crowdkit_glad_zero_iterations_is_sharper_than_majority_vote() -> None:
    """Documented difference: crowd-kit's GLAD starts from one E-step at alpha = beta = 1."""
    ref = quiet(ck.GLAD(n_iter=0).fit, TOY)
    mv = ck.MajorityVote().fit(TOY)
    assert (ref.labels_.loc[mv.labels_.index] == mv.labels_).all()
    assert not np.allclose(ref.probas_.loc[mv.probas_.index, mv.probas_.columns], mv.probas_)


# ---------------------------------------------------------------- other inputs
def test_bool_labels() -> None:
    df = TOY.assign(label=TOY["label"] == "yes")
    ann = ours(df)
    for ref, mine in (
        (ck.MajorityVote(), MajorityVote(tie_break="first")),
        (ck.DawidSkene(), DawidSkene(max_iter=100)),
    ):
        same_labels(quiet(ref.fit_predict, df), labels_of(quiet(mine.fit, ann), ann))


def test_empty_input_is_an_error_not_an_empty_result() -> None:
    empty = TOY.iloc[:0]
    assert len(ck.DawidSkene().fit_predict(empty)) == 0  # crowd-kit: silently empty
    with pytest.raises(EmptyInputError):
        DawidSkene().fit(empty.rename(columns={"task": "item"}))


# ----------------------------------------- documented gaps on real data (why)
def _real(name: str) -> tuple[pd.DataFrame, Annotations, pd.Series]:
    df = pd.read_csv(DATA / name / "answers.csv").rename(columns={"item": "task"})
    gold = pd.read_csv(DATA / name / "gold.csv").set_index("item")["label"]
    return df, ours(df), gold


def _acc(labels: pd.Series, gold: pd.Series) -> float:
    return float(np.mean(labels.reindex(gold.index).to_numpy() == gold.to_numpy()))


def test_crowdkit_dawid_skene_stops_when_its_objective_falls() -> None:
    """zencrowd_us: crowd-kit stops after 3 iterations, where its objective (which counts
    the log class prior once per *annotation*) decreases; EM's own likelihood still rises.
    Run for 3 iterations, ours gives crowd-kit's labels; run to convergence, 0.69 points
    fewer gold items right (0.8225 vs 0.8294) - the converged MLE, not a bug. Our default
    stops after 2 iterations by choice (leave-one-data-set-out, docs/methods.md): 0.8387."""
    df, ann, gold = _real("zencrowd_us")
    ref = ck.DawidSkene().fit(df)
    assert len(ref.loss_history_) == 3 and ref.loss_history_[-1] < ref.loss_history_[-2]
    three = quiet(DawidSkene(max_iter=3, smoothing=0.0).fit, ann)
    same_labels(ref.labels_, labels_of(three, ann))
    full = quiet(DawidSkene(max_iter=100).fit, ann)
    assert full.n_iter_ > 3
    assert np.all(np.diff(full.loss_history_) > -1e-9)  # our likelihood never falls
    assert _acc(labels_of(full, ann), gold) == pytest.approx(0.8225, abs=5e-4)
    default = quiet(DawidSkene().fit, ann)
    assert default.n_iter_ == 2
    assert _acc(labels_of(default, ann), gold) == pytest.approx(0.8387, abs=5e-4)


@pytest.mark.slow
def test_crowdkit_glad_stops_when_its_objective_falls() -> None:
    """zencrowd_us: crowd-kit's GLAD, too, stops at the first decrease of its objective
    (5 iterations); ours runs EM to convergence and gets 1.6 points fewer gold items right
    (0.8632 vs 0.8789). Stopped after the same 5 iterations, ours matches (docs/methods.md)."""
    df, ann, gold = _real("zencrowd_us")
    ref = quiet(ck.GLAD().fit, df)
    hist = ref.loss_history_
    assert len(hist) == 5 and hist[-1] < hist[-2]
    full = quiet(GLAD().fit, ann)
    assert full.n_iter_ > len(hist)
    assert _acc(labels_of(full, ann), gold) < _acc(ref.labels_, gold) - 0.01
    early = quiet(GLAD(max_iter=len(hist)).fit, ann)
    assert abs(_acc(labels_of(early, ann), gold) - _acc(ref.labels_, gold)) <= 0.005


def test_registered() -> None:
    assert isinstance(get_method("gold_majority_vote"), GoldMajorityVote)
