"""Jury (methods/jury/): recovery, calibration, determinism, gold, describe(), settings."""

from __future__ import annotations

import numpy as np
import pytest

from labeljury import Annotations
from labeljury.bench.datasets import (
    scenario_confusions,
    scenario_spammers,
    simulate_pred_probs,
    subsample_per_item,
)
from labeljury.bench.metrics import expected_calibration_error
from labeljury.errors import InputError
from labeljury.methods import DawidSkene, Jury, MajorityVote
from labeljury.methods.jury.rows import Rows


def _with_model(data, seed: int, accuracy: float = 0.85) -> np.ndarray:
    return simulate_pred_probs(
        data.gold, data.annotations.n_classes, accuracy, random_state=seed + 100
    )


def _with_gold(ann: Annotations, truth: np.ndarray, chosen: np.ndarray) -> Annotations:
    """``ann`` with the true classes of the items ``chosen`` (positions) as gold."""
    return ann.with_gold(dict(zip(ann.items[chosen], ann.classes[truth[chosen]], strict=True)))


@pytest.mark.parametrize("scenario", [scenario_confusions, scenario_spammers])
def test_recovers_the_truth_better_than_majority_vote_and_dawid_skene(scenario) -> None:
    # class-dependent confusions / spammers and adversaries, three labels per item and a
    # model right 85% of the time, fresh seeds
    for seed in (11, 12, 13):
        data = scenario(seed, per_item=3)
        ann, truth, probs = data.annotations, data.gold, _with_model(data, seed)
        jury = np.mean(Jury().fit(ann, probs).labels_ == truth)
        mv = np.mean(MajorityVote().fit(ann).labels_ == truth)
        ds = np.mean(DawidSkene().fit(ann).labels_ == truth)
        assert jury > max(mv, ds) + 0.02, (seed, jury, mv, ds)


def test_uses_the_model_where_items_carry_two_labels() -> None:
    # spammers and adversaries, two labels per item (a tie on many) and a model right
    # 85% of the time: better than the votes and than the model alone
    for seed in (21, 22):
        data = scenario_spammers(seed)
        ann = data.annotations.take(subsample_per_item(data.annotations, 2, seed))
        probs = _with_model(data, seed)
        jury = np.mean(Jury().fit(ann, probs).labels_ == data.gold)
        mv = np.mean(MajorityVote().fit(ann, probs).labels_ == data.gold)
        assert jury > max(mv, np.mean(probs.argmax(axis=1) == data.gold)), (jury, mv)


def test_keeps_lone_labels_without_a_model() -> None:
    # every item labeled once: nothing says a label is wrong, so none is changed
    data = scenario_confusions(23)
    ann = data.annotations.take(subsample_per_item(data.annotations, 1, 23))
    np.testing.assert_array_equal(Jury().fit(ann).labels_, ann.label[np.argsort(ann.item)])


def test_scores_are_calibrated_on_simulated_crowds_without_gold() -> None:
    eces = []
    for seed in (31, 32, 33):
        data = scenario_confusions(seed)
        fit = Jury().fit(data.annotations, _with_model(data, seed))
        eces.append(expected_calibration_error(fit.consensus_quality_, fit.labels_ == data.gold))
    assert np.mean(eces) <= 0.03, eces


def test_honest_scores_are_less_confident_than_the_posterior() -> None:
    data = scenario_spammers(41)
    fit = Jury(calibrate=False).fit(data.annotations, _with_model(data, 41))
    plain = fit.probas_[np.arange(len(fit.labels_)), fit.labels_]
    assert np.mean(fit.consensus_quality_) < np.mean(plain)
    assert np.all((fit.label_quality_scores_ >= 0) & (fit.label_quality_scores_ <= 1))


