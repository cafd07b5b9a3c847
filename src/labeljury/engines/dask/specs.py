"""Each method as the Dask engine runs it: per-partition statistics and a global M-step.

A spec holds the method's parameters and splits one EM iteration in two:

* ``iterate(part, params)``, run on the workers: the E-step for the partition's items
  (posteriors from the broadcast global parameters) and the sufficient statistics of the
  next M-step, summed over the partition, plus the partition's log-likelihood;
* ``m_step(stats)``, run on the client: the method's own M-step function (the one its
  in-memory class calls) on the statistics summed over all partitions.

Every statistic is a sum over items, so partitions add up to the in-memory totals. Both
engines start from the majority-vote shares and stop by :func:`labeljury.methods._em.em_loop`
on the same objective, so the iterations and the answers match.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from ...errors import ParameterError
from ...methods import _em
from ...methods import crowdlab as cl
from ...methods import dawid_skene as ds
from ...methods import one_coin as oc
from ...methods import shrunk_dawid_skene as sds
from ...methods.base import argmax_ties
from ...methods.jury import _P_FLOOR
from ...methods.jury.prior import item_log_prior
from ...methods.jury.rows import Rows
from ...methods.majority_vote import break_ties
from .parts import Part, log_pred

__all__ = ["SPECS", "View", "make_spec"]

Stats = dict[str, Any]


def _majority_shares(part: Part) -> np.ndarray:
    votes = np.asarray(part.ann.vote_counts())
    return votes / votes.sum(axis=1, keepdims=True)


def _tiebreak(part: Part) -> list[np.ndarray]:
    return [part.pred] if part.pred is not None else []


class View:
    """The estimator contract of one partition (what :mod:`labeljury.quality` reads)."""

    def __init__(self, labels: np.ndarray, probas: np.ndarray) -> None:
        self.labels_ = labels
        self.probas_ = probas


class Spec:
    """Common parts; subclasses define the E-step, the statistics and the M-step."""

    name = ""
    iterative = True
    default_tol = 1e-6
    #: whether the method needs model probabilities
    needs_model = False
    #: whether the partitions must know each annotation's row in the input
    needs_rows = False

    def __init__(self, **params: Any) -> None:
        self.params = params

    # ---- run on the workers
    def n_labels(self, part: Part) -> Stats:
        """Labels per annotator (a fixed statistic every M-step may read)."""
        return {"n_labels": part.ann.annotations_per_annotator()}

    def start(self, part: Part) -> Stats:
        """Statistics of the majority-vote start (the first M-step's input)."""
        return self.stats(part, _majority_shares(part))

    def iterate(self, part: Part, params: dict) -> Stats:
        post, ll = self.e_step(part, params)
        out = self.stats(part, post)
        out["ll"] = ll
        return out

    def posterior(self, part: Part, params: dict) -> tuple[np.ndarray, np.ndarray]:
        """Final posterior and consensus labels of the partition's items."""
        post, _ = self.e_step(part, params)
        return post, argmax_ties(post, *_tiebreak(part))

    def view(self, part: Part, params: dict) -> View:
        """The partition's consensus and posterior, as the table builders read them."""
        post, labels = self.posterior(part, params)
        return View(labels, post)

    def skill_stats(self, part: Part, view: View) -> Stats:
        """Per-annotator sums behind the skill, from the final consensus and posterior."""
        return {"hits": oc.expected_hits(part.ann, view.probas_)}

    def skill(self, totals: Stats, params: dict) -> np.ndarray:
        """Per annotator: expected accuracy on their labels (Dawid-Skene's skill)."""
        return totals["hits"] / totals["n_labels"]

    # ---- subclass
    def e_step(self, part: Part, params: dict) -> tuple[np.ndarray, float]:
        raise NotImplementedError

    def stats(self, part: Part, post: np.ndarray) -> Stats:
        raise NotImplementedError

    def m_step(self, stats: Stats) -> dict:
        raise NotImplementedError


class MajorityVoteSpec(Spec):
    """Majority vote: one pass, no iterations."""

    name = "majority_vote"
    iterative = False

    def __init__(self, tie_break: str = "first") -> None:
        if tie_break not in ("first", "frequency"):
            raise ParameterError(
                f"tie_break={tie_break!r}: the Dask engine supports 'first' and 'frequency' "
                "('random' depends on the order of all items, which partitions do not share)"
            )
        super().__init__(tie_break=tie_break)

    def start(self, part: Part) -> Stats:
        return {"class_votes": np.asarray(part.ann.vote_counts()).sum(0)}

    def m_step(self, stats: Stats) -> dict:
        return {"class_votes": stats["class_votes"]}

    def posterior(self, part: Part, params: dict) -> tuple[np.ndarray, np.ndarray]:
        votes = np.asarray(part.ann.vote_counts())
        labels = break_ties(votes, self.params["tie_break"], params["class_votes"], None, part.pred)
        return votes / votes.sum(axis=1, keepdims=True), labels

    def skill_stats(self, part: Part, view: View) -> Stats:
        return {}

    def skill(self, totals: Stats, params: dict) -> np.ndarray:
        # majority vote's skill is the agreement with the consensus
        return totals["agree"] / totals["n_labels"]


class DawidSkeneSpec(Spec):
    """:class:`~labeljury.methods.DawidSkene` (no gold, no initial_error)."""

    name = "dawid_skene"

    def __init__(self, smoothing: float = 0.01) -> None:
        super().__init__(smoothing=smoothing)

    def e_step(self, part: Part, params: dict) -> tuple[np.ndarray, float]:
        log_post = np.log(params["prior"]) + _em.log_likelihoods(
            part.ann.one_hot(), params["log_conf"]
        )
        return _em.log_normalize(log_post)

    def stats(self, part: Part, post: np.ndarray) -> Stats:
        return {
            "counts": _em.confusion_counts(part.ann.one_hot(), post),
            "class_totals": post.sum(axis=0),
        }

    def m_step(self, stats: Stats) -> dict:
        conf, prior = ds.m_step(stats["counts"], stats["class_totals"], self.params["smoothing"])
        return {"conf": conf, "log_conf": np.log(conf), "prior": prior}


class ShrunkDawidSkeneSpec(Spec):
    """:class:`~labeljury.methods.shrunk_dawid_skene.ShrunkDawidSkene` (model prior optional)."""

    name = "shrunk_dawid_skene"

    def __init__(self, strength: float = 2.0) -> None:
        if strength < 0:
            raise ParameterError(f"shrunk_dawid_skene: strength={strength!r} must be >= 0")
        super().__init__(strength=strength)

    def e_step(self, part: Part, params: dict) -> tuple[np.ndarray, float]:
        log_post = (
            params["log_prior"]
            + log_pred(part)
            + _em.log_likelihoods(part.ann.one_hot(), params["log_conf"])
        )
        return _em.log_normalize(log_post)

    stats = DawidSkeneSpec.stats

    def m_step(self, stats: Stats) -> dict:
        conf, prior, pooled = sds.m_step(
            stats["counts"], stats["class_totals"], self.params["strength"]
        )
        return {
            "conf": conf,
            "log_conf": np.log(np.maximum(conf, sds._TINY)),
            "prior": prior,
            "log_prior": np.log(np.maximum(prior, sds._TINY)),
            "pooled": pooled,
        }


class OneCoinSpec(Spec):
    """:class:`~labeljury.methods.OneCoinDawidSkene` (no gold)."""

    name = "one_coin_dawid_skene"

    def __init__(self, smoothing: float = 0.01) -> None:
        super().__init__(smoothing=smoothing)

    def e_step(self, part: Part, params: dict) -> tuple[np.ndarray, float]:
        ann = part.ann
        q = params["acc"][ann.annotator]
        log_post = np.log(params["prior"]) + _em.one_coin_log_likelihoods(
            ann, np.log(q), np.log1p(-q) - np.log(ann.n_classes - 1)
        )
        return _em.log_normalize(log_post)

    def stats(self, part: Part, post: np.ndarray) -> Stats:
        return {"hits": oc.expected_hits(part.ann, post), "class_totals": post.sum(axis=0)}

    def m_step(self, stats: Stats) -> dict:
        acc, prior = oc.m_step(
            stats["hits"], stats["n_labels"], stats["class_totals"], self.params["smoothing"]
        )
        return {"acc": acc, "prior": prior}

    def skill(self, totals: Stats, params: dict) -> np.ndarray:
        return params["acc"]  # one-coin's skill is its fitted accuracy


class JurySpec(Spec):
    """:class:`~labeljury.methods.Jury`: shrunk rows, the model as prior, honest scores (no gold).

    The leave-one-out scores' temperature is fitted, as in memory, on every annotation of an
    item with two labels or more, or on a random sample of
    :data:`labeljury.methods.jury.scores.SAMPLE` of them when there are more: the same
    sample, drawn over the annotations in input order (the partitions carry each
    annotation's input row for this, :attr:`needs_rows`).
    """

    name = "jury"
    default_tol = 1e-4

    @property
    def needs_rows(self) -> bool:  # type: ignore[override]
        return self.params["calibrate"]

    def __init__(
        self,
        strength: float = 2.0,
        model_weight: float = 1.0,
        calibrate: bool = True,
        random_state: int = 0,
    ) -> None:
        for label, value in (("strength", strength), ("model_weight", model_weight)):
            if not (isinstance(value, int | float) and np.isfinite(value) and value >= 0):
                raise ParameterError(f"jury: {label} must be a number >= 0, got {value!r}")
        super().__init__(
            strength=float(strength),
            model_weight=float(model_weight),
            calibrate=bool(calibrate),
            random_state=random_state,
        )

    def _prior(self, part: Part, params: dict) -> np.ndarray:
        log_p = None if part.pred is None else np.log(np.clip(part.pred, _P_FLOOR, 1.0))
        return item_log_prior(params["log_rho"], log_p, self.params["model_weight"])

    def _rows(self, params: dict) -> Rows:
        return Rows.from_counts(params["counts"], self.params["strength"])

    def stats(self, part: Part, post: np.ndarray) -> Stats:
        ann = part.ann
        return {
            "counts": _em.confusion_counts(ann.one_hot(), post),
            "label_counts": np.bincount(ann.label, minlength=ann.n_classes),
        }

    def m_step(self, stats: Stats) -> dict:
        # the class prior is the label frequencies, fixed (see Jury._fit)
        lc = stats["label_counts"]
        return {
            "counts": stats["counts"],
            "log_rho": np.log((lc + 1.0) / (lc.sum() + len(lc))),
            "class_votes": lc.astype(float),
            "tau": 1.0,
        }

    def e_step(self, part: Part, params: dict) -> tuple[np.ndarray, float]:
        log_post = self._prior(part, params) + self._rows(params).loglik(part.ann.one_hot())
        return _em.log_normalize(log_post)

    def posterior(self, part: Part, params: dict) -> tuple[np.ndarray, np.ndarray]:
        post, _ = self.e_step(part, params)
        return post, argmax_ties(post, *_tiebreak(part), params["class_votes"])

    def skill(self, totals: Stats, params: dict) -> np.ndarray:
        return self._rows(params).expected_accuracy(np.exp(params["log_rho"]))

    # ---- the honest scores
    def _honest_log(self, part: Part, params: dict, post: np.ndarray) -> np.ndarray:
        return self._prior(part, params) + self._rows(params).loo_loglik(part.ann, post)

    def eligible(self, part: Part) -> np.ndarray:
        """Annotations of items with two labels or more (the temperature's candidates)."""
        ann = part.ann
        return np.flatnonzero(ann.annotations_per_item()[ann.item] >= 2)

    def temperature_terms(
        self, part: Part, params: dict, picks: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The sampled labels' leave-one-out terms and the rest of their item's honest log
        posterior (:func:`labeljury.methods.jury.scores.label_temperature`'s inputs)."""
        post, _ = self.e_step(part, params)
        idx = self.eligible(part)[picks]
        ell = self._rows(params).loo_terms(part.ann, post, idx)
        return ell, self._honest_log(part, params, post)[part.ann.item[idx]] - ell

    def view(self, part: Part, params: dict) -> View:
        post, labels = self.posterior(part, params)
        honest = _em.log_normalize(params["tau"] * self._honest_log(part, params, post))[0]
        ann = part.ann
        view = View(labels, post)
        view.consensus_quality_ = honest[np.arange(ann.n_items), labels]
        view.label_quality_scores_ = honest[ann.item, ann.label]
        return view


class CrowdLabSpec(Spec):
    """:class:`~labeljury.methods.CrowdLab` with one model (``quality_method="crowdlab"``).

    Three passes: the class totals (for the reference's ties), the sums behind the
    ensemble weights (:func:`labeljury.methods.crowdlab.weight_sums`) and the final one.
    """

    name = "crowdlab"
    iterative = False
    needs_model = True

    def __init__(self, per_annotator_weights: bool = True) -> None:
        super().__init__(per_annotator_weights=bool(per_annotator_weights))

    def _stats(self, part: Part) -> Any:
        return cl._ItemStats.of(part.ann)

    def start(self, part: Part) -> Stats:
        return {"class_totals": np.asarray(part.ann.vote_counts()).sum(axis=0)}

    def m_step(self, stats: Stats) -> dict:
        return {"class_totals": stats["class_totals"]}

    def refine(self, part: Part, params: dict) -> Stats:
        stats = self._stats(part)
        reference = argmax_ties(stats.votes, part.pred, params["class_totals"])
        return cl.weight_sums(part.ann, part.pred[None], reference, stats)

    def weights(self, sums: Stats, params: dict) -> dict:
        model_w, annot_w, likelihood = cl.weights_from_sums(
            sums, self.params["per_annotator_weights"]
        )
        share = cl.model_share(model_w, annot_w, sums["n_annotations"] / sums["n_items"])
        return {
            **params,
            "model_w": model_w,
            "annot_w": annot_w,
            "likelihood": likelihood,
            "share": share,
        }

    def posterior(self, part: Part, params: dict) -> tuple[np.ndarray, np.ndarray]:
        post = cl.ensemble_posterior(
            part.ann, part.pred[None], params["model_w"], params["annot_w"], params["likelihood"]
        )
        return post, argmax_ties(post, part.pred, params["class_totals"])

    def skill_stats(self, part: Part, view: View) -> Stats:
        ann = part.ann
        shared = self._stats(part).shared
        hit = (ann.label == view.labels_[ann.item]) & shared
        m = ann.n_annotators
        return {
            "hits": oc.expected_hits(ann, view.probas_),
            "agree_shared": np.bincount(ann.annotator, weights=hit, minlength=m),
            "n_shared": np.bincount(ann.annotator, weights=shared, minlength=m),
        }

    def skill(self, totals: Stats, params: dict) -> np.ndarray:
        agreement = np.full(len(totals["n_labels"]), np.nan)
        np.divide(
            totals["agree_shared"], totals["n_shared"], out=agreement, where=totals["n_shared"] > 0
        )
        mean_lq = totals["hits"] / totals["n_labels"]
        share = params["share"]
        return np.where(np.isnan(agreement), mean_lq, share * mean_lq + (1.0 - share) * agreement)


SPECS = {
    s.name: s
    for s in (
        MajorityVoteSpec,
        DawidSkeneSpec,
        OneCoinSpec,
        ShrunkDawidSkeneSpec,
        JurySpec,
        CrowdLabSpec,
    )
}
ALIASES = {"mv": "majority_vote", "ds": "dawid_skene", "one_coin": "one_coin_dawid_skene"}

#: parameters of the in-memory methods the Dask engine runs the same way
_LOOP = ("max_iter", "tol")


def make_spec(method: str, params: dict[str, Any]) -> tuple[Spec, dict[str, Any]]:
    """The spec for a method name and its loop settings (max_iter, tol)."""
    name = ALIASES.get(method, method)
    if name not in SPECS:
        raise ParameterError(
            f"method={method!r} does not run on Dask yet; choose one of {sorted(SPECS)} "
            "(or run it in memory)"
        )
    params = dict(params)
    params.pop("use_gold", None)  # the Dask engine reads no gold labels: nothing to pin
    loop = {k: params.pop(k) for k in _LOOP if k in params}
    loop.setdefault("max_iter", 100)
    loop.setdefault("tol", SPECS[name].default_tol)
    if loop["max_iter"] < 1:
        raise ParameterError("max_iter must be >= 1 on the Dask engine")
    known = set(inspect.signature(SPECS[name].__init__).parameters) - {"self", "params"}
    unknown = sorted(set(params) - known)
    if unknown:
        raise ParameterError(
            f"{name} on Dask: unknown parameter(s) {unknown}; it takes "
            f"{sorted(known | set(_LOOP)) if SPECS[name].iterative else sorted(known)} "
            "(see docs/dask.md)"
        )
    return SPECS[name](**params), loop
