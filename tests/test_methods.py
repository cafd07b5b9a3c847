"""Interface conformance of every registered aggregation method (crowdlab has its own tests)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from labeljury import Annotations
from labeljury.errors import ClassError
from labeljury.methods import METHODS, get_method, method_class
from labeljury.synth import make_dawid_skene

NAMES = sorted(n for n in METHODS if n != "crowdlab")
MULTICLASS = [n for n in NAMES if n not in ("kos", "gold_majority_vote")]  # gold MV: own tests


def _fit(name: str, ann: Annotations, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return get_method(name, **params).fit(ann)


@pytest.fixture(scope="module")
def ann3() -> Annotations:
    return make_dawid_skene(150, 12, 3, labels_per_item=(2, 5), random_state=0)[0]


@pytest.fixture(scope="module")
def ann2() -> Annotations:
    return make_dawid_skene(150, 12, 2, labels_per_item=(2, 5), random_state=1)[0]


def _data(name: str, ann2: Annotations, ann3: Annotations) -> Annotations:
    if name == "gold_majority_vote":  # learns its weights from known answers
        truth = make_dawid_skene(150, 12, 3, labels_per_item=(2, 5), random_state=0)[1]
        return ann3.with_gold(dict(zip(ann3.items[:40], ann3.classes[truth[:40]], strict=True)))
    return ann2 if name == "kos" else ann3


@pytest.mark.parametrize("name", NAMES)
def test_fitted_attributes(name: str, ann2: Annotations, ann3: Annotations) -> None:
    ann = _data(name, ann2, ann3)
    m = _fit(name, ann)
    assert m.probas_.shape == (ann.n_items, ann.n_classes)
    assert np.all(np.isfinite(m.probas_)) and np.all(m.probas_ >= 0)
    np.testing.assert_allclose(m.probas_.sum(axis=1), 1.0, atol=1e-9)
    assert m.labels_.shape == (ann.n_items,)
    # labels_ is an argmax of probas_ (ties may go to any of the tied classes)
    top = m.probas_.max(axis=1)
    assert np.all(m.probas_[np.arange(ann.n_items), m.labels_] >= top - 1e-9)
    assert m.annotator_skill_.shape == (ann.n_annotators,)
    assert np.all(np.isfinite(m.annotator_skill_))
    assert isinstance(m.n_iter_, int) and m.n_iter_ >= 1
    assert isinstance(type(m).summary, str) and type(m).summary
    # better than chance on data with accuracies in [0.6, 0.95]
    truth = make_dawid_skene(
        150, 12, ann.n_classes, labels_per_item=(2, 5), random_state=1 if name == "kos" else 0
    )[1]
    assert np.mean(m.labels_ == truth) > 0.7


@pytest.mark.parametrize("name", NAMES)
def test_sklearn_contract(name: str) -> None:
    m = get_method(name)
    params = m.get_params()
    c = clone(m)
    assert c.get_params() == params and c is not m
    assert method_class(name) is type(m)
    # __init__ stores arguments only: nothing fitted on a fresh object
    assert not [k for k in vars(m) if k.endswith("_")]


@pytest.mark.parametrize("name", NAMES)
def test_deterministic_and_no_mutation(name: str, ann2: Annotations, ann3: Annotations) -> None:
    ann = _data(name, ann2, ann3)
    before = [a.copy() for a in (ann.item, ann.annotator, ann.label)]
    pp = np.full((ann.n_items, ann.n_classes), 1.0 / ann.n_classes)
    pp_before = pp.copy()
    a, b = _fit(name, ann), _fit(name, ann)
    np.testing.assert_array_equal(a.probas_, b.probas_)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    np.testing.assert_array_equal(a.annotator_skill_, b.annotator_skill_)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c = get_method(name).fit(ann, pred_probs=pp)
    if not type(c).uses_pred_probs:  # uniform pred_probs break no tie: nothing changes
        np.testing.assert_array_equal(a.probas_, c.probas_)
    for x, y in zip(before, (ann.item, ann.annotator, ann.label), strict=True):
        np.testing.assert_array_equal(x, y)
    np.testing.assert_array_equal(pp, pp_before)


@pytest.mark.parametrize("name", NAMES)
def test_fit_predict_helpers(name: str, ann2: Annotations, ann3: Annotations) -> None:
    ann = _data(name, ann2, ann3)
    m = _fit(name, ann)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_array_equal(get_method(name).fit_predict(ann), m.labels_)
        np.testing.assert_array_equal(get_method(name).fit_predict_proba(ann), m.probas_)


@pytest.mark.parametrize("name", MULTICLASS)
def test_string_classes_and_unused_class(name: str) -> None:
    df = pd.DataFrame(
        {
            "item": ["q1", "q1", "q1", "q2", "q2", "q2", "q3", "q3", "q3", "q4", "q4"],
            "worker": ["ann", "bob", "cy", "ann", "bob", "cy", "ann", "bob", "cy", "ann", "cy"],
            "label": ["cat", "cat", "dog", "dog", "dog", "dog", "cat", "cat", "cat", "dog", "cat"],
        }
    )
    ann = Annotations.from_long(df, classes=["bird", "cat", "dog"])
    m = _fit(name, ann)
    assert m.probas_.shape == (4, 3)
    np.testing.assert_allclose(m.probas_.sum(axis=1), 1.0, atol=1e-9)
    assert list(ann.classes[m.labels_[:3]]) == ["cat", "dog", "cat"]
    assert list(m.classes_) == ["bird", "cat", "dog"]
    assert m.probas_[:, 0].max() < 0.5  # nobody chose "bird"


def test_kos_refuses_more_than_two_classes(ann3: Annotations) -> None:
    with pytest.raises(ClassError, match="two classes"):
        get_method("kos").fit(ann3)


@pytest.mark.parametrize(
    "alias,name",
    [
        ("zbs", "zero_based_skill"),
        ("one_coin", "one_coin_dawid_skene"),
        ("OneCoin", "one_coin_dawid_skene"),
        ("GLAD", "glad"),
        ("M-MSR", "mmsr"),
        ("Wawa", "wawa"),
    ],
)
def test_aliases(alias: str, name: str) -> None:
    assert method_class(alias) is method_class(name)


@pytest.mark.parametrize("name", ["mace", "kos"])
def test_random_state_is_used(name: str, ann2: Annotations) -> None:
    a = _fit(name, ann2, random_state=0)
    b = _fit(name, ann2, random_state=0)
    np.testing.assert_array_equal(a.probas_, b.probas_)


def test_mmsr_with_one_label_per_item_is_majority_vote() -> None:
    # no two annotators share an item: nothing to estimate skills from
    ann = Annotations.from_arrays(np.arange(50), np.arange(50) % 7, np.arange(50) % 2)
    labels = get_method("mmsr").fit_predict(ann)
    np.testing.assert_array_equal(labels, ann.label)


def test_argmax_ties_breaks_only_tied_rows_like_a_full_masked_pass() -> None:
    from labeljury.methods.base import argmax_ties

    def masked(probas: np.ndarray, *tiebreak: np.ndarray, atol: float = 1e-12) -> np.ndarray:
        tied = probas >= probas.max(axis=1, keepdims=True) - atol
        for score in tiebreak:
            score = np.broadcast_to(score, probas.shape)
            values = np.where(tied, score, -np.inf)
            tied &= values >= values.max(axis=1, keepdims=True) - atol
        return np.argmax(tied, axis=1)

    rng = np.random.default_rng(0)
    for _ in range(300):
        n, k = int(rng.integers(0, 40)), int(rng.integers(1, 6))
        probas = rng.integers(0, 3, (n, k)).astype(float)
        other = rng.integers(0, 3, (n, k)).astype(float)
        totals = rng.integers(0, 3, k).astype(float)
        # exact ties, and ties within the tolerance
        for p in (probas, probas + rng.random((n, k)) * 1e-13):
            for tiebreak in ([], [other], [other, totals], [totals]):
                assert np.array_equal(argmax_ties(p, *tiebreak), masked(p, *tiebreak))


def test_kos_keeps_a_lone_label() -> None:
    """An item labeled once, by an annotator with no other item, keeps that label."""
    lone = np.random.default_rng(0).integers(0, 2, 40)
    ann = Annotations.from_arrays(np.arange(40), np.arange(40), lone)
    np.testing.assert_array_equal(get_method("kos").fit_predict(ann), lone)
    # the same 40 lone items beside a crowd that labels 200 items 5 times each
    crowd, truth, _ = make_dawid_skene(200, 10, 2, labels_per_item=5, random_state=1)
    ann = Annotations.from_arrays(
        np.r_[crowd.item, 200 + np.arange(40)],
        np.r_[crowd.annotator, 100 + np.arange(40)],
        np.r_[crowd.label, lone],
    )
    m = get_method("kos").fit(ann)
    np.testing.assert_array_equal(m.labels_[200:], lone)
    assert np.mean(m.labels_[:200] == truth) > 0.8


@pytest.mark.parametrize("name", ["dawid_skene", "glad", "one_coin_dawid_skene", "mace"])
def test_zero_iterations_return_the_majority_vote_start(name: str, ann3: Annotations) -> None:
    m = get_method(name, max_iter=0).fit(ann3)
    votes = np.array(ann3.vote_counts(), dtype=float)
    np.testing.assert_allclose(m.probas_, votes / votes.sum(axis=1, keepdims=True))
    assert m.n_iter_ == 0 and np.all(np.isfinite(m.annotator_skill_))


def test_glad_quality_stays_in_unit_interval() -> None:
    one_each = Annotations.from_arrays(np.arange(30), np.arange(30) % 3, np.arange(30) % 2)
    agree = Annotations.from_arrays(
        np.repeat(np.arange(30), 3), np.tile([0, 1, 2], 30), np.repeat(np.arange(30) % 2, 3)
    )
    for ann in (one_each, agree):
        m = get_method("glad").fit(ann)
        assert np.all((m.annotator_skill_ >= 0) & (m.annotator_skill_ <= 1))
    assert m.alphas_.max() > 1  # the unbounded ability is kept apart


@pytest.mark.parametrize("rule", ["first", "frequency", "random", "reliability"])
def test_majority_vote_tie_rules(rule: str) -> None:
    # item 0 is tied 1-1 between classes 0 and 1; class 1 is chosen more often overall;
    # a and b each agree with the other once (item 1) and disagree once (item 0): no
    # reliability difference, so "reliability" falls back to the lowest code
    ann = Annotations.from_arrays([0, 0, 1, 1, 2], ["a", "b", "a", "b", "a"], [0, 1, 1, 1, 1])
    labels = [
        int(get_method("mv", tie_break=rule, random_state=s).fit_predict(ann)[0]) for s in range(20)
    ]
    expected = {"first": {0}, "frequency": {1}, "random": {0, 1}, "reliability": {0}}[rule]
    assert set(labels) == expected


def test_majority_vote_tie_goes_to_the_more_reliable_annotator() -> None:
    from labeljury.methods.majority_vote import reliability_counts

    # items 0-3: a, c, d all say 1 (a agrees with the others); items 4-7: c and d say 1,
    # b says 0 (b never agrees); item 8: a says 1, b says 0 -> tied 1-1
    item = [i for i in range(4) for _ in "acd"] + [i for i in range(4, 8) for _ in "bcd"] + [8, 8]
    who = list("acd" * 4 + "bcd" * 4 + "ab")
    label = [1] * 12 + [0, 1, 1] * 4 + [1, 0]
    ann = Annotations.from_arrays(item, who, label, classes=[0, 1])
    hits, seen = reliability_counts(ann)
    a, b = ann.annotators.get_indexer(["a", "b"])
    # a: right on items 0-3, wrong on the tie (the other label is b's); b: wrong 5 times
    assert (hits[a], seen[a], hits[b], seen[b]) == (4, 5, 0, 5)
    assert get_method("mv").fit_predict(ann)[8] == 1  # default: the reliable annotator's class
    assert get_method("mv", tie_break="first").fit_predict(ann)[8] == 0
    swapped = Annotations.from_arrays(item, who, label, classes=[1, 0])  # class order reversed
    assert swapped.classes[get_method("mv").fit_predict(swapped)[8]] == 1
    # two labels per item: agreement with the *other* label, not with the whole vote
    # (where everyone would agree on every untied item)
    pair = Annotations.from_arrays([0, 0, 1, 1], list("abab"), [1, 1, 0, 1])
    h, n = reliability_counts(pair)
    assert h.tolist() == [1, 1] and n.tolist() == [2, 2]


def test_majority_vote_skills_and_refusals() -> None:
    from labeljury.errors import InputError

    ann = Annotations.from_arrays([0, 0, 0, 1, 1], ["a", "b", "c", "a", "b"], [1, 0, 0, 1, 0])
    assert get_method("mv", skills={"a": 5, "b": 1, "c": 1}).fit_predict(ann).tolist() == [1, 1]
    assert get_method("mv", skills=np.array([5.0, 1, 1])).fit_predict(ann).tolist() == [1, 1]
    with pytest.raises(InputError, match="c"):
        get_method("mv", skills={"a": 5, "b": 1}).fit(ann)
    m = get_method("mv", skills={"a": 5, "b": 1}, on_missing_skill="ignore").fit(ann)
    assert m.labels_.tolist() == [1, 1]
    m = get_method("mv", skills={"a": 1, "b": 1}, on_missing_skill="value", default_skill=3.0).fit(
        ann
    )
    assert m.labels_.tolist() == [0, 0]
    with pytest.raises(InputError, match="non-negative"):
        get_method("mv", skills={"a": -1, "b": 1, "c": 1}).fit(ann)
    with pytest.raises(InputError, match="tie_break"):
        get_method("mv", tie_break="largest").fit(ann)


def test_gold_majority_vote_weights_by_gold_accuracy() -> None:
    ann = Annotations.from_arrays(
        [0, 0, 0, 1, 1, 1, 2, 2, 2], list("abcabcabc"), [0, 1, 1, 0, 1, 1, 0, 1, 1]
    ).with_gold({0: 0, 1: 0})
    m = get_method("gold_majority_vote").fit(ann)
    assert m.skills_.tolist() == [1.0, 0.0, 0.0]
    assert m.labels_.tolist() == [0, 0, 0]  # a alone is right on gold: a decides
    assert m.annotator_skill_.tolist() == [1.0, 0.0, 0.0]


def test_dawid_skene_initial_error_steers_the_start() -> None:
    # two annotators who disagree on every item: the given history decides who is right
    ann = Annotations.from_arrays(
        np.repeat(np.arange(6), 2),
        np.tile(["good", "bad"], 6),
        np.c_[np.arange(6) % 2, 1 - np.arange(6) % 2].ravel(),
    )
    hist = {
        "good": np.array([[19.0, 1.0], [1.0, 19.0]]),
        "bad": np.array([[1.0, 19.0], [19.0, 1.0]]),
    }
    m = get_method("ds", max_iter=1, initial_error=hist, initial_error_strategy="addition").fit(ann)
    np.testing.assert_array_equal(m.labels_, np.arange(6) % 2)
    flipped = {"good": hist["bad"], "bad": hist["good"]}
    m = get_method("ds", max_iter=1, initial_error=flipped, initial_error_strategy="addition").fit(
        ann
    )
    np.testing.assert_array_equal(m.labels_, 1 - np.arange(6) % 2)
