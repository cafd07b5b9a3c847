r"""Dawid-Skene: one full confusion matrix per annotator, fitted by EM.

Generative model (Dawid & Skene 1979): each item ``i`` has a true class
:math:`z_i \sim \text{Categorical}(p)`; annotator ``a`` labels it ``l`` with
probability :math:`\pi^{(a)}_{z_i, l}`, independently of the other annotators.
EM alternates the posterior over :math:`z_i` (E-step) with the maximum (a
posteriori, with Dirichlet smoothing) estimates of ``p`` and every
:math:`\pi^{(a)}` (M-step).

By default EM stops after two iterations from the majority vote (early
stopping): a free confusion matrix per annotator overfits annotators with few
labels, and fewer EM steps keep it close to the majority-vote counts it starts
from. Chosen by leave-one-data-set-out over the shared data sets and simulated
families (docs/methods.md, "Stopping rule"); ``max_iter=100`` runs EM to
convergence, the maximum-likelihood estimate of the paper.

A. P. Dawid and A. M. Skene, "Maximum Likelihood Estimation of Observer
Error-Rates Using the EM Algorithm", Journal of the Royal Statistical Society C
28(1), 1979. https://doi.org/10.2307/2346806
"""

from __future__ import annotations

import warnings
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..annotations import Annotations
from ..errors import ConvergenceWarning, InputError, ParameterError, preview
from ._em import class_totals, confusion_counts, e_step, em_loop
from .base import Aggregator

__all__ = ["DawidSkene"]

#: EM iterations of the default fit: early stopping (see ``DawidSkene``, ``max_iter``)
EARLY_STOP_ITER = 2


def clamp_gold(ann: Annotations, log_post: np.ndarray) -> None:
    """Pin items with known gold labels to their class (in place, log space)."""
    if ann.gold is None:
        return
    known = np.flatnonzero(ann.gold >= 0)
    if known.size:
        log_post[known] = -np.inf
        log_post[known, ann.gold[known]] = 0.0


