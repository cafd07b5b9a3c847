"""Why Jury loses on a protocol variant: accuracy and the class balance each method predicts.

    python benchmarks/jury/diagnose.py --seed 627502936 --sets ducks zencrowd_us rte

Builds the generalization protocol's variants of the named real sets
(``labeljury.bench.families.real_sets``: the same subsamples and out-of-fold models as
``benchmarks/generalization.py --seed``) and prints, per variant, the number of
annotators, labels per item and per annotator, the model's accuracy, and for labeljury's
majority vote, Dawid-Skene (run to convergence), GLAD, the baseline and Jury: the
accuracy on gold and the share of items each puts in every class, next to the gold and
label shares. A method
whose predicted shares drift away from the gold ones while its accuracy falls has let
its confusion rows explain the labels by a different class balance (docs/research/jury.md).
Uses labeljury's own implementations of the peers (the protocol uses crowd-kit's), so
accuracies can differ from the protocol's by a few items.
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np

from labeljury.bench.datasets import find_data_root
from labeljury.bench.families import real_sets
from labeljury.methods import get_method

#: Dawid-Skene run to convergence, as crowd-kit's is in the protocol (labeljury's own
#: default stops after two iterations, docs/methods.md)
METHODS = (
    ("majority_vote", {}),
    ("dawid_skene", {"max_iter": 100}),
    ("glad", {}),
    ("shrunk_dawid_skene", {}),
    ("jury", {}),
)


def shares(labels: np.ndarray, k: int) -> str:
    """Class shares as ``0.58/0.42``."""
    return "/".join(f"{v:.2f}" for v in np.bincount(labels, minlength=k) / max(len(labels), 1))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, required=True, help="the protocol run's seed")
    ap.add_argument("--sets", nargs="+", required=True, help="real data set names")
    ap.add_argument("--data", default=None, help="data set folder (default ../shared/datasets)")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    root = args.data or find_data_root()
    if root is None:
        raise SystemExit("no data folder: pass --data or set LABELJURY_DATA")
    for s in real_sets([f"{root}/{name}" for name in args.sets], args.seed):
        ann, gold, probs = s.data.annotations, s.data.gold, s.data.pred_probs
        known = gold >= 0
        k = ann.n_classes
        head = (
            f"{s.name}: {ann.n_annotators} annotators, "
            f"{ann.n_annotations / ann.n_items:.1f} labels/item, "
            f"{ann.n_annotations / ann.n_annotators:.0f} labels/annotator; "
            f"shares gold {shares(gold[known], k)}, labels {shares(ann.label, k)}"
        )
        if probs is not None:
            head += f"; model accuracy {np.mean(probs.argmax(1)[known] == gold[known]):.3f}"
        print(head)
        for name, params in METHODS:
            labels = get_method(name, **params).fit(ann, probs).labels_
            acc = np.mean(labels[known] == gold[known])
            print(f"  {name:20s} accuracy {acc:.3f}  predicted shares {shares(labels[known], k)}")


if __name__ == "__main__":
    main()
