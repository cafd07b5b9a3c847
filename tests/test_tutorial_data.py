"""The classic tutorial data, and CROWDLAB with our model beating majority vote on it."""

from __future__ import annotations

import numpy as np
import pytest

from labeljury.methods import MajorityVote, get_method
from labeljury.model import out_of_fold_pred_probs
from labeljury.synth.tutorial import make_tutorial_data, noise_matrix_from_trace


def test_shape_and_ids():
    d = make_tutorial_data(0)
    ann = d.annotations
    assert list(ann.annotators) == [f"A{j:04d}" for j in range(1, 51)]
    assert list(ann.classes) == [0, 1, 2]
    assert 290 <= ann.n_items <= 300  # examples nobody labeled are dropped
    assert len(d.features) == ann.n_items == len(d.true_labels)
    assert list(d.features.index) == list(ann.items)
    # about 10% of 300 examples each
    per = ann.annotations_per_annotator()
    assert 20 <= per.mean() <= 40
    # the class sizes 150/75/75 survive (up to dropped examples)
    assert np.abs(np.bincount(d.true_labels) - [150, 75, 75]).max() <= 10


def test_reproducible():
    a, b, c = make_tutorial_data(3), make_tutorial_data(3), make_tutorial_data(4)
    assert a.annotations == b.annotations
    np.testing.assert_array_equal(a.features, b.features)
    assert a.annotations != c.annotations


@pytest.mark.parametrize("trace", [0.8 * 3, 0.35 * 3, 2.0])
def test_noise_matrix_convention(trace):
    m = noise_matrix_from_trace(3, trace, np.random.default_rng(0))
    np.testing.assert_allclose(m.sum(axis=0), 1.0)  # columns: P(label | truth)
    assert np.trace(m) == pytest.approx(trace)
    assert (m >= 0).all()
    off = np.where(np.eye(3, dtype=bool), -np.inf, m).max(axis=0)
    assert np.all(np.diag(m) > off)  # the truth stays the most likely label


def test_poor_annotators_are_worse():
    d = make_tutorial_data(0)
    ann = d.annotations
    right = ann.label == d.true_labels[ann.item]
    acc = np.bincount(ann.annotator, right) / ann.annotations_per_annotator()
    assert acc[45:].mean() < acc[:45].mean() - 0.25


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(4))
def test_crowdlab_with_our_model_beats_majority_vote(seed):
    d = make_tutorial_data(seed)
    mv = MajorityVote().fit(d.annotations)
    pp, _ = out_of_fold_pred_probs(
        d.features, mv.probas_, n_classes=3, random_state=seed, refit=False
    )
    cl = get_method("crowdlab").fit(d.annotations, pp)
    acc_mv = (mv.labels_ == d.true_labels).mean()
    acc_cl = (cl.labels_ == d.true_labels).mean()
    assert acc_cl > acc_mv + 0.02
    # measured 0.943, 0.977, 0.977, 0.980 on seeds 0-3 (seed 0: boosted trees, chosen by
    # their calibrated CV log loss 0.673 against the logistic model's 0.704)
    assert acc_cl >= 0.94
