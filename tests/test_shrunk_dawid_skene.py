"""ShrunkDawidSkene: the baseline every default is measured against (issue 15)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from labeljury import Annotations
from labeljury.errors import InputError
from labeljury.methods import DawidSkene, MajorityVote, get_method, method_class
from labeljury.methods.shrunk_dawid_skene import ShrunkDawidSkene
from labeljury.synth import make_dawid_skene


def _quiet_fit(est, ann, pred_probs=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(ann, pred_probs)


@pytest.fixture(scope="module")
def sim():
    # about 50 labels per annotator, 3 classes: each confusion row rests on ~17 labels
    return make_dawid_skene(
        800, 60, 3, labels_per_item=(3, 5), accuracy=(0.3, 0.95), random_state=0
    )


def test_registered_with_alias():
    assert method_class("sds") is ShrunkDawidSkene
    assert method_class("shrunk-dawid-skene") is ShrunkDawidSkene
    assert get_method("sds", strength=3.0).strength == 3.0


def test_beats_majority_vote_on_simulated_data(sim):
    ann, truth, _ = sim
    sds = (_quiet_fit(ShrunkDawidSkene(), ann).labels_ == truth).mean()
    mv = (MajorityVote().fit(ann).labels_ == truth).mean()
    assert sds > mv + 0.02, (sds, mv)


def test_strength_zero_limit_is_dawid_skene(sim):
    ann, _, _ = sim
    ds = _quiet_fit(DawidSkene(smoothing=1e-10, max_iter=30, tol=0), ann)
    sds = _quiet_fit(ShrunkDawidSkene(strength=1e-10, max_iter=30, tol=0), ann)
    assert np.abs(ds.probas_ - sds.probas_).max() < 1e-5
    assert (ds.labels_ == sds.labels_).all()


def test_shrinkage_pulls_rows_toward_pooled(sim):
    ann, _, _ = sim
    weak = _quiet_fit(ShrunkDawidSkene(strength=0.5), ann)
    strong = _quiet_fit(ShrunkDawidSkene(strength=50.0), ann)

    def spread(est):
        return np.abs(est.confusion_matrices_ - est.pooled_confusion_).mean()

    assert spread(strong) < 0.5 * spread(weak)


def test_model_prior_enters_with_weight_one():
    # one item, two annotators disagreeing: the posterior is exactly prior x model x likelihood
    ann = Annotations.from_arrays([0, 0, 1, 1], ["a", "b", "a", "b"], [0, 1, 0, 0])
    pp = np.array([[0.2, 0.8], [0.7, 0.3]])
    with_model = _quiet_fit(ShrunkDawidSkene(max_iter=5), ann, pp)
    without = _quiet_fit(ShrunkDawidSkene(max_iter=5), ann)
    # with the model's own probabilities the item 0 tie is broken toward class 1
    assert with_model.labels_[0] == 1
    # weight one: one E-step from fixed parameters multiplies the posterior odds by the model odds
    one = ShrunkDawidSkene(max_iter=1)
    a = _quiet_fit(one, ann, pp).probas_
    b = _quiet_fit(ShrunkDawidSkene(max_iter=1), ann).probas_
    odds = (a[:, 1] / a[:, 0]) / (b[:, 1] / b[:, 0])
    np.testing.assert_allclose(odds, pp[:, 1] / pp[:, 0], rtol=1e-9)
    assert not np.allclose(with_model.probas_, without.probas_)


def test_invariant_to_item_and_annotator_order(sim):
    ann, _, _ = sim
    rng = np.random.default_rng(0)
    item_perm = rng.permutation(ann.n_items)
    ann_perm = rng.permutation(ann.n_annotators)
    inv_item = np.argsort(item_perm)
    shuffled = Annotations(
        inv_item[ann.item],
        np.argsort(ann_perm)[ann.annotator],
        ann.label,
        items=np.asarray(ann.items)[item_perm].tolist(),
        annotators=np.asarray(ann.annotators)[ann_perm].tolist(),
        classes=list(ann.classes),
    )
    pp = rng.dirichlet(np.ones(3), size=ann.n_items)
    a = _quiet_fit(ShrunkDawidSkene(), ann, pp)
    b = _quiet_fit(ShrunkDawidSkene(), shuffled, pp[item_perm])
    np.testing.assert_allclose(b.probas_, a.probas_[item_perm], atol=1e-8)
    np.testing.assert_allclose(b.annotator_skill_, a.annotator_skill_[ann_perm], atol=1e-8)


def test_probas_rows_sum_to_one(sim):
    ann, _, _ = sim
    pp = np.random.default_rng(1).dirichlet(np.ones(3), size=ann.n_items)
    for p in (None, pp):
        est = _quiet_fit(ShrunkDawidSkene(), ann, p)
        np.testing.assert_allclose(est.probas_.sum(axis=1), 1.0, atol=1e-12)
        np.testing.assert_allclose(est.confusion_matrices_.sum(axis=2), 1.0, atol=1e-12)
        assert np.isfinite(est.probas_).all()


def test_max_iter_zero_is_majority_vote_start(sim):
    ann, _, _ = sim
    est = _quiet_fit(ShrunkDawidSkene(max_iter=0), ann)
    votes = ann.vote_counts()
    np.testing.assert_allclose(est.probas_, votes / votes.sum(axis=1, keepdims=True))
    # the majority-vote start; its labels are the argmax (ties: the lowest class code)
    assert (est.labels_ == MajorityVote(tie_break="first").fit(ann).labels_).all()
    assert np.isnan(est.log_likelihood_)


def test_zero_model_probability_stays_finite(sim):
    ann, _, _ = sim
    pp = np.zeros((ann.n_items, 3))
    pp[:, 0] = 1.0
    est = _quiet_fit(ShrunkDawidSkene(), ann, pp)
    assert np.isfinite(est.probas_).all()


def test_negative_strength_is_a_clear_error(sim):
    with pytest.raises(InputError, match="strength"):
        ShrunkDawidSkene(strength=-1).fit(sim[0])
