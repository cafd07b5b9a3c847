"""The data of the generalization protocol: real sets with their variants and
simulated families drawn from a run seed.

Every entry is a :class:`ProtocolSet`: a :class:`~.datasets.BenchData` with its
``group`` (the unit left out by leave-one-data-set-out: a real data set with all
its variants, or one simulated family) and ``variant``.

Real data set (folder with gold, :func:`~.datasets.load_real`):

``labels``
    all its annotations, no model;
``r3``
    at most 3 annotations per item (:func:`~.datasets.subsample_per_item`,
    seeded by the run), no model;
``model``, ``r1+model``, ``r3+model`` (sets with features only)
    the same annotations with the out-of-fold probabilities of a plain
    cross-validated logistic regression (TF-IDF for text) trained on the
    majority vote of exactly those annotations -- what the blind evaluation of
    issue 15 gave every model-aware method (:func:`oof_logistic`).

Simulated families (:data:`FAMILIES`), each drawn from its own seed derived
from the run seed, so every run sees new data:

``tutorial_logistic``, ``tutorial_boosted``
    the classic tutorial generator (:func:`labeljury.synth.make_tutorial_data`)
    with out-of-fold logistic-regression / boosted-trees probabilities;
``confusions``
    4 classes, class-dependent confusions (:func:`~.datasets.scenario_confusions`);
``spammers``
    binary, 30% spammers and 10% adversaries (:func:`~.datasets.scenario_spammers`);
``imbalanced_weak_model``
    binary, 12% positives, annotators worse on the rare class, a weak
    out-of-fold logistic regression on uninformative-ish features;
``sparse_1to3``
    4 classes, 1 to 3 labels per item (Dawid-Skene annotators);
``many_annotators``
    3 classes, 600 annotators with about 15 labels each.
``sparse_766``
    the shape of the blind set where GLAD was furthest behind crowd-kit (issue 21):
    4 classes, 766 annotators, 3 to 7 labels per item, hard Dawid-Skene
    annotators (accuracy 0.25 to 0.75 per class, confusions not uniform).

The simulated families except the tutorial ones come in a ``labels`` and a
``model`` variant (a simulated model, :func:`~.datasets.simulate_pred_probs`).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..annotations import Annotations
from .datasets import (
    BenchData,
    load_real,
    scenario_confusions,
    scenario_spammers,
    simulate_pred_probs,
    subsample_per_item,
)

__all__ = ["FAMILIES", "ProtocolSet", "draw_seed", "family_sets", "oof_logistic", "real_sets"]


@dataclass
class ProtocolSet:
    """One scored data set of the protocol.

    Attributes
    ----------
    group : str
        What leave-one-data-set-out leaves out together.
    variant : str
    kind : {"real", "simulated"}
    data : BenchData
        ``pred_probs`` set for model variants (``features`` is always None).
    """

    group: str
    variant: str
    kind: str
    data: BenchData

    @property
    def name(self) -> str:
        """``group/variant``, as shown in the tables."""
        return f"{self.group}/{self.variant}"


def draw_seed() -> int:
    """A fresh run seed from the operating system's entropy (printed by the command)."""
    return int.from_bytes(os.urandom(4), "little") >> 1


def _child_seeds(seed: int, n: int) -> list[int]:
    return [int(s) for s in np.random.default_rng(seed).integers(0, 2**31 - 1, n)]


def _mv(ann: Annotations) -> np.ndarray:
    from ..methods import MajorityVote

    return MajorityVote().fit(ann).labels_


def oof_logistic(
    features, ann: Annotations, seed: int, *, model: str = "logistic", text: bool = False
) -> np.ndarray:
    """Out-of-fold probabilities of a plain model trained on the majority vote of ``ann``.

    Parameters
    ----------
    features : DataFrame, ndarray or (matrix, classifier) for text
        One row per item. For text, the precomputed TF-IDF matrix and the
        classifier of :func:`labeljury.bench.models._text_model`.
    model : {"logistic", "hist_gradient_boosting"}
        The built-in candidate (tabular features); no temperature scaling.
    """
    from ..model import out_of_fold_pred_probs

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if text:
            matrix, clf = features
            pp, _ = out_of_fold_pred_probs(
                matrix,
                _mv(ann),
                n_classes=ann.n_classes,
                model=clf,
                random_state=seed,
                calibrate=False,
                refit=False,
            )
        else:
            pp, _ = out_of_fold_pred_probs(
                features,
                _mv(ann),
                n_classes=ann.n_classes,
                model=model,
                random_state=seed,
                calibrate=False,
                refit=False,
            )
    return pp


