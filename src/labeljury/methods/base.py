"""The estimator interface every aggregation method shares."""

from __future__ import annotations

import inspect
from typing import Any, ClassVar

import numpy as np

from ..annotations import Annotations, read_annotations
from ..validation import check_params, check_pred_probs

__all__ = ["Aggregator", "argmax_ties"]


def argmax_ties(probas: np.ndarray, *tiebreak: np.ndarray, atol: float = 1e-12) -> np.ndarray:
    """Row-wise argmax where ties are broken by the next score, then the lowest index.

    Parameters
    ----------
    probas : ndarray, shape (n, K)
    *tiebreak : ndarray, shape (n, K) or (K,)
        Scores consulted in order among classes still tied.

    Examples
    --------
    >>> argmax_ties(np.array([[0.5, 0.5], [0.2, 0.8]]), np.array([0.1, 0.9])).tolist()
    [1, 1]
    """
    top = np.argmax(probas, axis=1)
    # only rows whose runner-up is within atol of the top need the tie-breaks: usually
    # few, and masking every row cost more than a whole CROWDLAB fit on small data
    if probas.shape[1] < 2:
        return top
    runner_up = np.partition(probas, -2, axis=1)[:, -2]
    rows = np.flatnonzero(runner_up >= probas[np.arange(len(top)), top] - atol)
    if rows.size == 0:
        return top
    sub = probas[rows]
    tied = sub >= sub.max(axis=1, keepdims=True) - atol
    for score in tiebreak:
        score = np.broadcast_to(score, probas.shape)[rows]
        masked = np.where(tied, score, -np.inf)
        tied &= masked >= masked.max(axis=1, keepdims=True) - atol
    top[rows] = np.argmax(tied, axis=1)  # first True = lowest tied class index
    return top


class Params:
    """scikit-learn's estimator parameters protocol, without importing scikit-learn.

    ``get_params`` / ``set_params`` read and write the ``__init__`` arguments
    (stored under their own names, as scikit-learn asks), so
    :func:`sklearn.base.clone` and grid searches work; ``repr`` shows the
    arguments that differ from their defaults, as scikit-learn's does.
    Deriving from ``sklearn.base.BaseEstimator`` instead cost every
    ``labeljury aggregate`` over a second of start-up (it imports scipy.stats).
    """

    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [
            p.name
            for p in sig.parameters.values()
            if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor arguments, by name (``deep`` is accepted for scikit-learn)."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> Params:
        """Set constructor arguments by name; returns ``self``."""
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                from ..errors import InputError

                raise InputError(
                    f"{type(self).__name__} has no parameter {name!r}; its parameters are {valid}"
                )
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        sig = inspect.signature(type(self).__init__)
        changed = []
        for name in self._param_names():
            default = sig.parameters[name].default
            value = getattr(self, name)
            try:
                same = default is not inspect.Parameter.empty and bool(value == default)
            except (TypeError, ValueError):  # arrays and the like compare elementwise
                same = value is default
            if not same:
                changed.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(changed)})"


class Aggregator(Params):
    """Base class: ``fit(annotations, pred_probs=None)`` then read the ``*_`` attributes.

    Subclasses implement ``_fit(ann, pred_probs)`` which must set ``probas_``
    and ``annotator_skill_`` and may set ``labels_`` (default: argmax of
    ``probas_``, ties to the class with more votes overall, then the lowest
    class index) and ``n_iter_``.

    Attributes
    ----------
    labels_ : ndarray of int, shape (n_items,)
        Consensus class code per item (``annotations.classes[labels_]`` gives names).
    probas_ : ndarray, shape (n_items, n_classes)
        Posterior (or score) over classes; rows sum to one.
    annotator_skill_ : ndarray, shape (n_annotators,)
        Per-annotator quality; its meaning is documented by each method.
    n_iter_ : int
        Iterations run (1 for one-shot methods).

    Optional attributes a method may set to override the defaults that
    :class:`labeljury.Result` derives from ``probas_``:
    ``consensus_quality_`` (n_items,), default ``probas_[i, labels_[i]]``;
    ``label_quality_scores_`` (n_annotations,), default ``probas_[item, label]``.
    classes_ : pandas.Index
        The class names, in code order.
    """

    #: whether the method uses pred_probs (model-aware methods set True)
    uses_pred_probs: ClassVar[bool] = False
    #: whether the method cannot run without gold items (``Annotations.gold``)
    needs_gold: ClassVar[bool] = False
    #: one-line description for ``labeljury methods``
    summary: ClassVar[str] = ""

    def fit(self, annotations: Any, pred_probs: np.ndarray | None = None) -> Aggregator:
        """Fit on annotations (an :class:`Annotations` or anything it can be read from).

        Parameters
        ----------
        annotations : Annotations, DataFrame, ndarray or path
        pred_probs : ndarray, shape (n_items, n_classes), optional
            A model's out-of-sample class probabilities, rows in the order of
            ``annotations.items``. Annotator-only methods use them only to break
            ties.

        Returns
        -------
        self
        """
        check_params(self)
        ann = read_annotations(annotations)
        if pred_probs is not None:
            pred_probs = check_pred_probs(pred_probs, ann.n_items, ann.n_classes)
        self.classes_ = ann.classes
        self.n_iter_ = 1
        self.__dict__.pop("labels_", None)  # a refit must not keep the last fit's labels
        self._fit(ann, pred_probs)
        if not hasattr(self, "labels_"):
            tiebreak = [pred_probs] if pred_probs is not None else []
            self.labels_ = argmax_ties(self.probas_, *tiebreak)
        return self

    def _fit(self, ann: Annotations, pred_probs: np.ndarray | None) -> None:
        raise NotImplementedError

    def describe(self) -> dict[str, Any]:
        """Method-specific fitted statistics, for reports and summaries.

        Generic code (``Result``, ``quality``, the pipeline, the CLI) reads a
        method's own statistics only through this dict, never through private
        attributes. Keys in use: ``model_weight`` (float, the weight given to
        the model's ``pred_probs``), ``gold_calibration_items`` (int, gold items
        the quality scores were calibrated on). Default: ``{}``.

        Examples
        --------
        >>> from labeljury.methods import MajorityVote
        >>> MajorityVote().describe()
        {}
        """
        return {}

    def fit_predict(self, annotations: Any, pred_probs: np.ndarray | None = None) -> np.ndarray:
        """Fit and return ``labels_``."""
        return self.fit(annotations, pred_probs).labels_

    def fit_predict_proba(
        self, annotations: Any, pred_probs: np.ndarray | None = None
    ) -> np.ndarray:
        """Fit and return ``probas_``."""
        return self.fit(annotations, pred_probs).probas_
