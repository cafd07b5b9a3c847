"""Jury's fitting details: the model-weight search, the class prior, the learned
concentrations and the likelihood temperature (docs/jury.md)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from labeljury import Annotations
from labeljury.bench.metrics import expected_calibration_error
from labeljury.methods.jury import Jury
from labeljury.synth import make_dawid_skene, make_one_coin


def _biased_crowd(seed: int, n: int = 200, n_annotators: int = 40) -> tuple[Annotations,
                                                                              np.ndarray]:
    """Two labels per item from annotators who over-report class 0."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 2, n)
    items = np.repeat(np.arange(n), 2)
    who = np.concatenate([rng.choice(n_annotators, 2, replace=False) for _ in range(n)])
    right0, right1 = rng.uniform(0.7, 0.95, n_annotators), rng.uniform(0.4, 0.8, n_annotators)
    p_right = np.where(truth[items] == 0, right0[who], right1[who])
    labels = np.where(rng.random(2 * n) < p_right, truth[items], 1 - truth[items])
    return Annotations.from_arrays(items, who, labels), truth


def _hard_items_crowd(seed: int = 0) -> tuple[Annotations, np.ndarray]:
    """Errors correlated within items: on 'hard' items most people pick the same decoy."""
    rng = np.random.default_rng(seed)
    n, k, per_item, n_annotators = 2000, 3, 7, 25
    truth = rng.integers(0, k, n)
    decoy = (truth + rng.integers(1, k, n)) % k
    hard = rng.random(n) < 0.25
    items = np.repeat(np.arange(n), per_item)
    who = np.concatenate([rng.choice(n_annotators, per_item, replace=False) for _ in range(n)])
    u = rng.random(items.size)
    p_decoy = np.where(hard[items], 0.45, 0.08)
    p_other = 0.08
    labels = np.where(u < p_decoy, decoy[items],
                      np.where(u < p_decoy + p_other, (decoy[items] + 1) % k, truth[items]))
    # (decoy + 1) % k is either the truth or the third class; both are fine here
    return Annotations.from_arrays(items, who, labels), truth


def test_model_weight_search_converges_with_an_overconfident_model() -> None:
    # A bare Newton step on w cycled 1 -> 0 -> 0.8 -> 0.9 -> 1 on this scenario and
    # EM never converged; the safeguarded step must converge.
    from labeljury.bench.datasets import make_scenario

    data = next(d for d in make_scenario("synth_hardest", 0)
                if d.name == "synth_hardest_overconfident_model")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a ConvergenceWarning fails the test
        jury = Jury().fit(data.annotations, data.pred_probs)
    assert jury.n_iter_ < 60
    assert 0.2 < jury.model_weight_ < 0.9  # tempered, neither ignored nor fully trusted
    assert (jury.labels_ == data.gold).mean() > (data.pred_probs.argmax(1) == data.gold).mean()


def test_class_prior_anchor_keeps_the_prior_near_the_truth() -> None:
    # Annotators who over-report class 0, two labels per item: plain MAP-EM explains
    # the labels with a skewed class prior; the anchor on the label frequencies keeps
    # it closer to the true balance (bluebirds and ducks lost 5-12 points to this).
    free, anchored = [], []
    for seed in range(6):
        ann, truth = _biased_crowd(seed)
        share = np.bincount(truth, minlength=2) / truth.size
        with warnings.catch_warnings():
            # without the anchor EM wanders between skewed priors and may not converge
            warnings.simplefilter("ignore")
            free.append(abs(Jury(class_prior_strength=0.0).fit(ann).priors_[0] - share[0]))
        anchored.append(abs(Jury().fit(ann).priors_[0] - share[0]))
    assert np.mean(anchored) < np.mean(free) - 0.05


def test_learned_strength_tells_one_coin_from_class_dependent_crowds() -> None:
    ann, _, _ = make_one_coin(2000, 30, 3, labels_per_item=4, random_state=0)
    one_coin = Jury(learn_strength=True).fit(ann)
    ann, _, _ = make_dawid_skene(3000, 10, 3, labels_per_item=5, concentration=0.3,
                                 random_state=0)
    free = Jury(learn_strength=True).fit(ann)
    assert Jury().fit(ann).strength_ == 4.0  # default: only m is learned
    assert one_coin.strength_ > 1000  # confusion rows pinned to the one-coin mean
    assert free.strength_ < 50  # class-dependent confusions left free
    fixed = Jury(learn_strength=False, strength=3.0).fit(ann)
    assert fixed.strength_ == 3.0