def test_leave_one_out_term_is_the_row_refitted_without_the_label() -> None:
    data = scenario_confusions(51, n_items=60, n_annotators=6)
    ann = data.annotations
    post = np.random.default_rng(0).dirichlet(np.ones(4), ann.n_items)
    rows = Rows(ann.one_hot(), post, 2.0)
    terms = rows.loo_terms(ann, post)
    j = 17
    keep = np.arange(ann.n_annotations) != j
    # the same counts with label j's expected contribution removed, by brute force
    counts = np.zeros_like(rows.counts)
    np.add.at(counts, (ann.annotator[keep], slice(None), ann.label[keep]), post[ann.item[keep]])
    a, lab = ann.annotator[j], ann.label[j]
    row = (counts[a, :, lab] + 2.0 * rows.center[a, :, lab]) / (counts[a].sum(axis=1) + 2.0)
    np.testing.assert_allclose(terms[j], np.log(row))
    np.testing.assert_allclose(
        rows.loo_loglik(ann, post)[ann.item[j]], terms[ann.item == ann.item[j]].sum(axis=0)
    )


def test_identical_on_rerun() -> None:
    data = scenario_spammers(61)
    probs = _with_model(data, 61)
    a, b = Jury().fit(data.annotations, probs), Jury().fit(data.annotations, probs)
    np.testing.assert_array_equal(a.probas_, b.probas_)
    np.testing.assert_array_equal(a.consensus_quality_, b.consensus_quality_)
    assert a.describe() == b.describe()


def test_gold_items_are_pinned_and_calibrate_the_scores() -> None:
    data = scenario_confusions(71)
    ann, truth = data.annotations, data.gold
    chosen = np.random.default_rng(0).choice(ann.n_items, 100, replace=False)
    fit = Jury().fit(_with_gold(ann, truth, chosen), _with_model(data, 71))
    np.testing.assert_array_equal(fit.labels_[chosen], truth[chosen])
    np.testing.assert_allclose(fit.consensus_quality_[chosen], 1.0)
    assert fit.describe()["gold_calibration_items"] == 100
    few = Jury().fit(_with_gold(ann, truth, chosen[:10]), _with_model(data, 71))
    assert few.describe()["gold_calibration_items"] == 0  # under 20: the labels fit it
    unpinned = Jury(use_gold=False).fit(_with_gold(ann, truth, chosen), _with_model(data, 71))
    assert np.any(unpinned.labels_[chosen] != truth[chosen])


def test_describe_reports_the_fitted_statistics() -> None:
    data = scenario_confusions(81)
    fit = Jury().fit(data.annotations, _with_model(data, 81))
    info = fit.describe()
    assert set(info) == {"model_weight", "strength", "score_temperature", "gold_calibration_items"}
    assert info["model_weight"] == 1.0 and info["strength"] == 16.0
    assert 0 < info["score_temperature"] <= 1
    assert Jury().fit(data.annotations).describe()["model_weight"] == 0.0
    fixed = Jury(model_weight=0.5).fit(data.annotations, _with_model(data, 81))
    assert fixed.describe()["model_weight"] == 0.5


def test_at_most_six_parameters_and_random_state() -> None:
    params = Jury().get_params()
    assert "random_state" in params and len(params) <= 7


@pytest.mark.parametrize(
    "kw, words",
    [
        ({"strength": "auto"}, "strength must be a number"),
        ({"strength": -1.0}, "got -1.0"),
        ({"model_weight": np.nan}, "model_weight must"),
        ({"max_iter": -1}, "max_iter must"),
        ({"tol": 0}, "tol must"),
    ],
)
def test_bad_settings_get_a_clear_error(kw: dict, words: str) -> None:
    data = scenario_confusions(0, n_items=50)
    with pytest.raises(InputError, match=words):
        Jury(**kw).fit(data.annotations)


def test_zero_iterations_return_the_majority_vote_start() -> None:
    data = scenario_confusions(0, n_items=200)
    ann = data.annotations
    jury = Jury(max_iter=0).fit(ann)
    votes = ann.vote_counts()
    np.testing.assert_allclose(jury.probas_, votes / votes.sum(axis=1, keepdims=True))
    assert jury.n_iter_ == 0
    assert np.all((jury.consensus_quality_ >= 0) & (jury.consensus_quality_ <= 1))


