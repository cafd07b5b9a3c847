"""The model behind a bench data set's ``pred_probs``: simulated, or out-of-fold
predictions of a classifier trained on the majority vote of exactly the
annotations the contenders see.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..annotations import Annotations
from .datasets import BenchData

__all__: list[str] = []


def _text_model(data: BenchData) -> tuple[Any, Any]:
    """The TF-IDF matrix (CSR) of a text data set's items and the classifier to fit on it.

    The vectoriser and classifier are :func:`labeljury.model.candidate_models`'
    ``tfidf_logistic`` (same settings), every column of ``data.features``
    treated as text (``load_real`` keeps only its free-text columns). The
    vectoriser is fitted once on every item's text -- no label is involved, so
    no label leaks into the out-of-fold predictions -- instead of once per fold
    and per sparsity copy (5 x 13 times per data set).
    """
    from ..model import candidate_models, featurize

    feats = featurize(data.features, kind="text", text_columns=list(data.features.columns))
    pipe = candidate_models(feats)["tfidf_logistic"]
    matrix = pipe.named_steps["features"].fit_transform(feats.X)
    return matrix.tocsr(), pipe.named_steps["clf"]


def _model_pred_probs(
    data: BenchData,
    ann: Annotations,
    mv_labels: np.ndarray,
    seed: int,
    full: bool = True,
    cache: dict[str, Any] | None = None,
) -> tuple[np.ndarray | None, str]:
    """Simulated pred_probs, or out-of-fold ones trained on ``mv_labels``.

    On the full data the model is chosen by cross-validated log loss among the
    built-in candidates; at the sparsity levels tabular features use the
    logistic candidate only (gradient-boosted trees on 10 classes, 13 times
    per data set, would dominate the suite's time). Text data sets
    (``oof:text``) use a TF-IDF matrix computed once per data set and kept in
    ``cache`` (see :func:`_text_model`); only the logistic regression is refit.
    """
    if data.pred_probs is not None:
        return data.pred_probs, data.model
    if data.features is None:
        return None, "none"
    from ..model import out_of_fold_pred_probs

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if data.model == "oof:text":
            cache = {} if cache is None else cache
            if data.name not in cache:
                cache[data.name] = _text_model(data)
            matrix, clf = cache[data.name]
            pp, _ = out_of_fold_pred_probs(
                matrix,
                mv_labels,
                n_classes=ann.n_classes,
                random_state=seed,
                model=clf,
                refit=False,
            )
            return pp, f"{data.model} (tfidf_logistic, trained on majority vote)"
        model = "logistic" if not full and data.model == "oof:tabular" else "auto"
        pp, info = out_of_fold_pred_probs(
            data.features,
            mv_labels,
            n_classes=ann.n_classes,
            random_state=seed,
            model=model,
            refit=False,
        )
    return pp, f"{data.model} ({info.model_name}, trained on majority vote)"