def test_temperature_corrects_overconfidence_from_correlated_errors() -> None:
    ann, truth = _hard_items_crowd()
    tempered = Jury().fit(ann)
    plain = Jury(temper=False).fit(ann)
    assert tempered.temperature_ < 0.9
    np.testing.assert_array_equal(tempered.labels_, plain.labels_)  # scores only
    right = tempered.labels_ == truth
    ece_t = expected_calibration_error(tempered.consensus_quality_, right)
    ece_p = expected_calibration_error(plain.consensus_quality_, right)
    assert ece_t < ece_p - 0.01


def test_prior_temperature_or_model_floor_calibrate_a_model_with_unreliable_tails() -> None:
    # the simulated model of synth_hardest puts a random share of its remaining mass
    # on each wrong class, so its low probabilities carry no information. Without the
    # model floor the prior temperature tempers it (measured ECE 0.0055 against 0.015
    # with the likelihood temperature alone); the floor does it within the prior
    # (0.0044), after which the prior temperature has little left to do
    from labeljury.bench.datasets import make_scenario

    data = next(d for d in make_scenario("synth_hardest", 0) if d.name == "synth_hardest")
    both = Jury(learn_model_floor=False).fit(data.annotations, data.pred_probs)
    lik_only = Jury(temper="likelihood", learn_model_floor=False).fit(data.annotations,
                                                                       data.pred_probs)
    assert lik_only.prior_temperature_ == 1.0
    assert both.model_floor_ == 0.0
    assert 0.5 < both.prior_temperature_ < 0.95
    np.testing.assert_array_equal(both.labels_, lik_only.labels_)  # scores only
    right = both.labels_ == data.gold
    baseline = expected_calibration_error(lik_only.consensus_quality_, right)
    assert expected_calibration_error(both.consensus_quality_, right) < baseline - 0.003
    floored = Jury().fit(data.annotations, data.pred_probs)
    assert floored.model_floor_ > 0.02
    right = floored.labels_ == data.gold
    assert expected_calibration_error(floored.consensus_quality_, right) < baseline - 0.003


def test_prior_temperature_never_sharpens_a_leaked_model() -> None:
    # pred_probs computed from the items' own labels (an in-sample model, a common
    # mistake) predict held-out labels too well; an unbounded prior temperature
    # went to its bound of 2 and made the scores worse than the likelihood
    # temperature alone (ECE 0.105 against 0.077). It is capped at 1.
    ann, truth = _hard_items_crowd(0)
    votes = ann.vote_counts()
    share = (votes + 0.5) / (votes + 0.5).sum(axis=1, keepdims=True)
    pp = share**4 / (share**4).sum(axis=1, keepdims=True)
    both = Jury().fit(ann, pp)
    lik_only = Jury(temper="likelihood").fit(ann, pp)
    assert both.prior_temperature_ <= 1.0
    right = both.labels_ == truth
    assert expected_calibration_error(both.consensus_quality_, right) <= \
        expected_calibration_error(lik_only.consensus_quality_, right) + 1e-9


def test_temperature_stays_near_one_when_the_model_is_right() -> None:
    ann, truth, _ = make_dawid_skene(3000, 20, 3, labels_per_item=4, random_state=1)
    jury = Jury().fit(ann)
    assert jury.temperature_ == pytest.approx(1.0, abs=0.2)
    right = jury.labels_ == truth
    assert expected_calibration_error(jury.consensus_quality_, right) < 0.03


def _biased_model_case(seed: int = 0) -> tuple[Annotations, np.ndarray, np.ndarray]:
    """Two labels per balanced binary item; a model that leans hard toward class 1."""
    rng = np.random.default_rng(seed)
    n, n_annotators = 3000, 60
    truth = rng.integers(0, 2, n)
    items = np.repeat(np.arange(n), 2)
    who = np.concatenate([rng.choice(n_annotators, 2, replace=False) for _ in range(n)])
    acc = rng.uniform(0.6, 0.9, n_annotators)
    labels = np.where(rng.random(2 * n) < acc[who], truth[items], 1 - truth[items])
    # informative but biased: logit = 1.2 * signal + 1.5 toward class 1
    logit = 1.2 * np.where(truth == 1, 1.0, -1.0) + rng.normal(0, 1.2, n) + 1.5
    p1 = 1 / (1 + np.exp(-logit))
    return Annotations.from_arrays(items, who, labels), truth, np.column_stack([1 - p1, p1])


