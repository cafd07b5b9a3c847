"""Why an active order wins or loses: the states of benchmarks/relabel_sim.py, item by item.

Follows one strategy's trajectory (default: cleanlab's ActiveLab) for a few
batches and prints, at every state:

* the model's CROWDLAB weight (accuracy against the majority vote on the items
  with two or more labels), which :func:`labeljury.relabel_priority` uses;
* how well each signal ranks the wrong labels of the single-labeled items
  (AUC of ``-p_model(label)`` and of ``-annotator weight``; 0.5 = no information);
* how many annotators are clipped to CROWDLAB's weight floor, and how many
  items have such an annotator's label as their first;
* for the next batch of each order (labeljury's, cleanlab's): how many labels
  its items hold, how often their current consensus is wrong (gold), the
  model's mean probability of that consensus, and how many items both pick.

Usage::

    python benchmarks/relabel_diagnose.py --data ../shared/datasets/zencrowd_all --seed 1
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
import relabel_sim as rs
from labeljury.datasets import load_folder
from labeljury.methods.crowdlab import CLIP, CrowdLab


def _auc(wrong: np.ndarray, score: np.ndarray) -> float:
    """P(score of a wrong label > score of a right one), ties counted half."""
    from scipy.stats import rankdata

    r = rankdata(score)
    n1 = int(wrong.sum())
    n0 = len(wrong) - n1
    return float((r[wrong].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)) if n1 and n0 else np.nan


def main(argv: list[str] | None = None) -> None:
    """Print the diagnosis for one data set and seed."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default="../shared/datasets/zencrowd_all")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--batches", type=int, default=3)
    ap.add_argument("--follow", default="activelab", choices=["activelab", "labeljury"])
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    ds = load_folder(args.data)
    ann, gold = ds.annotations, ds.gold
    features, models = rs.load_features(Path(args.data), ann.items)
    rng = np.random.default_rng(args.seed)
    state = rs.Reveal(ann, rng)
    for step in range(args.batches + 1):
        cur = state.current()
        probs = rs.oof(features, rs.mv_targets(cur, args.seed), ann.n_classes, models[0], args.seed)
        cl = CrowdLab().fit(cur, probs)
        w_annot = np.asarray(cl.annotator_weight_)
        clipped = w_annot <= 10 * CLIP
        npi = cur.annotations_per_item()
        first = np.full(cur.n_items, -1)
        first[cur.item[::-1]] = np.arange(cur.n_annotations)[::-1]
        one = npi == 1
        lab = cur.label[first]
        wrong = (lab != gold)[one]
        p_lab = probs[np.arange(cur.n_items), lab][one]
        print(
            f"state {step}: model weight {float(np.ravel(cl.model_weight_)[0]):.2g}; "
            f"single-label items {one.sum()} ({wrong.mean():.0%} wrong): AUC of the wrong "
            f"ones by -p_model(label) {_auc(wrong, -p_lab):.2f}, by -annotator weight "
            f"{_auc(wrong, -w_annot[cur.annotator[first]][one]):.2f}; annotators clipped "
            f"{clipped.sum()} of {len(w_annot)}, items first labeled by one "
            f"{clipped[cur.annotator[first]].sum()}"
        )
        if step == args.batches:
            break
        can = state.can()
        picks = {}
        for strategy in ("labeljury", "activelab"):
            with contextlib.redirect_stdout(io.StringIO()):
                picks[strategy] = rs.ranked(strategy, cur, [probs], can, state.shown, rng)[
                    : args.batch
                ]
        for strategy, p in picks.items():
            y = cl.labels_[p]
            print(
                f"  next {strategy:9s}: labels held {np.bincount(npi[p])[1:].tolist()}, "
                f"consensus wrong {np.mean(y != gold[p]):.0%}, "
                f"p_model(consensus) {probs[p, y].mean():.2f}"
            )
        both = len(np.intersect1d(picks["labeljury"], picks["activelab"]))
        print(f"  both orders pick the same {both} of {args.batch}")
        state.buy(picks[args.follow])


if __name__ == "__main__":
    main()