def _variant(
    group: str,
    variant: str,
    kind: str,
    base: BenchData,
    ann: Annotations,
    pp: np.ndarray | None,
    model: str,
) -> ProtocolSet:
    data = replace(
        base,
        name=f"{group}/{variant}",
        annotations=ann,
        features=None,
        pred_probs=pp,
        model=model if pp is not None else "none",
        notes=[],
    )
    return ProtocolSet(group, variant, kind, data)


def real_sets(paths: Iterable[str | os.PathLike[str]], seed: int) -> list[ProtocolSet]:
    """The variants of every real data set folder in ``paths`` (see the module doc)."""
    from .models import _text_model

    out: list[ProtocolSet] = []
    for path in paths:
        data = load_real(Path(path))
        name = data.name
        s_sub, s_model = _child_seeds(seed + sum(map(ord, name)), 2)
        full = data.annotations
        r3 = full.take(subsample_per_item(full, 3, s_sub))
        r1 = full.take(subsample_per_item(full, 1, s_sub + 1))
        out.append(_variant(name, "labels", "real", data, full, None, ""))
        if (full.annotations_per_item() > 3).any():
            out.append(_variant(name, "r3", "real", data, r3, None, ""))
        if data.features is None:
            continue
        text = data.model == "oof:text"
        feats = _text_model(data) if text else data.features
        how = "oof logistic" + (" (tf-idf)" if text else "") + " on majority vote"
        for variant, ann in (("model", full), ("r1+model", r1), ("r3+model", r3)):
            if variant == "r3+model" and not (full.annotations_per_item() > 3).any():
                continue
            out.append(
                _variant(
                    name,
                    variant,
                    "real",
                    data,
                    ann,
                    oof_logistic(feats, ann, s_model, text=text),
                    how,
                )
            )
    return out


# ------------------------------------------------------------------ simulated
def _assemble(group: str, ann: Annotations, gold: np.ndarray) -> BenchData:
    return BenchData(group, ann, np.asarray(gold, np.int64), "synthetic")


def _with_sim_model(group: str, data: BenchData, accuracy: float, seed: int) -> list[ProtocolSet]:
    pp = simulate_pred_probs(data.gold, data.annotations.n_classes, accuracy, random_state=seed)
    return [
        _variant(group, "labels", "simulated", data, data.annotations, None, ""),
        _variant(
            group, "model", "simulated", data, data.annotations, pp, f"simulated acc={accuracy:.2f}"
        ),
    ]