def test_model_bias_offsets_correct_a_class_biased_model() -> None:
    ann, truth, pp = _biased_model_case()
    biased = Jury(model_bias=False).fit(ann, pp)
    scaled = Jury().fit(ann, pp)  # offsets are the default
    assert scaled.model_offset_ is not None and scaled.model_offset_[1] < -0.5
    assert (scaled.labels_ == truth).mean() > (biased.labels_ == truth).mean() + 0.01
    # predicted class shares follow the truth (balanced), not the model's lean
    assert abs((scaled.labels_ == 1).mean() - 0.5) < abs((biased.labels_ == 1).mean() - 0.5)


def test_model_bias_is_not_learned_from_lone_labels() -> None:
    ann, _, pp = _biased_model_case()
    lone = ann.take(np.flatnonzero(np.r_[True, np.diff(ann.item) != 0]))  # first label each
    jury = Jury(model_bias=True).fit(lone, pp)
    assert jury.model_offset_ is None  # nothing to tell a class offset from annotator bias


def test_auto_strength_is_one_coin_with_a_model_and_free_without() -> None:
    ann, _, pp = _biased_model_case()
    assert Jury().fit(ann, pp).strength_ == np.inf
    assert Jury().fit(ann).strength_ == 4.0
    assert Jury(strength=7.0).fit(ann, pp).strength_ == 7.0
    assert Jury(learn_strength=True).fit(ann, pp).strength_ < np.inf  # learned from 1e4


def test_one_coin_rows_are_the_limit_of_strong_dirichlet_rows() -> None:
    # strength=inf runs its own code path (bincounts, no K x K rows per annotator);
    # it must agree with the Dirichlet path at a strength that pins the rows
    ann, truth, _ = make_one_coin(400, 30, 3, labels_per_item=3, random_state=1)
    pp = np.full((ann.n_items, 3), 0.1)
    pp[np.arange(ann.n_items), truth] = 0.8
    # (the offsets' search freezes at a tolerance, which would blur the comparison)
    kw = dict(honest_scores=False, tol=1e-12, max_iter=500, model_bias=False)
    exact = Jury(strength=np.inf, **kw).fit(ann, pp)
    strong = Jury(strength=1e9, **kw).fit(ann, pp)
    np.testing.assert_allclose(exact.probas_, strong.probas_, atol=1e-5)
    np.testing.assert_allclose(exact.confusion_matrices_, strong.confusion_matrices_,
                               atol=1e-5)
    assert exact.model_weight_ == pytest.approx(strong.model_weight_, abs=1e-4)


def test_one_coin_honest_scores_remove_each_label_from_its_annotators_accuracy() -> None:
    # an annotator with two labels: with their own labels removed, each label is
    # judged by the pooled accuracy alone; the in-sample score would count the
    # label as evidence of its own reliability
    from labeljury.methods._jury_rows import OneCoinRows

    ann, _, _ = make_one_coin(300, 20, 2, labels_per_item=3, random_state=2)
    share = ann.vote_counts() / ann.vote_counts().sum(axis=1, keepdims=True)
    weight = np.ones(ann.n_items)
    rows = OneCoinRows(ann, share, weight, m=2.0)
    j = 0
    a, i, lab = ann.annotator[j], ann.item[j], ann.label[j]
    right = rows.right[a] - share[i, lab]
    total = rows.total[a] - 1.0
    expected = (right + 2.0 * rows.alpha0) / (total + 2.0)
    assert np.exp(rows.loo_terms(np.array([j]))[0, lab]) == pytest.approx(expected)
    in_sample = rows.accuracy[a]
    assert in_sample != pytest.approx(expected)
    # the item totals are the sums of the per-annotation terms
    terms = rows.loo_terms(np.arange(ann.n_annotations))
    totals = np.zeros((ann.n_items, 2))
    np.add.at(totals, ann.item, terms)
    np.testing.assert_allclose(rows.loo_loglik(), totals)


