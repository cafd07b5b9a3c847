"""Multi-label methods: per-class MV, per-class Dawid-Skene, MultiJury."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from labeljury import Annotations
from labeljury.errors import InputError, PredProbsError, UnknownMethodError
from labeljury.multilabel import MultiLabelAnnotations
from labeljury.multilabel.methods import (
    MultiDawidSkene,
    MultiJury,
    MultiMajorityVote,
    method_class,
)
from labeljury.multilabel.synth import make_multilabel_crowd


def _exact(labels, truth):
    return float(np.mean((labels == truth).all(axis=1)))


@pytest.fixture(scope="module")
def crowd():
    return make_multilabel_crowd(600, 8, 60, 3.0, random_state=11)


def test_majority_vote_per_class():
    ann = MultiLabelAnnotations.from_sets(
        ["d", "d", "d", "e", "e"], ["a", "b", "c", "a", "b"], [["x", "y"], ["x"], [], ["y"], []]
    )
    m = MultiMajorityVote().fit(ann)
    # e: one of two chose y, a tie, which leaves y out
    assert m.labels_.tolist() == [[True, False], [False, False]]
    assert np.allclose(m.probas_, [[2 / 3, 1 / 3], [0, 0.5]])
    assert np.allclose(m.consensus_quality_, [2 / 3 * 2 / 3, 0.5])


@pytest.mark.parametrize("cls", [MultiMajorityVote, MultiDawidSkene, MultiJury])
def test_contract(cls, crowd):
    ann = crowd.annotations
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = cls().fit(ann)
    assert m.probas_.shape == m.labels_.shape == (ann.n_items, ann.n_classes)
    assert m.sensitivity_.shape == m.specificity_.shape == (ann.n_annotators, ann.n_classes)
    assert ((m.probas_ >= 0) & (m.probas_ <= 1)).all()
    assert ((m.consensus_quality_ > 0) & (m.consensus_quality_ <= 1)).all()
    assert m.annotator_skill_.shape == (ann.n_annotators,)
    # every method finds the truth far better than chance on this crowd
    assert np.mean(m.labels_ == crowd.truth) > 0.9


def test_jury_beats_vote_and_dawid_skene(crowd):
    ann, truth = crowd.annotations, crowd.truth
    mv = _exact(MultiMajorityVote().fit(ann).labels_, truth)
    ds = _exact(MultiDawidSkene().fit(ann).labels_, truth)
    jury = MultiJury().fit(ann)
    # per-class Dawid-Skene fits few-item annotators poorly; Jury's shrinkage does not
    assert _exact(jury.labels_, truth) > ds + 0.02
    assert _exact(jury.labels_, truth) >= mv
    # spammers get the lowest skill
    assert (
        jury.annotator_skill_[crowd.spammer].mean() < jury.annotator_skill_[~crowd.spammer].mean()
    )
    # the set-quality score ranks wrong sets low
    from sklearn.metrics import roc_auc_score

    wrong = ~(jury.labels_ == truth).all(axis=1)
    assert roc_auc_score(wrong, -jury.consensus_quality_) > 0.7


def test_classes_are_independent_of_their_order(crowd):
    ann = crowd.annotations
    perm = np.random.default_rng(0).permutation(ann.n_classes)
    chosen = ann.chosen()[:, perm]
    ann2 = MultiLabelAnnotations.from_dense(
        ann.item,
        ann.annotator,
        chosen,
        items=ann.items,
        annotators=ann.annotators,
        classes=ann.classes[perm],
    )
    a = MultiJury(tol=1e-6, max_iter=500).fit(ann).probas_
    b = MultiJury(tol=1e-6, max_iter=500).fit(ann2).probas_
    assert np.allclose(a[:, perm], b, atol=1e-4)  # float32 E-steps


def test_model_prior_helps_and_a_useless_model_does_little_harm(crowd):
    ann, truth = crowd.annotations, crowd.truth
    rng = np.random.default_rng(1)
    # a weak, miscalibrated model: 0.8 / 0.2 plus noise, whatever the class's prevalence
    pp = np.clip(np.where(truth, 0.8, 0.2) + rng.normal(0, 0.3, truth.shape), 0, 1)
    assert _exact(pp > 0.5, truth) < 0.4
    without = _exact(MultiJury().fit(ann).labels_, truth)
    assert _exact(MultiJury().fit(ann, pred_probs=pp).labels_, truth) > without + 0.03
    noise = rng.random(truth.shape)
    assert _exact(MultiJury().fit(ann, pred_probs=noise).labels_, truth) > without - 0.02
    with pytest.raises(PredProbsError, match="one column per class"):
        MultiJury().fit(ann, pred_probs=pp[:, :3])
    with pytest.raises(InputError, match="does not use pred_probs"):
        MultiDawidSkene().fit(ann, pred_probs=pp)


def test_matches_crowdkit_binary_relevance_dawid_skene():
    crowdkit = pytest.importorskip("crowdkit.aggregation")
    c = make_multilabel_crowd(300, 4, 20, 4.0, random_state=5)
    ann = c.annotations
    df = ann.to_long()
    df = pd.DataFrame(
        {
            "task": df["item"],
            "worker": df["annotator"],
            "label": [s.split("|") if s else [] for s in df["label"]],
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = crowdkit.BinaryRelevance(crowdkit.DawidSkene(n_iter=200)).fit_predict(df)
    theirs = np.zeros_like(c.truth)
    for i, v in enumerate(res.reindex(ann.items)):
        for cls_name in v if isinstance(v, list) else []:
            theirs[i, ann.classes.get_loc(cls_name)] = True
    ours = MultiDawidSkene(tol=1e-7, max_iter=1000).fit(ann).labels_
    # the same model and EM, from different starts and stops: mostly the same sets
    # (crowd-kit starts from a hard vote), and as close to the truth
    assert np.mean(ours == theirs) > 0.95
    assert np.mean(ours == c.truth) > np.mean(theirs == c.truth) - 0.01


def test_wrong_kind_of_data_and_method():
    single = Annotations.from_arrays(["d", "d"], ["a", "b"], ["x", "y"])
    with pytest.raises(InputError, match="multi-label method"):
        MultiJury().fit(single)
    with pytest.raises(UnknownMethodError, match="not a multi-label method"):
        method_class("glad")
    assert method_class("auto") is MultiJury