def _shared_mistakes_crowd(seed: int) -> tuple[Annotations, np.ndarray]:
    """On a quarter of the items most annotators pick the same decoy class."""
    rng = np.random.default_rng(seed)
    n, k, per_item, n_annotators = 1500, 3, 5, 25
    truth = rng.integers(0, k, n)
    decoy = (truth + rng.integers(1, k, n)) % k
    hard = rng.random(n) < 0.25
    items = np.repeat(np.arange(n), per_item)
    who = np.concatenate([rng.choice(n_annotators, per_item, replace=False) for _ in range(n)])
    p_decoy = np.where(hard[items], 0.45, 0.08)
    labels = np.where(rng.random(items.size) < p_decoy, decoy[items], truth[items])
    return Annotations.from_arrays(items, who, labels), truth


def test_gold_items_calibrate_what_the_labels_cannot() -> None:
    # shared mistakes leave label-fitted scores over-confident; 100 gold items lower the
    # ECE of the other items (mean over three crowds: one is noisy by 0.01-0.02)
    eces = []
    for seed in range(3):
        ann, truth = _shared_mistakes_crowd(seed)
        chosen = np.random.default_rng(seed).choice(ann.n_items, 100, replace=False)
        rest = np.setdiff1d(np.arange(ann.n_items), chosen)
        pair = []
        for fit in (Jury().fit(_with_gold(ann, truth, chosen)), Jury().fit(ann)):
            pair.append(
                expected_calibration_error(
                    fit.consensus_quality_[rest], fit.labels_[rest] == truth[rest]
                )
            )
        eces.append(pair)
    with_gold, without = np.mean(eces, axis=0)
    assert with_gold < without, eces


def test_rows_are_shrunk_toward_the_annotators_own_one_coin_row() -> None:
    # 10 classes, 40 annotators with about 30 labels each (3 per confusion row): half of
    # them right 90% of the time, half 40%. Shrunk toward the crowd's pooled row, both
    # halves would get nearly the crowd's diagonal; toward their own one-coin row, the
    # diagonal tracks each annotator's accuracy
    rng = np.random.default_rng(5)
    n_items, k, n_ann = 400, 10, 40
    truth = rng.integers(0, k, n_items)
    acc = np.where(np.arange(n_ann) < n_ann // 2, 0.9, 0.4)
    item = np.repeat(np.arange(n_items), 3)
    who = np.concatenate([rng.choice(n_ann, 3, replace=False) for _ in range(n_items)])
    right = rng.random(item.size) < acc[who]
    wrong = (truth[item] + rng.integers(1, k, item.size)) % k
    ann = Annotations.from_arrays(item, who, np.where(right, truth[item], wrong))
    post = np.eye(k)[truth[np.asarray(ann.items, dtype=int)]]
    rows = Rows(ann.one_hot(), post, 16.0)
    counts = rows.counts
    n_a, hits = counts.sum(axis=(1, 2)), np.einsum("acc->a", counts)
    alpha = (hits + 16.0 * hits.sum() / n_a.sum()) / (n_a + 16.0)
    np.testing.assert_allclose(np.einsum("acc->ac", rows.center), np.repeat(alpha[:, None], k, 1))
    np.testing.assert_allclose(rows.center.sum(axis=2), 1.0)
    np.testing.assert_allclose(rows.confusions.sum(axis=2), 1.0)
    diag = np.einsum("acc->a", rows.confusions) / k
    good = np.asarray(ann.annotators, dtype=int) < n_ann // 2
    assert diag[good].mean() > 0.75 and diag[~good].mean() < 0.55


def test_the_dask_engine_has_the_same_defaults() -> None:
    pytest.importorskip("dask")
    import inspect

    from labeljury.engines.dask.specs_model import JurySpec

    defaults = {
        name: p.default for name, p in inspect.signature(JurySpec.__init__).parameters.items()
    }
    for name in ("strength", "model_weight", "calibrate", "random_state"):
        assert defaults[name] == getattr(Jury(), name), name
