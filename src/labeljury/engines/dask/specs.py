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

from typing import Any

import numpy as np

from ...errors import ParameterError
from ...methods import _em
from ...methods import dawid_skene as ds
from ...methods import one_coin as oc
from ...methods import shrunk_dawid_skene as sds
from ...methods.base import argmax_ties
from ...methods.majority_vote import break_ties, reliability_counts, reliability_evidence
from .parts import Part, log_pred

__all__ = [
    "DawidSkeneSpec",
    "MajorityVoteSpec",
    "OneCoinSpec",
    "ShrunkDawidSkeneSpec",
    "Spec",
    "View",
]

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

    def __init__(self, tie_break: str = "reliability") -> None:
        if tie_break not in ("reliability", "first", "frequency"):
            raise ParameterError(
                f"tie_break={tie_break!r}: the Dask engine supports 'reliability', 'first' "
                "and 'frequency' ('random' depends on the order of all items, which "
                "partitions do not share)"
            )
        super().__init__(tie_break=tie_break)

    def start(self, part: Part) -> Stats:
        votes = np.asarray(part.ann.vote_counts())
        hits, seen = reliability_counts(part.ann)  # sums over items: partitions add up
        return {"class_votes": votes.sum(0), "hits": hits, "seen": seen}

    def m_step(self, stats: Stats) -> dict:
        return dict(stats)

    def posterior(self, part: Part, params: dict) -> tuple[np.ndarray, np.ndarray]:
        votes = np.asarray(part.ann.vote_counts())
        evidence = reliability_evidence(part.ann, params["hits"], params["seen"])
        labels = break_ties(
            votes, self.params["tie_break"], params["class_votes"], None, part.pred, evidence
        )
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

    def _log_prior(self, part: Part, params: dict) -> np.ndarray:
        return np.log(params["prior"])

    def e_step(self, part: Part, params: dict) -> tuple[np.ndarray, float]:
        x = part.ann.one_hot()
        return _em.e_step(x, params["log_conf"], self._log_prior(part, params))

    def iterate(self, part: Part, params: dict) -> Stats:
        # the in-memory methods' fused E-step: posterior, evidence and the next counts
        x = part.ann.one_hot()
        post, ll, counts = _em.e_step(
            x, params["log_conf"], self._log_prior(part, params), counts=True
        )
        return {"counts": counts, "class_totals": _em.class_totals(post), "ll": ll}

    def stats(self, part: Part, post: np.ndarray) -> Stats:
        return {
            "counts": _em.confusion_counts(part.ann.one_hot(), post),
            "class_totals": _em.class_totals(post),
        }

    def m_step(self, stats: Stats) -> dict:
        conf, prior = ds.m_step(stats["counts"], stats["class_totals"], self.params["smoothing"])
        return {"conf": conf, "log_conf": np.log(conf), "prior": prior}


class ShrunkDawidSkeneSpec(DawidSkeneSpec):
    """:class:`~labeljury.methods.shrunk_dawid_skene.ShrunkDawidSkene` (model prior optional)."""

    name = "shrunk_dawid_skene"

    def __init__(self, strength: float = 2.0) -> None:
        if strength < 0:
            raise ParameterError(f"shrunk_dawid_skene: strength={strength!r} must be >= 0")
        Spec.__init__(self, strength=strength)

    def _log_prior(self, part: Part, params: dict) -> np.ndarray:
        return params["log_prior"] + log_pred(part)

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
        return {"hits": oc.expected_hits(part.ann, post), "class_totals": _em.class_totals(post)}

    def m_step(self, stats: Stats) -> dict:
        acc, prior = oc.m_step(
            stats["hits"], stats["n_labels"], stats["class_totals"], self.params["smoothing"]
        )
        return {"acc": acc, "prior": prior}

    def skill(self, totals: Stats, params: dict) -> np.ndarray:
        return params["acc"]  # one-coin's skill is its fitted accuracy
