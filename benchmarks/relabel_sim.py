"""Simulate buying extra labels: does labeljury's relabel priority beat simple orders?

Start from one annotation per item (the others are hidden), then buy labels in
batches; each strategy picks which items get one more (revealed) annotation:

* ``labeljury``: :func:`labeljury.relabel_priority` (lowest score first);
* ``random``: items in a seeded random order;
* ``fewest``: items with the fewest annotations first (ties random).

After each batch, consensus accuracy against gold is measured (Jury with
out-of-fold pred_probs from labeljury's own model on the data set's features,
retrained each batch). Writes ``relabel.csv`` and ``relabel.png``.

    python benchmarks/relabel_sim.py --data ../shared/datasets/music_genre --out bench-output

The data set needs a ``features.csv`` (``item`` + numeric columns) and gold.
"""

from __future__ import annotations

import argparse
import platform
import time
import warnings
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from labeljury import Annotations
from labeljury.active import relabel_priority
from labeljury.datasets import load_folder
from labeljury.methods import get_method
from labeljury.model import out_of_fold_pred_probs


def _reveal_order(ann: Annotations, rng: np.random.Generator) -> list[np.ndarray]:
    """Per item, its annotation rows in a random order (the order they are revealed)."""
    perm = rng.permutation(ann.n_annotations)
    order = perm[np.argsort(ann.item[perm], kind="stable")]
    bounds = np.r_[0, np.cumsum(ann.annotations_per_item())]
    return [order[bounds[i]:bounds[i + 1]] for i in range(ann.n_items)]


def simulate(ann: Annotations, gold: np.ndarray, features: pd.DataFrame, strategy: str,
             batch: int, n_batches: int, seed: int) -> list[dict[str, float]]:
    rng = np.random.default_rng(seed)
    queues = _reveal_order(ann, rng)
    shown = np.zeros(ann.n_items, dtype=int) + 1  # one label per item to start
    rows = []
    for step in range(n_batches + 1):
        keep = np.concatenate([q[:s] for q, s in zip(queues, shown, strict=True)])
        cur = ann.take(np.sort(keep))  # every item keeps >= 1 label, so items stay aligned
        votes_mv = get_method("majority_vote").fit(cur).labels_
        probs, _ = out_of_fold_pred_probs(features, votes_mv, n_classes=ann.n_classes,
                                          model="logistic", random_state=seed, refit=False)
        jury = get_method("jury").fit(cur, probs)
        known = gold >= 0
        rows.append({"strategy": strategy, "seed": seed, "labels_bought": step * batch,
                     "accuracy": float(np.mean(jury.labels_[known] == gold[known]))})
        if step == n_batches:
            break
        can = np.flatnonzero(shown < np.array([len(q) for q in queues]))
        if strategy == "labeljury":
            pr = relabel_priority(cur, probs)
            pos = cur.items.get_indexer(pr["item"])
            ranked = pos[np.isin(pos, can)]
        elif strategy == "fewest":
            ranked = can[np.lexsort((rng.random(len(can)), shown[can]))]
        else:
            ranked = rng.permutation(can)
        shown[ranked[:batch]] += 1
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default="../shared/datasets/music_genre")
    ap.add_argument("--out", default="bench-output")
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--batches", type=int, default=8)
    ap.add_argument("--seeds", type=int, default=3)
    args = ap.parse_args()
    ds = load_folder(args.data)
    feats = pd.read_csv(Path(args.data) / "features.csv").set_index("item")
    feats = feats.loc[ds.annotations.items].reset_index(drop=True)
    rows = []
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for seed in range(args.seeds):
            for strategy in ("labeljury", "random", "fewest"):
                rows += simulate(ds.annotations, ds.gold, feats, strategy, args.batch,
                                 args.batches, seed)
    df = pd.DataFrame(rows)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    df.to_csv(out / "relabel.csv", index=False)
    summary = df.groupby(["strategy", "labels_bought"])["accuracy"].agg(["mean", "std"])
    print(f"{ds.name}: {platform.platform()}, {date.today()}, {time.perf_counter() - t0:.0f}s")
    print(summary.unstack("strategy").round(4).to_string())

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for strategy, g in df.groupby("strategy"):
        m = g.groupby("labels_bought")["accuracy"]
        ax.errorbar(m.mean().index, m.mean(), yerr=m.std(), label=strategy, capsize=3)
    ax.set_xlabel("extra labels bought")
    ax.set_ylabel("consensus accuracy (Jury)")
    ax.set_title(f"Active relabeling on {ds.name} ({args.seeds} seeds)")
    ax.legend()
    fig.savefig(out / "relabel.png", dpi=110, bbox_inches="tight")


if __name__ == "__main__":
    main()
