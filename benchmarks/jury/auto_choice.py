r"""Would ``method="auto"`` gain by choosing the method from held-out labels? (issue 15, item 4)

    python benchmarks/jury/auto_choice.py [--seed N] [--data DIR] [--no-real]

The rule measured: one random label of every item with three or more is held out
(twice, different draws); Jury, the shrunk Dawid-Skene baseline and majority vote are
fitted on the rest and scored by the mean log-probability they give the held-out
labels, :math:`\log \sum_c T_{ic}\, \pi^{(a)}_{c\,l}` with the method's posterior
:math:`T` and annotator rows (majority vote, which has none, gets the pooled confusion
of its consensus against the labels); the best is chosen, Jury on ties and where no
item has three labels. (Holding out one label of an item with two leaves a lone label,
from which no method learns its annotator; with items of two labels the rule chose
majority vote and lost.)

On the generalization protocol's data (``labeljury.bench.families``: every real set
variant and the simulated families, drawn from ``--seed``, fresh by default) it prints
per set the method chosen and its accuracy against Jury's, then the mean and worst gap
of the choice to Jury (points) and the mean gap of each candidate to Jury. It did not
pay, so ``method="auto"`` is plain Jury (docs/jury.md).
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np

from labeljury import Annotations
from labeljury.bench.datasets import discover, find_data_root
from labeljury.bench.families import draw_seed, family_sets, real_sets
from labeljury.methods import get_method

#: in order of preference on a tie
CANDIDATES = ("jury", "shrunk_dawid_skene", "majority_vote")


def _rows(est, train: Annotations) -> tuple[np.ndarray, np.ndarray]:
    """Per training annotator ``P(label l | class c)`` as ``[a, c, l]``, and the pooled rows:
    the method's confusion matrices, or (majority vote) the pooled counts of its posterior
    against the labels for everyone."""
    k = train.n_classes
    post = np.asarray(est.probas_)[train.item]
    counts = np.stack(
        [
            np.bincount(
                train.annotator * k + train.label,
                weights=post[:, c],
                minlength=train.n_annotators * k,
            )
            for c in range(k)
        ],
        axis=1,
    )
    counts = counts.reshape(train.n_annotators, k, k)  # [a, l, c]
    pooled = counts.sum(axis=0).T + 1.0  # [c, l]
    pooled /= pooled.sum(axis=1, keepdims=True)
    conf = getattr(est, "confusion_matrices_", None)
    if conf is None:
        conf = np.broadcast_to(pooled, (train.n_annotators, k, k))
    return np.asarray(conf), pooled


def heldout_loglik(
    ann: Annotations, pred_probs: np.ndarray | None, folds: int = 2, random_state: int = 0
) -> dict[str, float]:
    """Per candidate, the mean log-probability of held-out labels under its fit without them."""
    multi = np.flatnonzero(ann.annotations_per_item()[ann.item] >= 3)
    rng = np.random.default_rng(random_state)
    total, count = dict.fromkeys(CANDIDATES, 0.0), 0
    for _ in range(folds):
        order = rng.permutation(multi)  # one random label of each such item: the first
        _, first = np.unique(ann.item[order], return_index=True)
        out = np.zeros(ann.n_annotations, bool)
        out[order[first]] = True
        train = ann.take(np.flatnonzero(~out))  # every item keeps a label: none is dropped
        item, label = ann.item[out], ann.label[out]
        who = train.annotators.get_indexer(ann.annotators[ann.annotator[out]])
        count += item.size
        for name in CANDIDATES:
            est = get_method(name).fit(train, pred_probs)
            conf, pooled = _rows(est, train)
            rows = np.where(
                who[:, None] >= 0, conf[np.maximum(who, 0), :, label], pooled[:, label].T
            )
            p = np.sum(np.asarray(est.probas_)[item] * rows, axis=1)
            total[name] += float(np.sum(np.log(np.maximum(p, 1e-12))))
    return {name: t / max(count, 1) for name, t in total.items()}


def choose(ann: Annotations, pred_probs: np.ndarray | None) -> str:
    """The candidate the rule picks."""
    if not np.any(ann.annotations_per_item() >= 3):
        return "jury"
    scores = heldout_loglik(ann, pred_probs)
    return max(CANDIDATES, key=lambda n: (scores[n], -CANDIDATES.index(n)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--data", default=None, help="data set folder (default ../shared/datasets)")
    ap.add_argument("--no-real", action="store_true")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    seed = draw_seed() if args.seed is None else args.seed
    print(f"# seed {seed}")
    sets = family_sets(seed)
    root = args.data or find_data_root()
    if not args.no_real and root is not None:
        sets = real_sets(discover([root]), seed) + sets
    gaps, other, per_candidate = [], 0, {c: [] for c in CANDIDATES}
    for s in sets:
        ann, gold, probs = s.data.annotations, s.data.gold, s.data.pred_probs
        known = gold >= 0
        acc = {
            c: float(np.mean(get_method(c).fit(ann, probs).labels_[known] == gold[known]))
            for c in CANDIDATES
        }
        name = choose(ann, probs)
        gaps.append(100 * (acc[name] - acc["jury"]))
        other += name != "jury"
        for c in CANDIDATES:
            per_candidate[c].append(100 * (acc[c] - acc["jury"]))
        print(f"{s.name:40s} jury {acc['jury']:.4f}  auto {acc[name]:.4f}  -> {name}", flush=True)
    print(
        f"\nauto - jury: mean {np.mean(gaps):+.2f}, worst {np.min(gaps):+.2f} points "
        f"over {len(gaps)} sets; chose another method on {other} of them"
    )
    for c in CANDIDATES:
        print(f"{c} - jury: mean {np.mean(per_candidate[c]):+.2f}")


if __name__ == "__main__":
    main()
