"""Adapters that run every contender -- labeljury's methods and the peers -- alike.

A contender takes an :class:`~labeljury.Annotations` (and ``pred_probs`` when it
is model-aware) and returns a :class:`MethodOutput`: a consensus label, a
posterior, a consensus quality score per item and a score per annotator.

Peers (run in the same process, on the same integer-coded inputs, with their
default parameters; installed by the ``bench`` extra):

* crowd-kit: ``MajorityVote``, ``Wawa``, ``ZeroBasedSkill``, ``DawidSkene``,
  ``OneCoinDawidSkene``, ``GLAD``, ``MACE``, ``MMSR``;
* cleanlab: ``get_majority_vote_label`` and CROWDLAB
  (``get_label_quality_multiannotator``).

Annotator scores taken from the peers: crowd-kit ``skills_`` (MV, Wawa, ZBS,
OneCoinDS, MMSR), ``alphas_`` (GLAD), the probability of *not* spamming
(MACE ``spamming_[:, 1]``), the prior-weighted diagonal of ``errors_``
(Dawid-Skene); cleanlab ``annotator_quality`` (CROWDLAB) and agreement with the
consensus (majority vote). MMSR has no posterior: its ``scores_`` are clipped
at 0 and normalised per item.

The paper's baselines "Dawid-Skene + model as an extra annotator" and "GLAD +
model as an extra annotator" add one annotator who labels every item with
``argmax(pred_probs)`` (:func:`with_model_annotator`).

A contender that raises is not the adapter's problem: the runner records the
message as a failed row.
"""

from __future__ import annotations

import importlib.util
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..annotations import Annotations

__all__ = [
    "PEERS",
    "Contender",
    "MethodOutput",
    "labeljury_contender",
    "peer_available",
    "sklearn_tags_shim",
    "with_model_annotator",
]

#: name of the pseudo-annotator added by :func:`with_model_annotator`
MODEL_ANNOTATOR = "__model__"
#: cleanlab needs a dense item x annotator table; above this many cells it is skipped
DENSE_LIMIT = 30_000_000


@dataclass
class MethodOutput:
    """What a contender returns.

    Attributes
    ----------
    labels : ndarray of int, shape (n_items,)
    probas : ndarray, shape (n_items, n_classes)
        Posterior or normalised scores.
    quality : ndarray, shape (n_items,)
        Consensus quality score (higher = more likely right).
    annotator_scores : ndarray, shape (n_annotators,)
        In the order of ``annotations.annotators`` (of the annotations fitted,
        see ``annotations``).
    mv_quality : ndarray, optional
        The method's quality score of the *majority-vote* label, when it cannot
        be read off ``probas`` (cleanlab CROWDLAB).
    annotations : Annotations, optional
        The annotations actually fitted, when not those given (model added as
        an annotator).
    """

    labels: np.ndarray
    probas: np.ndarray
    quality: np.ndarray
    annotator_scores: np.ndarray
    mv_quality: np.ndarray | None = None
    annotations: Annotations | None = None


@dataclass(frozen=True)
class Contender:
    """A method to benchmark.

    Attributes
    ----------
    name : str
        As shown in the results (``"dawid_skene"``, ``"crowdkit:GLAD"``, ...).
    family : str
        ``"labeljury"``, ``"crowd-kit"`` or ``"cleanlab"``.
    uses_model : bool
        Needs ``pred_probs``.
    run : callable
        ``run(annotations, pred_probs) -> MethodOutput``.
    package : str, optional
        Module that must be importable (peers).
    """

    name: str
    family: str
    uses_model: bool
    run: Callable[[Annotations, np.ndarray | None], MethodOutput]
    package: str | None = None


def peer_available(package: str | None) -> bool:
    """Whether ``package`` can be imported (None: always)."""
    return package is None or importlib.util.find_spec(package) is not None


def _quality_from(probas: np.ndarray, labels: np.ndarray) -> np.ndarray:
    return probas[np.arange(len(labels)), labels]


def with_model_annotator(ann: Annotations, pred_probs: np.ndarray) -> Annotations:
    """``ann`` plus one annotator, ``"__model__"``, labeling every item ``argmax(pred_probs)``.

    Examples
    --------
    >>> ann = Annotations.from_arrays([0, 1], ["a", "a"], [0, 1])
    >>> aug = with_model_annotator(ann, np.array([[0.9, 0.1], [0.8, 0.2]]))
    >>> list(aug.annotators), aug.label.tolist()
    (['a', '__model__'], [0, 1, 0, 0])
    """
    n = ann.n_items
    return Annotations(
        np.r_[ann.item, np.arange(n)],
        np.r_[ann.annotator, np.full(n, ann.n_annotators)],
        np.r_[ann.label, np.asarray(pred_probs).argmax(axis=1)],
        ann.items,
        [*ann.annotators, MODEL_ANNOTATOR],
        ann.classes,
        validate=False,
    )


