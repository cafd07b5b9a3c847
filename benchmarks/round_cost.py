"""Why a later round of ``labeljury run`` can cost more than the first.

Round 1 trains the model on majority vote's hard labels; round 2 on round 1's
soft consensus. This replays those two cross-validated fits with the public
API (``CrossValModel`` with run's defaults: the same features, folds and
seed) and prints, per fold, the optimiser's iterations (``fold_scores.n_iter``)
and the seconds, beside ``run``'s own round times (``Result.history``).
A fold's cost is its iterations times one iteration's cost, so a ratio of
iterations equal to the ratio of seconds says the extra time is the optimiser
working longer on soft targets, not the machine. Usage::

    python benchmarks/round_cost.py [--data /work/shared/datasets] [--set rte]

``rte`` uses its ``text`` and ``hypothesis`` columns; any other set its
``features.csv``.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import pandas as pd

import labeljury
from labeljury.model import CrossValModel, idle_cores


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=os.environ.get("LABELJURY_DATA", "../shared/datasets"))
    ap.add_argument("--set", default="rte")
    args = ap.parse_args()
    folder = Path(args.data) / args.set
    ann = labeljury.read_annotations(folder / "answers.csv")
    text_cols = ["text", "hypothesis"] if args.set == "rte" else None
    feats = pd.read_csv(folder / ("items.csv" if text_cols else "features.csv"))
    feats = feats.set_index(feats["item"].astype(str)).drop(columns="item")
    feats = feats.reindex([str(i) for i in ann.items])
    if text_cols:
        feats = feats[text_cols]

    res = labeljury.run(ann, feats, text_cols=text_cols, progress=False)
    rounds = res.history[["round", "seconds", "cpu_seconds"]]

    cvm = CrossValModel(
        feats,
        n_classes=ann.n_classes,
        kind="text" if text_cols else "auto",
        n_jobs=idle_cores(),
    )
    mv = labeljury.aggregate(ann, method="majority_vote").method.labels_
    t0 = time.perf_counter()
    probs, first = cvm.fit_oof(mv)
    t1 = time.perf_counter()
    soft = labeljury.aggregate(ann, pred_probs=probs).method.probas_
    t2 = time.perf_counter()
    _, second = cvm.fit_oof(soft)
    t3 = time.perf_counter()

    print(
        f"{platform.node()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    )
    print(f"\n`run` on {args.set}: seconds per round\n{rounds.to_string(index=False)}")
    cols = ["model", "fold", "n_iter", "seconds"]
    fits = []
    for name, info, wall, top in (
        ("majority vote (round 1)", first, t1 - t0, 1.0),
        ("soft consensus (round 2)", second, t3 - t2, float(soft.max(axis=1).mean())),
    ):
        fs = info.fold_scores
        fs = fs[fs["model"] == info.model_name]
        fits.append(fs)
        print(f"\nfit_oof on {name}: {wall:.3f} s, mean top-class target {top:.3f}")
        print(fs[cols].round(3).to_string(index=False))
    a, b = fits
    print(
        f"\nround 2 / round 1: iterations {b['n_iter'].sum() / a['n_iter'].sum():.2f}x, "
        f"fold seconds {b['seconds'].sum() / a['seconds'].sum():.2f}x"
    )
    if a["n_iter"].isna().any():
        print("(this model does not report its iterations)")


if __name__ == "__main__":
    main()