def test_leave_one_out_likelihoods_of_an_item_subset_match_the_full_pass() -> None:
    # the model-weight search computes leave-one-out likelihoods of a sample of items
    # only (large data sets); they must be those rows of the full pass, for both models
    from labeljury.methods._em import confusion_counts
    from labeljury.methods._jury_rows import DirichletRows, ItemSubset, OneCoinRows

    ann, _, _ = make_dawid_skene(500, 25, 3, labels_per_item=3, random_state=4)
    share = ann.vote_counts() / ann.vote_counts().sum(axis=1, keepdims=True)
    items = np.sort(np.random.default_rng(0).choice(ann.n_items, 120, replace=False))
    subset = ItemSubset(ann, items)
    counts = confusion_counts(ann.one_hot(), share)
    for rows in (OneCoinRows(ann, share, np.ones(ann.n_items), m=2.0),
                 DirichletRows(ann, share, counts, np.full_like(counts, 0.5))):
        np.testing.assert_allclose(rows.loo_loglik(subset), rows.loo_loglik()[items],
                                   rtol=1e-5)


def test_weight_search_on_a_sample_of_items_agrees_with_the_full_search(monkeypatch) -> None:
    from labeljury.methods import jury as jury_module

    ann, truth, _ = make_one_coin(3000, 40, 4, labels_per_item=3, random_state=5)
    rng = np.random.default_rng(5)
    # a noisy model, so that the learned weight is inside (0, 1), not at its bound
    pp = rng.dirichlet(np.full(4, 0.3), ann.n_items) * 0.8
    pp[np.arange(ann.n_items), truth] += 0.2
    full = Jury().fit(ann, pp)
    monkeypatch.setattr(jury_module, "_WEIGHT_ITEMS", 500)
    sampled = Jury().fit(ann, pp)
    assert 0.3 < full.model_weight_ < 0.9
    assert sampled.model_weight_ == pytest.approx(full.model_weight_, abs=0.1)
    assert np.mean(sampled.labels_ == full.labels_) > 0.98


