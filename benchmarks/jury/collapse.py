"""Replay the relabel simulation's states and show where Jury's consensus drifts to one class.

    python benchmarks/jury/collapse.py --data ../shared/datasets/rte --seed 1 --batches 4

The states are those of ``benchmarks/relabel_sim.py`` with the ``labeljury`` order (one
label per item, then ``--batch`` more labels per round, the model retrained out of fold on
the majority vote each round). Per state: how many items carry 1, 2 and 3+ labels, the
model's accuracy and the share of items it puts in each class, and for Jury, CROWDLAB and
majority vote the accuracy on gold and the share of items in each class (gold's share
first). Public API only.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import relabel_sim as rs
from labeljury.datasets import load_folder
from labeljury.methods import get_method


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default="../shared/datasets/rte")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batches", type=int, default=4)
    ap.add_argument("--batch", type=int, default=100)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    ds = load_folder(args.data)
    ann, gold = ds.annotations, ds.gold
    features, models = rs.load_features(Path(args.data), ann.items)
    rng = np.random.default_rng(args.seed)
    state = rs.Reveal(ann, rng)
    known = gold >= 0

    def shares(labels: np.ndarray) -> str:
        return "/".join(
            f"{v:.2f}" for v in np.bincount(labels, minlength=ann.n_classes) / len(labels)
        )

    print(f"# {ds.name}, seed {args.seed}; gold's class shares {shares(gold[known])}")
    for step in range(args.batches + 1):
        cur = state.current()
        mv_labels = rs.mv_targets(cur, args.seed)
        probs = rs.oof(features, mv_labels, ann.n_classes, models[0], args.seed)
        per_item = cur.annotations_per_item()
        model = probs.argmax(axis=1)
        print(
            f"labels bought {step * args.batch}: items with 1/2/3+ labels "
            f"{np.sum(per_item == 1)}/{np.sum(per_item == 2)}/{np.sum(per_item >= 3)}; "
            f"model accuracy {np.mean(model[known] == gold[known]):.3f}, shares {shares(model)}"
        )
        for name, labels in (
            ("jury", get_method("jury").fit(cur, probs).labels_),
            ("crowdlab", get_method("crowdlab").fit(cur, probs).labels_),
            ("majority_vote", mv_labels),
        ):
            acc = np.mean(labels[known] == gold[known])
            print(f"    {name:14s} accuracy {acc:.4f}  shares {shares(labels)}")
        if step == args.batches:
            break
        state.buy(rs.ranked("labeljury", cur, [probs], state.can(), state.shown, rng)[: args.batch])


if __name__ == "__main__":
    main()
