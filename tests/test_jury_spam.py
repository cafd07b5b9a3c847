"""Jury's spam rows (know / crowd-typical mistake / spam) and their choice by gold items."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from labeljury import Annotations
from labeljury.errors import InputError
from labeljury.methods._jury_rows import ItemSubset
from labeljury.methods._jury_spam import SpamRows
from labeljury.methods.jury import Jury
from labeljury.synth import make_dawid_skene


def _spammer_crowd(seed: int, n: int = 400, n_annotators: int = 30, per_item: int = 3
                   ) -> tuple[Annotations, np.ndarray, np.ndarray]:
    """Annotators who know the answer with their own probability, else click their
    favourite class 90% of the time; and a weak model (right 50-80% of the time)."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 2, n)
    know = rng.uniform(0.1, 0.95, n_annotators)
    favourite = rng.integers(0, 2, n_annotators)
    items = np.repeat(np.arange(n), per_item)
    who = np.concatenate([rng.choice(n_annotators, per_item, replace=False) for _ in range(n)])
    spam = np.where(rng.random(items.size) < 0.9, favourite[who], 1 - favourite[who])
    labels = np.where(rng.random(items.size) < know[who], truth[items], spam)
    confidence = rng.uniform(0.5, 0.8, n)
    top = np.where(rng.random(n) < confidence, truth, 1 - truth)
    pred_probs = np.empty((n, 2))
    pred_probs[np.arange(n), top] = confidence
    pred_probs[np.arange(n), 1 - top] = 1 - confidence
    return Annotations.from_arrays(items, who, labels), truth, pred_probs


def _rows(seed: int = 4) -> tuple[Annotations, SpamRows]:
    ann, _, _ = make_dawid_skene(300, 20, 3, labels_per_item=3, random_state=seed)
    share = ann.vote_counts() / ann.vote_counts().sum(axis=1, keepdims=True)
    weight = np.ones(ann.n_items)
    first = SpamRows(ann, share, weight, m=2.0, g=0.5)
    return ann, SpamRows(ann, share, weight, m=2.0, g=0.5, previous=first)


def test_spam_rows_are_confusion_rows_and_their_likelihood_sums_them() -> None:
    ann, rows = _rows()
    conf = rows.confusions
    np.testing.assert_allclose(conf.sum(axis=2), 1.0)
    np.testing.assert_allclose(rows.shares.sum(axis=1), 1.0)
    assert np.all(np.diag(rows.pattern) == 0) and np.allclose(rows.pattern.sum(axis=1), 1.0)
    expected = np.zeros((ann.n_items, ann.n_classes))
    np.add.at(expected, ann.item, np.log(conf[ann.annotator, :, ann.label]))
    np.testing.assert_allclose(rows.loglik(), expected)


def test_spam_rows_leave_each_label_out_of_its_annotators_counts() -> None:
    ann, rows = _rows()
    j = 5
    a, lab = ann.annotator[j], ann.label[j]
    parts = rows._parts(np.array([j]))[0]
    own = rows.counts[a] - parts
    shares = (own + 2.0 * rows.crowd_shares) / (rows.total[a] - 1.0 + 2.0)
    spam = parts[2]
    strategy = (rows.spam[a, lab] - spam + 0.5 * rows.crowd_strategy[lab]) / \
        (rows.spam_total[a] - spam + 0.5)
    expected = shares[1] * rows.pattern[:, lab] + shares[2] * strategy
    expected[lab] = shares[0] + shares[2] * strategy
    np.testing.assert_allclose(np.exp(rows.loo_terms(np.array([j]))[0]), expected)
    # not the in-sample row: the label's own influence is gone
    assert not np.allclose(expected, rows.confusions[a, :, lab])
    # item totals are the sums of the terms, and an item subset gives those rows
    terms = rows.loo_terms(np.arange(ann.n_annotations))
    totals = np.zeros((ann.n_items, ann.n_classes))
    np.add.at(totals, ann.item, terms)
    np.testing.assert_allclose(rows.loo_loglik(), totals)
    np.testing.assert_allclose(rows.loo_loglik(chunk=7), totals)  # chunked: the same sums
    items = np.sort(np.random.default_rng(0).choice(ann.n_items, 80, replace=False))
    np.testing.assert_allclose(rows.loo_loglik(ItemSubset(ann, items)), totals[items])


def test_spam_rows_find_spammers_one_coin_rows_cannot_describe() -> None:
    gains, spam_share = [], []
    for seed in range(3):
        ann, truth, pred_probs = _spammer_crowd(seed)
        usual = Jury(spam=False).fit(ann, pred_probs)
        spam = Jury(spam=True).fit(ann, pred_probs)
        gains.append((spam.labels_ == truth).mean() - (usual.labels_ == truth).mean())
        assert spam.spam_ and not usual.spam_
        spam_share.append(float(np.mean(spam.confusion_matrices_[:, 0, 0]
                                        != spam.confusion_matrices_[:, 1, 1])))
    # measured +2.5, +1.8 and +6.0 points
    assert np.mean(gains) >= 0.015
    # a spammer's accuracy depends on the class: the rows are no longer one-coin
    assert min(spam_share) > 0.5


