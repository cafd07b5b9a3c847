"""Parameter recovery: each method, fitted on data drawn from its own model, finds the truth.

Tolerances are stated per test; with 3,000 items x 5 labels from 10 annotators
(~1,500 labels per annotator) the measured errors are about half of them
(seeds 0-2), so a real regression fails while sampling noise does not.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from labeljury.methods import (
    GLAD,
    KOS,
    MACE,
    MMSR,
    DawidSkene,
    MajorityVote,
    OneCoinDawidSkene,
    Wawa,
    ZeroBasedSkill,
)
from labeljury.synth import make_dawid_skene, make_glad, make_mace, make_one_coin

SEEDS = [0, 1]


@pytest.mark.parametrize("seed", SEEDS)
def test_dawid_skene_confusion_matrices(seed: int) -> None:
    ann, truth, p = make_dawid_skene(3000, 10, 3, labels_per_item=5, random_state=seed)
    m = DawidSkene().fit(ann)
    err = np.abs(m.confusion_matrices_ - p["confusion_matrices"])
    assert err.mean() < 0.025  # measured 0.012-0.014
    assert err.max() < 0.12  # measured < 0.062
    np.testing.assert_allclose(m.priors_, p["priors"], atol=0.03)
    assert np.mean(m.labels_ == truth) > 0.95


@pytest.mark.parametrize("seed", SEEDS)
def test_one_coin_accuracies(seed: int) -> None:
    ann, _truth, p = make_one_coin(3000, 10, 4, labels_per_item=5, random_state=seed)
    m = OneCoinDawidSkene().fit(ann)
    err = np.abs(m.annotator_skill_ - p["accuracies"])
    assert err.mean() < 0.02 and err.max() < 0.06  # measured mean <= 0.011, max <= 0.03


@pytest.mark.parametrize("seed", SEEDS)
def test_mmsr_accuracies(seed: int) -> None:
    ann, _truth, p = make_one_coin(3000, 10, 4, labels_per_item=5, random_state=seed)
    m = MMSR().fit(ann)
    err = np.abs(m.annotator_skill_ - p["accuracies"])
    assert err.mean() < 0.025 and err.max() < 0.06  # measured mean <= 0.012, max <= 0.029


@pytest.mark.parametrize("seed", SEEDS)
def test_mace_competences(seed: int) -> None:
    ann, truth, p = make_mace(3000, 10, 3, labels_per_item=5, random_state=seed)
    m = MACE().fit(ann)
    err = np.abs(m.annotator_skill_ - p["competences"])
    assert err.mean() < 0.025 and err.max() < 0.07  # measured mean <= 0.012, max <= 0.035
    np.testing.assert_allclose(m.spam_rates_, 1 - m.annotator_skill_)
    assert np.mean(m.labels_ == truth) > 0.93


@pytest.mark.parametrize("seed", SEEDS)
def test_glad_abilities(seed: int) -> None:
    # With 5 labels per item each beta is poorly determined and the Gaussian
    # priors shrink alpha*beta, so the abilities are recovered up to scale:
    # we test their ordering (Pearson r) rather than their values.
    ann, truth, p = make_glad(3000, 10, 2, labels_per_item=5, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = GLAD().fit(ann)
    assert np.corrcoef(m.alphas_, p["alphas"])[0, 1] > 0.97  # measured 0.991-0.994
    assert np.corrcoef(np.log(m.betas_), np.log(p["betas"]))[0, 1] > 0.3  # measured 0.45-0.47
    assert np.mean(m.labels_ == truth) >= np.mean(MajorityVote().fit_predict(ann) == truth)


@pytest.mark.parametrize("seed", SEEDS)
def test_vote_weights_track_accuracy(seed: int) -> None:
    ann, _truth, p = make_one_coin(3000, 10, 4, labels_per_item=5, random_state=seed)
    for method in (Wawa(), ZeroBasedSkill()):
        r = np.corrcoef(method.fit(ann).annotator_skill_, p["accuracies"])[0, 1]
        assert r > 0.97, type(method).__name__  # measured >= 0.995


@pytest.mark.parametrize("seed", SEEDS)
def test_kos_beats_majority_vote(seed: int) -> None:
    ann, truth, p = make_one_coin(3000, 10, 2, labels_per_item=5, random_state=seed)
    m = KOS().fit(ann)
    mv = np.mean(MajorityVote().fit_predict(ann) == truth)
    assert np.mean(m.labels_ == truth) > mv + 0.01  # measured +0.024 to +0.048
    assert np.corrcoef(m.annotator_skill_, p["accuracies"])[0, 1] > 0.85  # measured >= 0.92
