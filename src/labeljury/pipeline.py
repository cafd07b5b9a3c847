"""``labeljury.run``: majority vote -> train -> model-aware consensus -> retrain -> ...

Each round trains a classifier with cross-validation on the current consensus,
takes its out-of-fold predicted probabilities, and recomputes the consensus
with a model-aware method. Rounds stop when the consensus stops changing or at
``max_rounds``. Repeating rounds by hand can oscillate (a label flips, the
model follows it, the label flips back), so the round kept is the one whose
model fits the *annotators' own labels* best (highest mean log-probability
of the raw annotations under the out-of-fold pred_probs), not simply the last.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pandas as pd

from .annotations import Annotations, read_annotations
from .errors import IdMismatchError, InputError, preview
from .methods.base import Aggregator
from .result import Result, aggregate, resolve_method
from .validation import check_values, same_kind_ids

__all__ = ["align_features", "annotator_fit", "run"]


def align_features(features: Any, ann: Annotations, *, id_col: Any = None) -> Any:
    """Return the features' rows in ``ann.items`` order.

    A DataFrame is matched by id: its ``id_col`` column if given (or an ``item``
    / ``id``-like column named like the annotations' item column), else its
    index. A numpy array or a scipy sparse matrix (TF-IDF, bag of words) must
    already be in ``ann.items`` order; a sparse one stays sparse (CSR).
    """
    import scipy.sparse as sp

    if sp.issparse(features):
        if features.ndim != 2 or features.shape[0] != ann.n_items:
            raise InputError(f"features: a sparse matrix of shape {features.shape} for "
                             f"{ann.n_items} items; it needs one row per item in "
                             "annotations.items order")
        return sp.csr_matrix(features)
    if isinstance(features, pd.DataFrame):
        df = features
        if id_col is not None:
            if id_col not in df.columns:
                raise InputError(f"features: no id column {id_col!r}; columns are "
                                 f"{preview(list(df.columns), 12)}")
            df = df.set_index(id_col)
        df = df.set_axis(same_kind_ids(pd.Index(df.index), ann.items))  # ids read as numbers
        if not df.index.is_unique:
            raise IdMismatchError(f"features: item ids repeat: "
                                  f"{preview(df.index[df.index.duplicated()].unique().tolist())}")
        pos = df.index.get_indexer(ann.items)
        if (pos < 0).any():
            raise IdMismatchError(f"features: no row for items with annotations: "
                                  f"{preview(ann.items[pos < 0].tolist())} (rows are matched by "
                                  "id, never by position)")
        return df.iloc[pos].reset_index(drop=True)
    arr = np.asarray(features)
    if arr.ndim not in (1, 2) or len(arr) != ann.n_items:
        raise InputError(f"features has {len(arr)} rows for {ann.n_items} items; an array needs "
                         "one row per item in annotations.items order (or pass a DataFrame with "
                         "an id column)")
    return arr


def annotator_fit(ann: Annotations, pred_probs: np.ndarray,
                  weights: np.ndarray | None = None) -> float:
    """Mean log-probability of the raw annotations under the temperature-rescaled model.

    How well a model agrees with what the annotators actually said,
    independent of any consensus. The model's probabilities are first rescaled
    by the one temperature that fits the annotations best, so a model is judged
    by what it ranks, not penalised for being sharper than noisy annotators
    (a model retrained on a cleaner consensus is naturally more confident).
    ``weights`` (one per annotator) count reliable annotators more, so a model
    is not rewarded for copying a bad annotator's systematic mistakes. Used to
    pick the best round.

    Examples
    --------
    >>> from labeljury import Annotations
    >>> ann = Annotations.from_arrays([0, 0, 1], ["a", "b", "a"], [0, 0, 1])
    >>> good = annotator_fit(ann, np.array([[0.9, 0.1], [0.2, 0.8]]))
    >>> bad = annotator_fit(ann, np.array([[0.1, 0.9], [0.8, 0.2]]))
    >>> good > bad
    True
    """
    from scipy.optimize import minimize_scalar

    logp = np.log(np.clip(pred_probs, 1e-12, 1.0))[ann.item]
    lab = ann.label
    wt = np.ones(len(lab)) if weights is None else np.asarray(weights, float)[ann.annotator]
    wt = wt / max(wt.sum(), 1e-12)

    def neg(log_inv_t: float) -> float:
        z = logp * np.exp(log_inv_t)
        z -= z.max(axis=1, keepdims=True)
        lse = np.log(np.exp(z).sum(axis=1))
        return -float(np.sum(wt * (z[np.arange(len(lab)), lab] - lse)))

    res = minimize_scalar(neg, bounds=(-5.0, 3.0), method="bounded")
    return -float(res.fun)


def run(annotations: Any, features: Any = None, *, method: str | Aggregator = "auto",
        model: Any = "auto", text_cols: Any = None, features_id_col: Any = None,
        max_rounds: int = 5, n_splits: int = 5, random_state: int = 0, progress: bool = True,
        pred_probs: Any = None) -> Result:
    """Infer consensus labels with a model trained on the data, iterating until stable.

    Parameters
    ----------
    annotations : Annotations or anything :func:`labeljury.read_annotations` reads
    features : DataFrame, ndarray or scipy sparse matrix
        One row per item: a table of numeric / categorical / text columns
        (matched to items by ``features_id_col`` or its index), or an array of
        embeddings or a sparse matrix (e.g. TF-IDF) in ``annotations.items``
        order.
    method : str or Aggregator, default "auto"
        A model-aware method (takes ``pred_probs``): ``"auto"`` = ``"jury"``,
        or ``"crowdlab"``.
    model : "auto", str or scikit-learn classifier
        Passed to :func:`labeljury.model.out_of_fold_pred_probs`.
    text_cols : list of str, optional
        Columns of ``features`` holding free text (TF-IDF features).
    features_id_col : column name, optional
        Id column of a features table.
    max_rounds : int, default 5
        Train/aggregate rounds at most (one round = one cross-validated fit).
    n_splits : int, default 5
        Cross-validation folds.
    random_state : int, default 0
    progress : bool, default True
        Report each round and show rich progress bars over the folds.
    pred_probs : array, optional
        Start from these probabilities instead of training in round 1.

    Returns
    -------
    Result
        With ``pred_probs`` (final, out-of-fold), ``model`` (refit on the final
        consensus) and ``history`` (one row per round: ``round``,
        ``labels_changed``, ``annotator_fit``, ``model_weight``, ``model_floor``
        (Jury's; NaN for other methods), ``seconds``, ``kept``).

    Examples
    --------
    >>> from labeljury.synth import make_tutorial_data
    >>> data = make_tutorial_data(random_state=0)
    >>> res = run(data.annotations, data.features, max_rounds=2, progress=False)
    >>> list(res.history.columns)
    ['round', 'labels_changed', 'annotator_fit', 'model_weight', 'model_floor', 'seconds', 'kept']
    """
    from .model import out_of_fold_pred_probs

    check_values("run", {"max_rounds": max_rounds, "n_splits": n_splits,
                         "random_state": random_state})
    ann = read_annotations(annotations)
    if max_rounds < 1:
        raise InputError(f"max_rounds must be at least 1, got {max_rounds}")
    est = resolve_method(method, pred_probs=True)
    if not est.uses_pred_probs:
        raise InputError(f"method {type(est).__name__} does not use a model's pred_probs; run() "
                         "needs a model-aware method such as 'crowdlab'")
    if features is None and pred_probs is None:
        raise InputError("run() needs features to train a model on (or pred_probs)")
    feats = None if features is None else align_features(features, ann, id_col=features_id_col)

    if feats is not None and text_cols:
        if not isinstance(feats, pd.DataFrame):
            raise InputError("text_cols needs features as a table")
        missing = [c for c in text_cols if c not in feats.columns]
        if missing:
            raise InputError(f"features: no text column(s) {preview(missing)}")
        feats = feats[list(text_cols)]
    kind = "text" if text_cols else "auto"

    mv = aggregate(ann, method="majority_vote").method
    labels, targets = mv.labels_, mv.labels_  # round 0: majority vote
    history: list[dict[str, Any]] = []
    best: dict[str, Any] | None = None
    for rnd in range(1, max_rounds + 1):
        t0 = time.perf_counter()
        if rnd == 1 and pred_probs is not None:
            from .pred_probs import align_pred_probs

            probs, info = align_pred_probs(pred_probs, ann), None
        else:
            if progress:
                _say(f"round {rnd}: training on the current consensus")
            probs, info = out_of_fold_pred_probs(
                feats, targets, n_classes=ann.n_classes, model=model, n_splits=n_splits,
                random_state=random_state, kind=kind, progress=progress)
        est = resolve_method(method, probs)
        est.fit(ann, probs)
        changed = int(np.sum(est.labels_ != labels))
        if rnd == 1:
            # reliability above chance, from the first model-aware fit, held fixed so
            # that every round is judged against the same annotators
            k = ann.n_classes
            reliability = np.clip((np.asarray(est.annotator_skill_) - 1 / k) / (1 - 1 / k),
                                  0.0, 1.0)
        fit = annotator_fit(ann, probs, reliability)
        weight = float(np.mean(getattr(est, "model_weight_", np.nan)))
        # the share of the model Jury distrusts outright (NaN for methods without one)
        floor = float(getattr(est, "model_floor_", np.nan))
        history.append({"round": rnd, "labels_changed": changed, "annotator_fit": fit,
                        "model_weight": weight, "model_floor": floor,
                        "seconds": time.perf_counter() - t0, "kept": False})
        if progress:
            _say(f"round {rnd}: {changed} labels changed, model fit to annotators {fit:.4f}, "
                 f"model weight {weight:.3f}"
                 + ("" if np.isnan(floor) else f", model floor {floor:.3f}"))
        if best is None or fit > best["fit"]:
            best = {"fit": fit, "round": rnd, "probs": probs, "info": info}
        # the next model learns from the soft consensus (the posterior), not a hard vote
        labels, targets = est.labels_, est.probas_
        if changed == 0 and rnd > 1:
            break
    assert best is not None
    for h in history:
        h["kept"] = h["round"] == best["round"]
    res = aggregate(ann, method=method, pred_probs=best["probs"])
    res.history = pd.DataFrame(history)
    info = best["info"]
    res.model = getattr(info, "final_model", None)
    res.extra["model_info"] = info
    return res


def _say(message: str) -> None:
    from rich.console import Console

    Console(stderr=True, highlight=False).print(f"[dim]labeljury[/dim] {message}")