# ------------------------------------------------------------------ labeljury
def labeljury_contender(name: str, *, model_as_annotator: bool = False) -> Contender:
    """A labeljury method (by registry name) as a contender.

    ``model_as_annotator`` gives the "+ model" baseline of that method.
    """
    from ..methods import method_class

    cls = method_class(name)

    def run(ann: Annotations, pred_probs: np.ndarray | None) -> MethodOutput:
        fitted_on = ann
        if model_as_annotator:
            fitted_on = with_model_annotator(ann, pred_probs)
            m = cls().fit(fitted_on)
        else:
            m = cls().fit(ann, pred_probs if getattr(cls, "uses_pred_probs", False) else None)
        q = getattr(m, "consensus_quality_", None)
        quality = _quality_from(m.probas_, m.labels_) if q is None else np.asarray(q, float)
        return MethodOutput(
            np.asarray(m.labels_),
            np.asarray(m.probas_, float),
            quality,
            np.asarray(m.annotator_skill_, float),
            annotations=fitted_on if model_as_annotator else None,
        )

    label = f"{name}+model" if model_as_annotator else name
    uses = bool(getattr(cls, "uses_pred_probs", False) or model_as_annotator)
    return Contender(label, "labeljury", uses, run)


# ------------------------------------------------------------------ crowd-kit
def _long_df(ann: Annotations) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "task": ann.item.astype(np.int64),
            "worker": ann.annotator.astype(np.int64),
            "label": ann.label.astype(np.int64),
        }
    )


def _dense(frame: pd.DataFrame, n_rows: int, n_cols: int) -> np.ndarray:
    out = frame.reindex(index=range(n_rows), columns=range(n_cols)).to_numpy(float)
    return np.nan_to_num(out, nan=0.0)


def _by_worker(series: Any, n: int) -> np.ndarray:
    s = pd.Series(series)
    return s.reindex(range(n)).to_numpy(float)


def sklearn_tags_shim(cls: type) -> type:
    """``cls`` with the ``__sklearn_tags__`` that scikit-learn >= 1.6 asks of it.

    crowd-kit 1.4.2's ``Wawa`` and ``ZeroBasedSkill`` call scikit-learn's
    ``check_is_fitted(self, attributes="skills_")`` before predicting; since
    scikit-learn 1.6 that helper first reads the estimator's tags
    (``get_tags``), which only classes deriving from scikit-learn's
    ``BaseEstimator`` define, so both raised ``AttributeError: 'Wawa' object has
    no attribute '__sklearn_tags__'`` -- an error of the fitted-check, not of
    their algorithm. The subclass adds default tags and nothing else: ``fit``,
    ``predict`` and ``predict_proba`` run crowd-kit's own code unchanged. Other
    classes are returned as they are.
    """
    try:
        from sklearn.utils import Tags, TargetTags
    except ImportError:  # scikit-learn < 1.6 never reads the tags
        return cls
    if hasattr(cls, "__sklearn_tags__"):
        return cls

    def __sklearn_tags__(self: Any) -> Any:
        return Tags(estimator_type=None, target_tags=TargetTags(required=False))

    return type(
        cls.__name__, (cls,), {"__sklearn_tags__": __sklearn_tags__, "__module__": __name__}
    )


def _crowdkit(cls_name: str, model_as_annotator: bool = False) -> Contender:
    def run(ann: Annotations, pred_probs: np.ndarray | None) -> MethodOutput:
        from crowdkit.aggregation import classification as ck

        fitted_on = with_model_annotator(ann, pred_probs) if model_as_annotator else ann
        df = _long_df(fitted_on)
        n, k, w = fitted_on.n_items, fitted_on.n_classes, fitted_on.n_annotators
        agg = sklearn_tags_shim(getattr(ck, cls_name))()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            agg.fit(df)
            if cls_name in ("Wawa", "ZeroBasedSkill"):  # fit() learns skills only
                agg.predict_proba(df)
            elif cls_name == "MMSR":
                agg.predict_score(df)
        if cls_name == "MMSR":
            scores = np.clip(_dense(agg.scores_, n, k), 0.0, None)
            tot = scores.sum(axis=1, keepdims=True)
            probas = np.where(tot > 0, scores / np.where(tot > 0, tot, 1.0), 1.0 / k)
        else:
            probas = _dense(agg.probas_, n, k)
        labels = pd.Series(agg.labels_).reindex(range(n)).to_numpy()
        labels = np.where(pd.isna(labels), probas.argmax(axis=1), labels).astype(np.int64)
        if cls_name == "GLAD":
            skill = _by_worker(agg.alphas_, w)
        elif cls_name == "MACE":
            _, names = pd.factorize(df["worker"])
            skill = _by_worker(pd.Series(agg.spamming_[:, 1], index=names), w)
        elif cls_name == "DawidSkene":
            # errors_: rows (worker, observed label), columns true label
            st = agg.errors_.stack()
            lv = [st.index.get_level_values(i) for i in range(3)]
            hit = np.asarray(lv[1] == lv[2])
            prior = pd.Series(agg.priors_).reindex(range(k)).fillna(0.0).to_numpy()
            vals = st.to_numpy(float)[hit] * prior[np.asarray(lv[2][hit], dtype=np.int64)]
            skill = _by_worker(
                pd.Series(vals, index=np.asarray(lv[0][hit])).groupby(level=0).sum(), w
            )  # prior-weighted probability of a correct label
        else:
            skill = _by_worker(agg.skills_, w)
        return MethodOutput(
            labels,
            probas,
            _quality_from(probas, labels),
            skill,
            annotations=fitted_on if model_as_annotator else None,
        )

    name = f"crowdkit:{cls_name}" + ("+model" if model_as_annotator else "")
    return Contender(name, "crowd-kit", model_as_annotator, run, "crowdkit")


