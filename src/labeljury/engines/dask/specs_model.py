"""Jury and CROWDLAB as the Dask engine runs them (see :mod:`.specs`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...errors import ParameterError
from ...methods import _em
from ...methods import crowdlab as cl
from ...methods import one_coin as oc
from ...methods.base import argmax_ties
from ...methods.jury import _P_FLOOR
from ...methods.jury.prior import item_log_prior
from ...methods.jury.rows import Rows
from .parts import Part
from .specs import Spec, Stats, View, _tiebreak

__all__ = ["CrowdLabSpec", "JurySpec"]


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
        strength: float = 16.0,  # Jury's default (methods/jury), tested equal
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
