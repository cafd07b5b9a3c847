"""cleanlab 2.9.0's multi-annotator scenarios, run against labeljury.

Written by us from cleanlab's documented behaviour (the cases its
multi-annotator tests exercise: consensus, majority vote and its ties, active
learning scores for labeled and unlabeled items, ensembles, a class nobody
chose); cleanlab computes the reference values at test time and the module is
skipped without it (``make test`` installs it). CROWDLAB's scores themselves
are compared in tests/test_crowdlab.py. Differences are asserted and explained
in docs/methods.md ("Where we differ from cleanlab").
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from labeljury import Annotations, relabel_priority
from labeljury.errors import PredProbsError
from labeljury.methods import MajorityVote
from labeljury.methods.crowdlab import CrowdLab
from labeljury.synth.tutorial import make_tutorial_data

cm = pytest.importorskip("cleanlab.multiannotator")


def model(truth: np.ndarray, k: int, seed: int, signal: float = 1.5) -> np.ndarray:
    """A synthetic classifier: Gaussian logits, ``signal`` added on the true class."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(len(truth), k))
    logits[np.arange(len(truth)), truth] += signal
    p = np.exp(logits)
    return p / p.sum(axis=1, keepdims=True)


@pytest.fixture(scope="module", params=[0, 1])
def case(request) -> tuple[Annotations, np.ndarray, np.ndarray, pd.DataFrame]:
    d = make_tutorial_data(request.param)
    ann = d.annotations
    return ann, model(d.true_labels, 3, request.param), d.true_labels, ann.to_wide().astype(float)


def quiet(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kw)


def test_consensus_same_as_cleanlab(case) -> None:
    ann, pp, _truth, wide = case
    ref = quiet(cm.get_label_quality_multiannotator, wide, pp, verbose=False)
    m = CrowdLab().fit(ann, pp)
    assert (m.labels_ == ref["label_quality"]["consensus_label"].to_numpy()).mean() >= 0.99


def test_majority_vote_with_pred_probs_same_as_cleanlab(case) -> None:
    ann, pp, _, wide = case
    ref = quiet(cm.get_majority_vote_label, wide, pp, verbose=False)
    np.testing.assert_array_equal(MajorityVote().fit(ann, pp).labels_, ref)


def test_majority_vote_ties_without_pred_probs_differ(case) -> None:
    """cleanlab breaks ties by the *rarest* class, then annotator agreement, then the
    global random generator; ours by the lowest class code (measured, docs/methods.md).
    Outside ties the labels are the same."""
    ann, _, _, wide = case
    ref = quiet(cm.get_majority_vote_label, wide, None, verbose=False)
    votes = np.asarray(ann.vote_counts())
    tied = (votes == votes.max(axis=1, keepdims=True)).sum(axis=1) > 1
    mine = MajorityVote().fit(ann).labels_
    np.testing.assert_array_equal(mine[~tied], ref[~tied])
    assert tied.any() and (mine[tied] != ref[tied]).any()
    rarest = MajorityVote(tie_break="frequency").fit(ann).labels_
    assert (rarest[tied] != ref[tied]).any()  # and not by the most frequent class either


def test_active_learning_scores_rank_like_cleanlab(case) -> None:
    """Same idea (ActiveLab), our own weights: rank correlation, not equality."""
    ann, pp, truth, wide = case
    unlabeled = model(truth[:40], 3, seed=99)
    s, s_u = quiet(cm.get_active_learning_scores, wide, pp, unlabeled)
    pr = relabel_priority(ann, pp, unlabeled)
    lab = pr[pr["labeled"]].set_index("item")["priority_score"].reindex(ann.items)
    unl = pr[~pr["labeled"]].set_index("item")["priority_score"].sort_index()
    assert spearmanr(lab.to_numpy(), s)[0] >= 0.75
    assert spearmanr(unl.to_numpy(), s_u)[0] >= 0.9


def test_active_learning_scores_ensemble(case) -> None:
    ann, pp, truth, wide = case
    pp2 = model(truth, 3, seed=7, signal=0.5)
    stack = np.stack([pp, pp2])
    unl = np.stack([model(truth[:40], 3, seed=99), model(truth[:40], 3, seed=98, signal=0.5)])
    s, s_u = quiet(cm.get_active_learning_scores_ensemble, wide, stack.copy(), unl.copy())
    pr = relabel_priority(ann, stack, unl)  # cleanlab's (P, N, K) layout, as is
    lab = pr[pr["labeled"]].set_index("item")["priority_score"].reindex(ann.items)
    unl_scores = pr[~pr["labeled"]].set_index("item")["priority_score"].sort_index()
    assert spearmanr(lab.to_numpy(), s)[0] >= 0.75
    assert spearmanr(unl_scores.to_numpy(), s_u)[0] >= 0.9
    # the weak second model weighs less than the good one
    one = relabel_priority(ann, pp)
    assert spearmanr(one.set_index("item")["priority_score"].reindex(ann.items), lab)[0] > 0.9


def test_ensemble_unlabeled_needs_the_same_models(case) -> None:
    ann, pp, truth, _ = case
    stack = np.stack([pp, model(truth, 3, seed=7)])
    with pytest.raises(PredProbsError, match="one per model"):
        relabel_priority(ann, stack, np.stack([pp[:5]] * 3))


def test_a_class_nobody_chose_needs_classes() -> None:
    """cleanlab reads K from pred_probs; our classes come from the labels unless given."""
    wide = pd.DataFrame(
        {"a": [0, 1, 0, 1, 0], "b": [0, 1, 1, 1, np.nan], "c": [np.nan, 1, 0, 1, 0]}
    )
    pp = np.array(
        [[0.6, 0.2, 0.2], [0.1, 0.7, 0.2], [0.5, 0.3, 0.2], [0.2, 0.5, 0.3], [0.3, 0.1, 0.6]]
    )
    ref = quiet(cm.get_label_quality_multiannotator, wide, pp, verbose=False)
    assert ref["label_quality"].shape[0] == 5
    with pytest.raises(PredProbsError):
        CrowdLab().fit(Annotations.from_wide(wide), pp)
    m = CrowdLab().fit(Annotations.from_wide(wide, classes=[0, 1, 2]), pp)
    assert m.probas_.shape == (5, 3)
    assert (m.labels_ == ref["label_quality"]["consensus_label"].to_numpy()).all()