def _trap_crowd(seed: int, n: int = 2000, k: int = 3, per_item: int = 5,
                n_annotators: int = 30) -> tuple[Annotations, np.ndarray]:
    """On 15% of items most of the crowd picks the same wrong class: no label shows it."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, k, n)
    decoy = (truth + rng.integers(1, k, n)) % k
    trap = rng.random(n) < 0.15
    items = np.repeat(np.arange(n), per_item)
    who = np.concatenate([rng.choice(n_annotators, per_item, replace=False) for _ in range(n)])
    p_right = np.where(trap[items], 0.3, rng.uniform(0.7, 0.9, n_annotators)[who])
    wrong = np.where(rng.random(items.size) < 0.8, decoy[items], (decoy[items] + 1) % k)
    labels = np.where(rng.random(items.size) < p_right, truth[items], wrong)
    return Annotations.from_arrays(items, who, labels), truth


def _with_gold(ann: Annotations, truth: np.ndarray, chosen: np.ndarray) -> Annotations:
    """``ann`` with the true classes of the items ``chosen`` (positions) as gold."""
    return ann.with_gold(dict(zip(ann.items[chosen], ann.classes[truth[chosen]], strict=True)))


def test_gold_items_calibrate_scores_that_the_labels_cannot() -> None:
    # shared mistakes leave the label-fitted scores over-confident (about 0.06 ECE);
    # the temperatures fitted on 100 gold items bring the other items' ECE down
    eces = []
    for seed in range(3):
        ann, truth = _trap_crowd(seed)
        chosen = np.random.default_rng(seed).choice(ann.n_items, 100, replace=False)
        with_gold = _with_gold(ann, truth, chosen)
        held = np.ones(ann.n_items, dtype=bool)
        held[chosen] = False
        on_gold = Jury().fit(with_gold)
        on_labels = Jury(calibrate_on_gold=False).fit(with_gold)
        assert on_gold.gold_calibration_items_ == 100
        assert on_labels.gold_calibration_items_ == 0
        pair = []
        for fit in (on_gold, on_labels):
            right = fit.labels_[held] == truth[held]
            pair.append(expected_calibration_error(fit.consensus_quality_[held], right))
        eces.append(pair)
    # one seed can go either way (ECE on 1,900 items is noisy by 0.01-0.02); the mean
    # over three cannot: measured 0.033 against 0.059
    assert np.mean([e[0] for e in eces]) < 0.04 < np.mean([e[1] for e in eces])


def test_too_few_gold_items_leave_the_label_fitted_temperatures() -> None:
    ann, truth = _trap_crowd(0, n=400)
    few = _with_gold(ann, truth, np.arange(10))
    fit = Jury().fit(few)
    assert fit.gold_calibration_items_ == 0
    plain = Jury(calibrate_on_gold=False).fit(few)
    assert fit.temperature_ == plain.temperature_
    assert fit.prior_temperature_ == plain.prior_temperature_


@pytest.mark.parametrize("kw, words", [({"strength": "big"}, "strength must be 'auto'"),
                                       ({"strength": -1.0}, "got -1.0"),
                                       ({"accuracy_strength": 0}, "accuracy_strength must"),
                                       ({"learn_strength": "both"}, "learn_strength must"),
                                       ({"strength": np.inf, "learn_strength": True},
                                        "cannot be learned"),
                                       ({"temper": "prior"}, "temper must"),
                                       ({"max_temperature": 0.0}, "max_temperature must"),
                                       ({"learn_model_floor": "yes"},
                                        "learn_model_floor must be True or False"),
                                       ({"model_bias": None}, "model_bias must")])
def test_bad_settings_get_a_clear_error(kw: dict, words: str) -> None:
    from labeljury.errors import InputError

    ann, _, _ = make_dawid_skene(50, 5, 2, labels_per_item=2, random_state=0)
    with pytest.raises(InputError, match=words):
        Jury(**kw).fit(ann)


def test_model_floor_solves_its_one_dimensional_problem() -> None:
    from labeljury.methods.jury import _fit_floor

    # 10 items the uniform prior explains a million times better, 90 the model does:
    # the maximiser of 10 log(beta t) + 90 log(1 - beta) is beta = 10 / 100
    log_model = np.zeros(100)
    log_flat = np.r_[np.full(10, np.log(1e6)), np.full(90, -np.log(1e6))]
    assert _fit_floor(log_model, log_flat) == pytest.approx(0.1, abs=1e-3)
    # a model no item finds worse than the uniform prior gets no floor
    assert _fit_floor(log_model, np.full(100, -1.0)) == 0.0


def test_accuracy_strength_search_finds_the_best_m_on_a_grid() -> None:
    from scipy.special import betaln

    rng = np.random.default_rng(3)
    for _ in range(40):
        n = int(rng.integers(2, 60))
        total = rng.integers(1, 200, n) * rng.random(n)
        right = total * rng.beta(rng.uniform(1, 30), rng.uniform(1, 10), n)
        a0 = right.sum() / total.sum()

        def loglik(m: list | np.ndarray, right: np.ndarray = right, total: np.ndarray = total,
                   a0: float = a0) -> np.ndarray:
            m = np.asarray(m)[:, None]
            return np.sum(betaln(right + m * a0, total - right + m * (1 - a0))
                          - betaln(m * a0, m * (1 - a0)), axis=1)

        grid = np.exp(np.linspace(np.log(0.25), np.log(1e4), 4001))
        start = float(np.exp(rng.uniform(-1, 9)))
        found = Jury._learn_m(right, total, a0, start)
        assert 0.25 - 1e-9 <= found <= 1e4 + 1e-9
        # Newton stops once a step moves log m by less than 0.05: within a few
        # thousandths of a nat of the best grid point, from any starting m
        assert loglik([found])[0] >= loglik(grid).max() - 5e-3


def test_marginal_with_a_floor_has_the_gradient_its_newton_steps_use() -> None:
    from labeljury.methods.jury import _marginal

    rng = np.random.default_rng(0)
    k, n = 4, 50
    log_p = np.log(rng.dirichlet(np.ones(k), n).T)
    lik = rng.normal(0, 2, (k, n))
    floor, w = 0.2, 0.7
    _, pr, po, r = _marginal(w * log_p, lik, floor)
    # d f / d w = sum_i r_i g_i, g_i = E_post[log p] - E_prior[log p]
    g = (po * log_p).sum(axis=0) - (pr * log_p).sum(axis=0)
    h = 1e-5

    def f(x: float) -> float:
        return _marginal(x * log_p, lik, floor)[0]

    assert float(r @ g) == pytest.approx((f(w + h) - f(w - h)) / (2 * h), rel=1e-5)
    # d2 f / d w2 = sum_i r_i (Var_post - Var_prior) + r_i (1 - r_i) g_i^2
    var = ((po * log_p**2).sum(axis=0) - (po * log_p).sum(axis=0) ** 2
           - (pr * log_p**2).sum(axis=0) + (pr * log_p).sum(axis=0) ** 2)
    second = float(r @ var + (r * (1 - r)) @ g**2)
    assert second == pytest.approx((f(w + h) - 2 * f(w) + f(w - h)) / h**2, rel=1e-3)
    # and with no floor the objective is the plain marginal
    f0 = _marginal(w * log_p, lik)[0]
    a = w * log_p
    direct = np.sum(np.log(np.sum(np.exp(a + lik), axis=0)) - np.log(np.sum(np.exp(a), axis=0)))
    assert f0 == pytest.approx(direct)


def _model_crowd(seed: int, tails: str, n: int = 3000, k: int = 5,
                 per_item: int = 2) -> tuple[Annotations, np.ndarray, np.ndarray]:
    """Two labels per item (accuracy 0.6-0.8) and a model of accuracy about 0.7.

    ``tails="calibrated"``: the truth is drawn from the model's probabilities, so
    they are calibrated in every class. ``"random"``: the model's top class is
    right 70% of the time with confidence near 0.7, and the rest of its mass is
    spread at random (simulate_pred_probs): its low probabilities say nothing.
    """
    from labeljury.bench.datasets import simulate_pred_probs

    rng = np.random.default_rng(seed)
    if tails == "calibrated":
        pp = rng.dirichlet(np.full(k, 0.3), n)
        truth = (pp.cumsum(axis=1) > rng.random(n)[:, None]).argmax(axis=1)
    else:
        truth = rng.integers(0, k, n)
        pp = simulate_pred_probs(truth, k, 0.7, random_state=seed)
    n_annotators = 60
    items = np.repeat(np.arange(n), per_item)
    who = np.concatenate([rng.choice(n_annotators, per_item, replace=False) for _ in range(n)])
    acc = rng.uniform(0.6, 0.8, n_annotators)[who]
    wrong = (truth[items] + rng.integers(1, k, items.size)) % k
    labels = np.where(rng.random(items.size) < acc, truth[items], wrong)
    return Annotations.from_arrays(items, who, labels), pp, truth


def test_model_floor_stays_near_zero_for_a_calibrated_model() -> None:
    for seed in range(2):
        ann, pp, _ = _model_crowd(seed, "calibrated")
        fit = Jury().fit(ann, pp)
        assert fit.model_floor_ < 0.03


def test_model_floor_keeps_a_model_with_unreliable_tails_from_overruling_the_labels() -> None:
    # a lone label on a class the model all but excludes at random: without the floor
    # the model's near-zero probability outvotes it
    gains = []
    for seed in range(3):
        ann, pp, truth = _model_crowd(seed, "random")
        with_floor = Jury().fit(ann, pp)
        without = Jury(learn_model_floor=False).fit(ann, pp)
        assert with_floor.model_floor_ > 0.05
        gains.append(np.mean(with_floor.labels_ == truth) - np.mean(without.labels_ == truth))
    assert np.mean(gains) > 0.005


def test_hard_model_predictions_no_longer_veto_the_labels() -> None:
    # one-hot pred_probs (a model's hard predictions, or a zero-shot LLM's answer) put
    # 1e-12 on every other class: a veto that no w in [0, 1] tempers away. Without the
    # floor Jury returns the model's predictions (measured 0.70 accuracy, as CROWDLAB
    # does on the same input); with it, the labels overrule the model where they agree
    # (0.83-0.84)
    from labeljury.methods import get_method

    for seed in range(2):
        ann, pp, truth = _model_crowd(seed, "random")
        hard = np.eye(pp.shape[1])[pp.argmax(axis=1)]
        model_acc = np.mean(hard.argmax(axis=1) == truth)
        fit = Jury().fit(ann, hard)
        assert fit.model_floor_ > 0.2
        assert np.isfinite(fit.consensus_quality_).all()
        assert np.mean(fit.labels_ == truth) > model_acc + 0.08
        vetoed = Jury(learn_model_floor=False).fit(ann, hard)
        assert np.mean(vetoed.labels_ == truth) < model_acc + 0.02
        crowdlab = get_method("crowdlab").fit(ann, hard)
        assert np.mean(crowdlab.labels_ == truth) < model_acc + 0.02
