"""The one-vs-rest model of `run --multi-label`."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from labeljury.errors import IdMismatchError, InputError
from labeljury.multilabel.run import fit_one_vs_rest, out_of_fold_probas, run
from labeljury.multilabel.synth import make_multilabel_crowd


def test_one_vs_rest_equals_per_class_logistic_regression():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4))
    Y = (X @ rng.normal(size=(4, 3)) + rng.normal(size=(300, 3)) > 0).astype(float)
    W = fit_one_vs_rest(X, Y, c=1.0)
    for k in range(3):
        ref = LogisticRegression(C=1.0, tol=1e-10, max_iter=10_000).fit(X, Y[:, k])
        assert np.allclose(W[:-1, k], ref.coef_[0], atol=1e-3)
        assert np.isclose(W[-1, k], ref.intercept_[0], atol=1e-3)


def test_out_of_fold_and_errors():
    c = make_multilabel_crowd(200, 3, 20, 2.0, random_state=1)
    pp = out_of_fold_probas(c.features, c.truth.astype(float), n_splits=4)
    assert pp.shape == c.truth.shape and ((pp > 0.5) == c.truth).mean() > 0.7
    with pytest.raises(InputError, match="folds"):
        out_of_fold_probas(c.features, c.truth.astype(float), n_splits=1)
    with pytest.raises(InputError, match="rows for"):
        run(c.annotations, c.features[:10])
    import pandas as pd

    feats = pd.DataFrame({"item": list(c.annotations.items)[:-1], "f": 1.0})
    with pytest.raises(IdMismatchError, match="no row for item"):
        run(c.annotations, feats)