class DawidSkene(Aggregator):
    r"""Dawid-Skene EM with full per-annotator confusion matrices.

    Parameters
    ----------
    max_iter : int, default 2
        Maximum number of EM iterations. The default 2 is early stopping, which
        acts as a regulariser on sparse data: across the shared data sets and
        simulated families, chosen data set by data set on the others
        (leave-one-data-set-out), 2 iterations won every time over 1, 3, 5, 10
        and convergence, +2.2 accuracy points on average on the real sets
        (docs/methods.md). Raise it (e.g. ``max_iter=100``) to run EM to
        convergence (then ``tol`` stops it, and not converging warns).
    tol : float, default 1e-6
        Stop when the relative change of the log-likelihood is below ``tol``.
    smoothing : float, default 0.01
        Dirichlet pseudo-count added to every confusion-matrix cell (and to the
        class prior), so a label an annotator never gave keeps a small non-zero
        probability instead of vetoing a class outright.
    use_gold : bool, default True
        Pin items whose true class is known (``Annotations.gold``) to it; the
        known items then calibrate the confusion matrices.
    initial_error : array, mapping or DataFrame, optional
        Starting confusion matrices, e.g. from an annotator's history: an array
        ``(n_annotators, K, K)`` indexed ``[a, true, observed]`` in annotator
        code order; a mapping annotator id -> ``(K, K)`` array ``[true,
        observed]``; or crowd-kit's layout, a DataFrame indexed by
        ``(annotator, observed label)`` with one column per true class. Counts
        or probabilities.
    initial_error_strategy : {"assign", "addition"}, optional
        How ``initial_error`` enters the first M-step (crowd-kit's semantics):
        ``"assign"`` uses it *as* the starting confusion matrices (every
        annotator must be given; each true-class row is normalised), while
        ``"addition"`` adds it, as counts, to the counts the majority-vote
        initialisation gives (annotators may be left out). Later iterations
        use the data only. Required when ``initial_error`` is given.

    Attributes
    ----------
    confusion_matrices_ : ndarray, shape (n_annotators, n_classes, n_classes)
        ``[a, c, l]`` = P(annotator ``a`` says ``l`` | true class ``c``); rows sum to 1.
    priors_ : ndarray, shape (n_classes,)
        Estimated class prior ``p``.
    annotator_skill_ : ndarray, shape (n_annotators,)
        Expected accuracy of the annotator on the items they labeled: the
        posterior probability that their label is the true class, averaged over
        their labels.
    log_likelihood_ : float
        Final log marginal likelihood of the labels.
    loss_history_ : list of float
        Log-likelihood after each iteration.

    Examples
    --------
    >>> from labeljury import Annotations
    >>> from labeljury.methods import DawidSkene
    >>> ann = Annotations.from_arrays([0, 0, 0, 1, 1, 1], list("abcabc"), [1, 1, 0, 0, 0, 1])
    >>> DawidSkene().fit_predict(ann).tolist()
    [1, 0]
    """

    summary = "Dawid-Skene EM: a full confusion matrix per annotator (1979)"

    def __init__(
        self,
        max_iter: int = EARLY_STOP_ITER,
        tol: float = 1e-6,
        smoothing: float = 0.01,
        use_gold: bool = True,
        initial_error: Any = None,
        initial_error_strategy: Literal["assign", "addition"] | None = None,
    ) -> None:
        self.max_iter = max_iter
        self.tol = tol
        self.smoothing = smoothing
        self.use_gold = use_gold
        self.initial_error = initial_error
        self.initial_error_strategy = initial_error_strategy

    def _m_step(
        self,
        counts: np.ndarray,
        post: np.ndarray,
        extra: np.ndarray | None = None,
        assign: bool = False,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Confusion matrices and prior from the expected ``counts`` of ``post``."""
        if assign:  # given probabilities: used as they are, floored so log() stays finite
            counts = np.maximum(extra, 1e-12)
            conf = counts / counts.sum(axis=2, keepdims=True)
            prior = class_totals(post) + self.smoothing
            return conf, prior / prior.sum()
        if extra is not None:
            counts = counts + extra
        return m_step(counts, class_totals(post), self.smoothing)

    def _fit(self, ann: Annotations, pred_probs: np.ndarray | None) -> None:
        x = ann.one_hot()
        post = initial_posterior(ann, self.use_gold)
        extra = initial_counts(ann, self.initial_error, self.initial_error_strategy)
        assign = self.initial_error_strategy == "assign"
        # the initialisation's parameters
        conf, prior = self._m_step(confusion_counts(x, post), post, extra, assign)
        gold = ann.gold if self.use_gold else None
        counts = None  # expected counts of the latest posterior, from its E-step

        def step() -> float:
            nonlocal post, conf, prior, counts
            if counts is not None:
                conf, prior = self._m_step(counts, post)
            post, ll, counts = e_step(x, np.log(conf), np.log(prior), gold, counts=True)
            return ll

        with warnings.catch_warnings():
            if self.max_iter <= EARLY_STOP_ITER:  # stopping early is asked for, not a failure
                warnings.simplefilter("ignore", ConvergenceWarning)
            self.n_iter_, self.loss_history_ = em_loop(
                step, max_iter=self.max_iter, tol=self.tol, name="DawidSkene"
            )
        self.probas_ = post
        self.confusion_matrices_ = conf
        self.priors_ = prior
        self.log_likelihood_ = self.loss_history_[-1] if self.loss_history_ else np.nan
        self.annotator_skill_ = annotator_accuracy(ann, post)


def m_step(
    counts: np.ndarray, totals: np.ndarray, smoothing: float
) -> tuple[np.ndarray, np.ndarray]:
    """Dawid-Skene's M-step from its sufficient statistics (both engines call it).

    Parameters
    ----------
    counts : ndarray, shape (n_annotators, K, K)
        Expected counts ``[a, true, observed]`` (:func:`._em.confusion_counts`).
    totals : ndarray, shape (K,)
        The posterior summed over items.
    smoothing : float
        Dirichlet pseudo-count on every cell and on the class prior.

    Returns
    -------
    confusion matrices ``(n_annotators, K, K)`` and the class prior ``(K,)``.
    """
    counts = counts + smoothing
    # with smoothing=0 a true class an annotator never (in expectation) saw has
    # an all-zero row: floored, it becomes uniform instead of 0/0
    np.maximum(counts, 1e-12, out=counts)
    conf = counts / counts.sum(axis=2, keepdims=True)
    prior = totals + smoothing
    return conf, prior / prior.sum()


def initial_posterior(ann: Annotations, use_gold: bool) -> np.ndarray:
    """The majority-vote fractions every EM method starts from (gold items pinned).

    With ``max_iter=0`` a method returns this as its ``probas_``.
    """
    # a row's votes sum to the item's number of annotations (exactly, in floats): a
    # bincount instead of numpy's slow row sums over K columns
    post = ann.vote_counts() / ann.annotations_per_item()[:, None]
    if use_gold and ann.gold is not None:
        known = np.flatnonzero(ann.gold >= 0)
        post[known] = 0.0
        post[known, ann.gold[known]] = 1.0
    return post


def initial_counts(ann: Annotations, initial_error: Any, strategy: str | None) -> np.ndarray | None:
    """``initial_error`` as an ``(n_annotators, K, K)`` array ``[a, true, observed]``.

    Annotators left out are zero ("addition"); "assign" requires all of them
    and normalises each true-class row. See :class:`DawidSkene`.
    """
    if initial_error is None:
        if strategy is not None:
            raise ParameterError(f"initial_error_strategy={strategy!r} needs initial_error")
        return None
    if strategy not in ("assign", "addition"):
        raise ParameterError(
            f"initial_error_strategy={strategy!r}: choose 'assign' (use the "
            "given matrices as the start) or 'addition' (add them as counts)"
        )
    k, n_a = ann.n_classes, ann.n_annotators
    out = np.zeros((n_a, k, k))
    given = np.zeros(n_a, dtype=bool)
    if isinstance(initial_error, pd.DataFrame):
        if initial_error.index.nlevels != 2:
            raise InputError(
                "initial_error as a DataFrame: index (annotator, observed label), "
                "one column per true class (crowd-kit's layout)"
            )
        a = ann.annotators.get_indexer(initial_error.index.get_level_values(0))
        obs = ann.classes.get_indexer(initial_error.index.get_level_values(1))
        true = ann.classes.get_indexer(initial_error.columns)
        if (obs < 0).any() or (true < 0).any():
            raise InputError(f"initial_error names classes outside {list(ann.classes)}")
        vals = initial_error.to_numpy(dtype=float)
        keep = a >= 0  # annotators absent from the data are ignored
        for col, t in enumerate(true):
            out[a[keep], t, obs[keep]] = vals[keep, col]
        given[a[keep]] = True
    elif isinstance(initial_error, dict):
        for name, mat in initial_error.items():
            pos = ann.annotators.get_indexer([name])[0]
            if pos < 0:
                continue
            mat = np.asarray(mat, dtype=float)
            if mat.shape != (k, k):
                raise InputError(
                    f"initial_error[{name!r}] has shape {mat.shape}; expected "
                    f"({k}, {k}) [true, observed]"
                )
            out[pos] = mat
            given[pos] = True
    else:
        out = np.asarray(initial_error, dtype=float)
        if out.shape != (n_a, k, k):
            raise InputError(
                f"initial_error has shape {out.shape}; expected ({n_a}, {k}, {k}) "
                "[annotator, true, observed]"
            )
        given[:] = True
    if not np.all(np.isfinite(out)) or (out < 0).any():
        raise InputError("initial_error must be finite and non-negative (counts or probabilities)")
    if strategy == "assign":
        if not given.all():
            raise InputError(
                f"initial_error_strategy='assign' needs every annotator's matrix; "
                f"missing {preview(ann.annotators[~given].tolist())} (or use "
                "'addition')"
            )
        rows = out.sum(axis=2, keepdims=True)
        if (rows <= 0).any():
            raise InputError("initial_error: every true-class row needs a positive sum")
        if out.max() <= 1.0 and not np.allclose(rows, 1.0):
            # values in [0, 1] read as probabilities (crowd-kit's rule): a row that does
            # not sum to 1 is more likely a mistake than counts below one
            raise InputError(
                "initial_error holds probabilities (every value <= 1) but some "
                "annotator's row for a true class does not sum to 1; fix them, "
                "or give counts"
            )
        out = out / rows
    return out


def annotator_accuracy(ann: Annotations, post: np.ndarray) -> np.ndarray:
    """Posterior probability that each annotator's label is right, averaged over their labels."""
    right = post[ann.item, ann.label]
    return (
        np.bincount(ann.annotator, weights=right, minlength=ann.n_annotators)
        / ann.annotations_per_annotator()
    )