# ------------------------------------------------------------------ cleanlab
def _wide(ann: Annotations) -> pd.DataFrame:
    if ann.n_items * ann.n_annotators > DENSE_LIMIT:
        raise MemoryError(
            f"skipped: cleanlab needs a dense {ann.n_items} x {ann.n_annotators} "
            f"item x annotator table (> {DENSE_LIMIT:,} cells)"
        )
    ann = ann.deduplicate("last")  # a wide table holds one label per (item, annotator)
    table = np.full((ann.n_items, ann.n_annotators), np.nan)
    table[ann.item, ann.annotator] = ann.label
    return pd.DataFrame(table)


def _cleanlab_mv(ann: Annotations, pred_probs: np.ndarray | None) -> MethodOutput:
    from cleanlab.multiannotator import get_majority_vote_label

    wide = _wide(ann)
    np.random.seed(0)  # noqa: NPY002 - cleanlab breaks its last ties with the global generator
    labels = np.asarray(get_majority_vote_label(wide, verbose=False), dtype=np.int64)
    votes = ann.vote_counts()
    probas = votes / votes.sum(axis=1, keepdims=True)
    agree = ann.label == labels[ann.item]
    skill = np.bincount(ann.annotator, weights=agree, minlength=ann.n_annotators) / np.maximum(
        ann.annotations_per_annotator(), 1
    )
    return MethodOutput(labels, probas, _quality_from(probas, labels), skill)


def _cleanlab_crowdlab(ann: Annotations, pred_probs: np.ndarray | None) -> MethodOutput:
    from cleanlab.multiannotator import get_label_quality_multiannotator

    wide = _wide(ann)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = get_label_quality_multiannotator(
            wide,
            pred_probs,
            consensus_method=["best_quality", "majority_vote"],
            verbose=False,
            return_detailed_quality=False,
        )
    lq = res["label_quality"]
    labels = lq["consensus_label"].to_numpy(np.int64)
    quality = lq["consensus_quality_score"].to_numpy(float)
    probas = np.zeros((ann.n_items, ann.n_classes))  # no posterior is returned
    probas[np.arange(ann.n_items), labels] = quality
    rest = (1 - quality) / max(ann.n_classes - 1, 1)
    probas = np.where(probas == 0, rest[:, None], probas)
    stats = res["annotator_stats"]["annotator_quality"]
    skill = stats.reindex(range(ann.n_annotators)).to_numpy(float)
    return MethodOutput(
        labels,
        probas,
        quality,
        skill,
        mv_quality=lq["consensus_quality_score_majority_vote"].to_numpy(float),
    )


CROWDKIT_NAMES = (
    "MajorityVote",
    "Wawa",
    "ZeroBasedSkill",
    "DawidSkene",
    "OneCoinDawidSkene",
    "GLAD",
    "MACE",
    "MMSR",
)

#: peer name -> contender
PEERS: dict[str, Contender] = {
    **{f"crowdkit:{c}": _crowdkit(c) for c in CROWDKIT_NAMES},
    "crowdkit:DawidSkene+model": _crowdkit("DawidSkene", True),
    "crowdkit:GLAD+model": _crowdkit("GLAD", True),
    "cleanlab:majority_vote": Contender(
        "cleanlab:majority_vote", "cleanlab", False, _cleanlab_mv, "cleanlab"
    ),
    "cleanlab:crowdlab": Contender(
        "cleanlab:crowdlab", "cleanlab", True, _cleanlab_crowdlab, "cleanlab"
    ),
}