def _tutorial(model: str) -> Callable[[int, float], list[ProtocolSet]]:
    def make(seed: int, scale: float) -> list[ProtocolSet]:
        from ..synth import make_tutorial_data

        sizes = tuple(max(n // 2, round(n * scale)) for n in (150, 75, 75))
        d = make_tutorial_data(seed, sizes=sizes)
        group = "tutorial_" + ("logistic" if model == "logistic" else "boosted")
        base = _assemble(group, d.annotations, d.true_labels)
        pp = oof_logistic(d.features.reset_index(drop=True), d.annotations, seed, model=model)
        return [
            _variant(
                group,
                "model",
                "simulated",
                base,
                d.annotations,
                pp,
                f"oof {model} on majority vote",
            )
        ]

    return make


def _confusions(seed: int, scale: float) -> list[ProtocolSet]:
    data = scenario_confusions(seed, n_items=max(100, int(1000 * scale)))
    return _with_sim_model("confusions", data, 0.85, seed + 1)


def _spammers(seed: int, scale: float) -> list[ProtocolSet]:
    data = scenario_spammers(seed, n_items=max(100, int(1000 * scale)))
    return _with_sim_model("spammers", data, 0.85, seed + 1)


def _imbalanced(seed: int, scale: float) -> list[ProtocolSet]:
    """Binary, 12% positives; annotators miss positives more than they invent them."""
    rng = np.random.default_rng(seed)
    n, n_ann, per_item = max(200, int(2000 * scale)), 40, 3
    truth = (rng.random(n) < 0.12).astype(np.int64)
    spec = rng.uniform(0.8, 0.98, n_ann)  # P(says 0 | 0)
    sens = rng.uniform(0.45, 0.9, n_ann)  # P(says 1 | 1)
    g = rng.gumbel(size=(n, n_ann))  # distinct annotators per item, no loop over items
    annotator = np.argpartition(-g, per_item - 1, axis=1)[:, :per_item].ravel()
    item = np.repeat(np.arange(n), per_item)
    t = truth[item]
    p_one = np.where(t == 1, sens[annotator], 1 - spec[annotator])
    label = (rng.random(len(item)) < p_one).astype(np.int64)
    ann = Annotations.from_arrays(item, annotator, label, classes=[0, 1])
    gold = truth[np.asarray(ann.items, dtype=np.int64)]
    # a weak model: 8 features of which 2 carry a small shift with the class
    x = rng.normal(size=(n, 8))
    x[:, :2] += 0.9 * truth[:, None]
    feats = x[np.asarray(ann.items, dtype=np.int64)]
    base = _assemble("imbalanced_weak_model", ann, gold)
    pp = oof_logistic(feats, ann, seed)
    return [
        _variant("imbalanced_weak_model", "labels", "simulated", base, ann, None, ""),
        _variant(
            "imbalanced_weak_model",
            "model",
            "simulated",
            base,
            ann,
            pp,
            "oof logistic on majority vote (weak features)",
        ),
    ]


def _sparse(seed: int, scale: float) -> list[ProtocolSet]:
    from ..synth import make_dawid_skene

    ann, truth, _ = make_dawid_skene(
        max(200, int(2000 * scale)),
        60,
        4,
        labels_per_item=(1, 3),
        accuracy=(0.45, 0.95),
        random_state=seed,
    )
    return _with_sim_model("sparse_1to3", _assemble("sparse_1to3", ann, truth), 0.75, seed + 1)


def _many(seed: int, scale: float) -> list[ProtocolSet]:
    from ..synth import make_dawid_skene

    n_ann = max(60, int(600 * scale))
    ann, truth, _ = make_dawid_skene(
        max(300, int(3000 * scale)),
        n_ann,
        3,
        labels_per_item=(2, 4),
        accuracy=(0.4, 0.95),
        random_state=seed,
    )
    return _with_sim_model(
        "many_annotators", _assemble("many_annotators", ann, truth), 0.8, seed + 1
    )


def _sparse_766(seed: int, scale: float) -> list[ProtocolSet]:
    from ..synth import make_dawid_skene

    ann, truth, _ = make_dawid_skene(
        max(400, int(4000 * scale)),
        max(77, int(766 * scale)),
        4,
        labels_per_item=(3, 7),
        accuracy=(0.25, 0.75),
        random_state=seed,
    )
    return _with_sim_model("sparse_766", _assemble("sparse_766", ann, truth), 0.7, seed + 1)


#: family name -> function(seed, scale) -> its ProtocolSets
FAMILIES: dict[str, Callable[[int, float], list[ProtocolSet]]] = {
    "tutorial_logistic": _tutorial("logistic"),
    "tutorial_boosted": _tutorial("hist_gradient_boosting"),
    "confusions": _confusions,
    "spammers": _spammers,
    "imbalanced_weak_model": _imbalanced,
    "sparse_1to3": _sparse,
    "many_annotators": _many,
    "sparse_766": _sparse_766,
}


def family_sets(
    seed: int, names: Iterable[str] | None = None, scale: float = 1.0
) -> list[ProtocolSet]:
    """The simulated families' sets, each family from its own seed derived from ``seed``.

    ``scale`` multiplies the number of items (``--quick`` and the tests use less).
    """
    from ..errors import InputError

    wanted = list(FAMILIES) if names is None else list(names)
    unknown = [n for n in wanted if n not in FAMILIES]
    if unknown:
        raise InputError(f"no simulated family {unknown[0]!r}; choose from {', '.join(FAMILIES)}")
    seeds = dict(zip(FAMILIES, _child_seeds(seed, len(FAMILIES)), strict=True))
    return [s for name in wanted for s in FAMILIES[name](seeds[name], scale)]