def test_auto_chooses_the_rows_the_gold_items_prefer() -> None:
    ann, truth, pred_probs = _spammer_crowd(2)
    # without gold items "auto" keeps the usual rows
    plain = Jury().fit(ann, pred_probs)
    assert plain.spam_ is False and plain.family_gold_loglik_ is None
    gold_items = np.random.default_rng(0).choice(ann.n_items, 40, replace=False)
    with_gold = ann.with_gold(dict(zip(ann.items[gold_items], ann.classes[truth[gold_items]],
                                       strict=True)))
    auto = Jury().fit(with_gold, pred_probs)
    scores = auto.family_gold_loglik_
    assert set(scores) == {"default", "spam"}
    assert auto.spam_ == (scores["spam"] > scores["default"])
    assert auto.spam_  # on this crowd the spam rows are 6 points more accurate
    # the choice is made with the gold hidden; the final fit pins it as usual
    assert np.array_equal(auto.labels_[gold_items], truth[gold_items])
    # without a model the usual rows are free confusion matrices: no choice either
    assert Jury().fit(with_gold).family_gold_loglik_ is None
    # fewer than 20 gold items: no choice
    few = ann.with_gold(dict(zip(ann.items[gold_items[:10]],
                                 ann.classes[truth[gold_items[:10]]], strict=True)))
    assert Jury().fit(few, pred_probs).family_gold_loglik_ is None


def test_spam_rows_without_a_model_and_with_many_classes() -> None:
    ann, truth, _ = make_dawid_skene(300, 15, 5, labels_per_item=4, random_state=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        jury = Jury(spam=True).fit(ann)
    assert jury.labels_.shape == (300,) and (jury.labels_ == truth).mean() > 0.8
    np.testing.assert_allclose(jury.probas_.sum(axis=1), 1.0)
    assert np.all((jury.consensus_quality_ >= 0) & (jury.consensus_quality_ <= 1))


@pytest.mark.parametrize(("kw", "words"), [({"spam": "yes"}, "spam must be True, False"),
                                           ({"spam_strength": 0}, "spam_strength must be")])
def test_bad_spam_settings_get_a_clear_error(kw: dict, words: str) -> None:
    ann, _, _ = _spammer_crowd(0, n=20)
    with pytest.raises(InputError, match=words):
        Jury(**kw).fit(ann)


def test_only_the_final_fit_warns_about_convergence() -> None:
    from labeljury.errors import ConvergenceWarning

    ann, truth, pred_probs = _spammer_crowd(1)
    gold_items = np.arange(40)
    with_gold = ann.with_gold(dict(zip(ann.items[gold_items], ann.classes[truth[gold_items]],
                                       strict=True)))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        jury = Jury(max_iter=2).fit(with_gold, pred_probs)
    assert jury.family_gold_loglik_ is not None  # four trial fits ran, none converged
    assert sum(issubclass(w.category, ConvergenceWarning) for w in caught) == 1


def test_annotator_stats_name_the_spammers_and_the_answer_they_click() -> None:
    from scipy.stats import spearmanr

    from labeljury import aggregate

    rng = np.random.default_rng(7)
    n, n_annotators = 600, 20
    truth = rng.integers(0, 2, n)
    know = np.linspace(0.05, 0.95, n_annotators)
    favourite = rng.integers(0, 2, n_annotators)
    items = np.repeat(np.arange(n), 3)
    who = np.concatenate([rng.choice(n_annotators, 3, replace=False) for _ in range(n)])
    spam = np.where(rng.random(items.size) < 0.95, favourite[who], 1 - favourite[who])
    labels = np.where(rng.random(items.size) < know[who], truth[items], spam)
    ann = Annotations.from_arrays(items, [f"w{a:02d}" for a in who], labels)
    stats = aggregate(ann, method=Jury(spam=True)).annotator_stats.set_index("annotator")
    stats = stats.loc[[f"w{a:02d}" for a in range(n_annotators)]]
    assert spearmanr(stats["spam_share"], 1 - know)[0] > 0.8
    # the ten who spam most often click their favourite answer
    clear = np.argsort(know)[:10]
    assert np.mean(stats["spam_answer"].to_numpy()[clear] == favourite[clear]) >= 0.9
    # the usual rows add no such columns
    plain = aggregate(ann, method=Jury(spam=False)).annotator_stats
    assert "spam_share" not in plain.columns
