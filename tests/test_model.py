"""labeljury.model: out-of-fold pred_probs, featurize, calibration, edge cases."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier

from labeljury.errors import ClassError, InputError, LabeljuryError
from labeljury.model import (
    apply_temperature,
    featurize,
    fit_temperature,
    out_of_fold_pred_probs,
)


def blobs(n=120, k=3, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % k
    X = rng.normal(size=(n, 4)) + 2.0 * np.eye(k, 4)[y]
    return X, y


def test_embeddings_array_logistic_and_rows_sum_to_one():
    X, y = blobs()
    pp, info = out_of_fold_pred_probs(X, y, n_classes=3)
    assert pp.shape == (120, 3) and info.kind == "embeddings" and info.model_name == "logistic"
    np.testing.assert_allclose(pp.sum(axis=1), 1.0)
    assert (pp.argmax(axis=1) == y).mean() > 0.8
    assert len(info.fold_scores) == 5 and set(info.fold_scores.columns) >= {"log_loss", "accuracy"}
    assert info.final_model is not None and info.final_model.predict_proba(X[:2]).shape == (2, 3)


def test_fold_scores_report_the_optimisers_iterations():
    # a round that costs more than the first is told apart from a busy machine by them
    X, y = blobs()
    _, info = out_of_fold_pred_probs(X, y, n_classes=3, model="logistic", refit=False)
    iters = info.fold_scores["n_iter"]
    assert (iters >= 1).all() and (iters == iters.round()).all()
    _, info = out_of_fold_pred_probs(X, y, n_classes=3, model=GaussianNB(), refit=False)
    assert info.fold_scores["n_iter"].isna().all()  # GaussianNB does not report them


def test_seeded_and_reproducible():
    X, y = blobs()
    a, _ = out_of_fold_pred_probs(X, y, n_classes=3, random_state=3)
    b, _ = out_of_fold_pred_probs(X, y, n_classes=3, random_state=3)
    c, _ = out_of_fold_pred_probs(X, y, n_classes=3, random_state=4)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_out_of_fold_means_no_peeking():
    # labels are pure noise: in-sample a 1-NN would be perfect, out-of-fold it is chance
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 5))
    y = rng.integers(0, 2, 200)
    pp, _ = out_of_fold_pred_probs(
        X, y, n_classes=2, model=KNeighborsClassifier(1), calibrate=False
    )
    assert (pp.argmax(axis=1) == y).mean() < 0.65


def tabular_frame(n=200, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    df = pd.DataFrame(
        {
            "num": rng.normal(size=n) + y,
            "num_missing": np.where(rng.random(n) < 0.2, np.nan, rng.normal(size=n) - y),
            "color": np.array(["red", "green", "blue"], dtype=object)[
                (y + (rng.random(n) < 0.2)) % 3
            ],
            "const": 1.0,
        }
    )
    df.loc[rng.random(n) < 0.1, "color"] = None
    return df, y


def test_tabular_picks_by_cv_log_loss_and_handles_missing():
    df, y = tabular_frame()
    before = df.copy()
    pp, info = out_of_fold_pred_probs(df, y, n_classes=3)
    pd.testing.assert_frame_equal(df, before)  # caller's frame untouched
    assert info.kind == "tabular"
    assert set(info.cv_log_loss) == {"hist_gradient_boosting", "logistic"}
    assert info.model_name == min(info.cv_log_loss, key=info.cv_log_loss.get)
    assert (pp.argmax(axis=1) == y).mean() > 0.7
    f = featurize(df)
    assert f.numeric == ["num", "num_missing", "const"] and f.categorical == ["color"]
    assert f.constant == ["const"]


def test_text_columns():
    rng = np.random.default_rng(0)
    good = [
        "great lovely wonderful day",
        "really happy with this product",
        "what a fantastic experience overall",
    ]
    bad = [
        "terrible awful horrible service",
        "really sad about this mess",
        "what a disappointing experience overall",
    ]
    y = rng.integers(0, 2, 80)
    texts = [f"{(good if c else bad)[rng.integers(3)]} item {i}" for i, c in enumerate(y)]
    f = featurize(pd.DataFrame({"review": texts, "stars": rng.integers(1, 6, 80)}))
    assert f.kind == "text" and f.text == ["review"]
    pp, info = out_of_fold_pred_probs(texts, y, n_classes=2)
    assert info.kind == "text" and info.model_name == "tfidf_logistic"
    assert (pp.argmax(axis=1) == y).mean() > 0.9


def test_featurize_override_and_detection():
    X, _ = blobs(10)
    assert featurize(X).kind == "embeddings"
    assert featurize(pd.DataFrame(X), kind="embeddings").kind == "embeddings"
    assert featurize(X, kind="tabular").kind == "tabular"
    with pytest.raises(InputError):
        featurize(X, kind="images")
    df = pd.DataFrame({"code": ["a b c d", "e f g h"]})
    assert featurize(df, text_columns=[]).kind == "tabular"


def test_custom_estimator_with_and_without_sample_weight():
    X, y = blobs()
    soft = np.full((len(y), 3), 0.1)
    soft[np.arange(len(y)), y] = 0.8
    pp, info = out_of_fold_pred_probs(X, soft, model=GaussianNB())  # has sample_weight
    assert info.model_name == "custom" and (pp.argmax(axis=1) == y).mean() > 0.8
    pp, _ = out_of_fold_pred_probs(X, soft, model=KNeighborsClassifier(5))  # argmax used
    assert (pp.argmax(axis=1) == y).mean() > 0.8
    with pytest.raises(InputError, match="predict_proba"):
        out_of_fold_pred_probs(X, y, model=object())


def test_soft_labels_change_the_fit():
    X, y = blobs()
    hard, _ = out_of_fold_pred_probs(X, y, n_classes=3, calibrate=False)
    soft = np.full((len(y), 3), 0.3)
    soft[np.arange(len(y)), y] = 0.4
    softer, _ = out_of_fold_pred_probs(X, soft, calibrate=False)
    assert softer.max(axis=1).mean() < hard.max(axis=1).mean()


def test_rare_class_and_class_never_seen():
    X, y = blobs(100)
    y = y.copy()
    y[y == 2] = 0
    y[:2] = 2  # two examples of class 2 (< n_splits); class 3 never appears
    with pytest.warns(UserWarning, match="fewer than n_splits"):
        pp, info = out_of_fold_pred_probs(X, y, n_classes=4)
    assert pp.shape == (100, 4) and np.isfinite(pp).all()
    np.testing.assert_allclose(pp.sum(axis=1), 1.0)
    assert pp[:, 3].max() < 1e-3  # nobody is class 3
    assert info.warnings


def test_single_class_and_bad_inputs_raise_labeljury_errors():
    X, y = blobs(30)
    with pytest.raises(ClassError, match="at least two classes"):
        out_of_fold_pred_probs(X, np.zeros(30, int), n_classes=3)
    with pytest.raises(ClassError):
        out_of_fold_pred_probs(X, y, n_classes=1)
    with pytest.raises(InputError, match="n_splits"):
        out_of_fold_pred_probs(X, y, n_classes=3, n_splits=31)
    with pytest.raises(InputError):
        out_of_fold_pred_probs(X, y[:-1], n_classes=3)
    with pytest.raises(ClassError):
        out_of_fold_pred_probs(X, y + 5, n_classes=3)
    with pytest.raises(LabeljuryError):
        out_of_fold_pred_probs(X, np.full((30, 3), 0.5))
    with pytest.raises(InputError, match="not a candidate"):
        out_of_fold_pred_probs(X, y, n_classes=3, model="hist_gradient_boosting")


# ------------------------------------------------------------------ sparse features


def sparse_blobs(n=120):
    """``blobs`` with most entries zeroed, so CSR has something to skip."""
    X, y = blobs(n)
    return np.where(X > 0.5, X, 0.0), y


@pytest.mark.parametrize("to_sparse", [sp.csr_matrix, sp.csr_array, sp.coo_matrix, sp.csc_array])
def test_sparse_with_custom_estimator_matches_dense(to_sparse):
    X, y = sparse_blobs()
    soft = np.full((len(y), 3), 0.1)
    soft[np.arange(len(y)), y] = 0.8
    for labels in (y, soft):  # hard labels, and the sample_weight copies of soft ones
        dense, _ = out_of_fold_pred_probs(X, labels, n_classes=3, model=LogisticRegression())
        pp, info = out_of_fold_pred_probs(
            to_sparse(X), labels, n_classes=3, model=LogisticRegression()
        )
        # the same rows reach the same solver: equal up to sparse-vs-dense arithmetic
        np.testing.assert_allclose(pp, dense, rtol=1e-7, atol=1e-10)
        assert info.kind == "custom"
        assert info.final_model.predict_proba(to_sparse(X[:2])).shape == (2, 3)


def test_sparse_with_string_model_is_scaled_logistic_or_a_clear_error():
    X, y = sparse_blobs()
    dense, _ = out_of_fold_pred_probs(X, y, n_classes=3)
    pp, info = out_of_fold_pred_probs(sp.csr_matrix(X), y, n_classes=3)
    assert info.kind == "embeddings" and info.model_name == "logistic"
    # no centring for sparse input; with an unpenalised intercept it is the same
    # model as the dense path's, up to the solver's tolerance
    np.testing.assert_allclose(pp, dense, atol=5e-3)
    assert info.final_model.predict_proba(sp.csr_matrix(X[:2])).shape == (2, 3)
    f = featurize(sp.coo_array(X))
    assert f.kind == "embeddings" and f.X.format == "csr" and len(f) == len(X)
    with pytest.raises(InputError, match=r"not a candidate for sparse"):
        out_of_fold_pred_probs(sp.csr_matrix(X), y, model="hist_gradient_boosting")
    for kind in ("tabular", "text"):
        with pytest.raises(InputError, match="sparse features are numeric"):
            out_of_fold_pred_probs(sp.csr_matrix(X), y, kind=kind)
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    with pytest.raises(InputError, match="NaN"):
        out_of_fold_pred_probs(sp.csr_matrix(X_nan), y)
    with pytest.raises(InputError, match="2-D"):
        out_of_fold_pred_probs(sp.coo_array(X[:, 0]), y)


def test_constant_features_give_class_frequencies():
    y = np.array([0] * 30 + [1] * 10)
    with pytest.warns(UserWarning, match="constant"):
        pp, _ = out_of_fold_pred_probs(np.ones((40, 3)), y, n_classes=2)
    np.testing.assert_allclose(pp.mean(axis=0), [0.75, 0.25], atol=0.05)


def test_temperature_scaling():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 500)
    # over-confident: right 70% of the time with probability 0.99
    right = rng.random(500) < 0.7
    pred = np.where(right, y, 1 - y)
    p = np.full((500, 2), 0.01)
    p[np.arange(500), pred] = 0.99
    soft = np.eye(2)[y]
    t = fit_temperature(p, soft)
    assert t > 1
    q = apply_temperature(p, t)
    assert q.max(axis=1).mean() == pytest.approx(0.7, abs=0.03)
    # already calibrated: T stays near 1
    assert fit_temperature(q, soft) == pytest.approx(1.0, abs=0.05)


def test_progress_prints_to_stderr(capsys):
    X, y = blobs(40)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out_of_fold_pred_probs(X, y, n_classes=3, n_splits=2, progress=True)
    assert "fold 2/2" in capsys.readouterr().err


# ------------------------------------------------------------- the round loop's pieces
def test_soft_logistic_matches_sklearn_on_hard_labels_and_takes_soft_ones():
    from labeljury.model import SoftLogistic

    X, y = blobs()
    ours = SoftLogistic(C=1.0, tol=1e-8).fit(X, y)
    ref = LogisticRegression(C=1.0, tol=1e-10, max_iter=5000).fit(X, y)
    # the same objective (multinomial, L2 on the weights, free intercept)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=2e-4)
    soft = np.full((len(y), 3), 0.3)
    soft[np.arange(len(y)), y] = 0.4
    softer = SoftLogistic().fit(X, soft)
    assert softer.predict_proba(X).max(axis=1).mean() < ours.predict_proba(X).max(axis=1).mean()
    assert (softer.predict(X) == y).mean() > 0.8


def test_soft_labels_never_copy_rows():
    X, y = blobs()
    seen = []

    class Spy(GaussianNB):
        def fit(self, X, y, sample_weight=None):
            seen.append((len(X), None if sample_weight is None else len(sample_weight)))
            return super().fit(X, y, sample_weight=sample_weight)

    soft = np.full((len(y), 3), 0.2)
    soft[np.arange(len(y)), y] = 0.6
    out_of_fold_pred_probs(X, soft, model=Spy(), n_splits=4, refit=False)
    assert seen == [(90, 90)] * 4  # one row per training item, weighted


def test_cross_val_model_chooses_once_and_warm_starts():
    from labeljury.model import CrossValModel

    df, y = tabular_frame(300)
    cvm = CrossValModel(df, n_classes=3, model="auto", n_splits=3)
    _, first = cvm.fit_oof(y)
    assert set(first.cv_log_loss) == {"hist_gradient_boosting", "logistic"}
    soft = np.full((len(y), 3), 0.1)
    soft[np.arange(len(y)), y] = 0.8
    _, second = cvm.fit_oof(soft)
    assert set(second.cv_log_loss) == {cvm.chosen_} and cvm.n_selections_ == 1
    assert set(second.metrics) == {"cv_accuracy", "cv_log_loss", "cv_ece"}
    lin = CrossValModel(df, n_classes=3, model="logistic", n_splits=3)
    lin.fit_oof(soft)
    cold = [m.n_iter_ for m in lin._last["logistic"]]
    lin.fit_oof(soft)  # the same labels again: each fold starts at its optimum
    warm = [m.n_iter_ for m in lin._last["logistic"]]
    assert max(warm) <= 2 < min(cold)
    final = lin.refit()
    assert final.predict_proba(df.iloc[:4]).shape == (4, 3)


def test_quantile_codes_keep_order_and_missing_values():
    from labeljury.model.features import QuantileCodes

    x = np.array([[5.0], [1.0], [np.nan], [3.0], [3.0], [100.0]])
    codes = QuantileCodes(n_bins=4).fit_transform(x)
    assert np.isnan(codes[2, 0])
    order = [1, 3, 0, 5]
    assert np.all(np.diff(codes[order, 0]) >= 0) and codes[3, 0] == codes[4, 0]
    assert len(np.unique(codes[~np.isnan(codes)])) <= 4
