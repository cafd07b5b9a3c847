"""How ``labeljury.run`` chooses ``KEEP_Z``: the grid, and a leave-one-data-set-out check.

``run`` keeps a later round only when it beats round 1 (one pass) on held-out
annotations by more than ``KEEP_Z`` standard errors (``labeljury._rounds``).
The rounds themselves, and when they stop, do not depend on ``KEEP_Z`` (the
stopping rules read the change of the consensus and the held-out means), so
one ``run`` per data set gives every round's held-out scores and consensus,
and each ``z`` of the grid is then applied to the same rounds exactly as
``run`` applies it (``choose_round(scores, z)``).

The data sets are those of ``run_rounds.py``: the shared real sets with
features and the simulated families (``tutorial``, ``ds_gauss``,
``ds_gauss10``), here on seeds that ``run_rounds.py`` does not use by default
(``--first-seed 100``); the real sets are run with ``--states`` values of
``random_state`` (the folds and the held-out annotations), each a row. The
criterion, for a set of rows: the fewest ending below one pass, then the
largest mean gain, then the smallest ``z``. It is applied to all rows (the
value to use) and, leaving each data set (all its rows) out in turn, to the
others (the value that set would have been given, and its gain with it: what
the rule is worth on a data set it was not chosen on).

Usage::

    python benchmarks/keep_rule.py [--data /work/shared/datasets] [--seeds 5]
        [--first-seed 100] [--states 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import labeljury
import labeljury.pipeline as pipeline
from labeljury._rounds import KEEP_Z, choose_round

sys.path.insert(0, str(Path(__file__).parent))
from run_rounds import inputs

GRID = [1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0]


def rounds_of(
    ann: Any, feats: Any, text_cols: Any, random_state: int
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """One default ``run``: each round's held-out scores and each round's consensus."""
    scores: list[np.ndarray] = []
    labels: list[np.ndarray] = []
    change, choose = pipeline.consensus_change, pipeline.choose_round

    def record_change(new: np.ndarray, old: np.ndarray) -> float:
        labels.append(new.argmax(axis=1))
        return change(new, old)

    def record_scores(s: list[np.ndarray]) -> tuple[int, str]:
        scores.extend(s)
        return choose(s)

    pipeline.consensus_change, pipeline.choose_round = record_change, record_scores
    try:
        labeljury.run(ann, feats, text_cols=text_cols, progress=False, random_state=random_state)
    finally:
        pipeline.consensus_change, pipeline.choose_round = change, choose
    return scores, labels


def best_z(gains: pd.DataFrame) -> float:
    """The criterion: fewest sets below one pass, then the largest mean, then the smallest z."""
    key = [(-(gains[z] < 0).sum(), round(gains[z].mean(), 10), -z) for z in GRID]
    return GRID[max(range(len(GRID)), key=key.__getitem__)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--data", type=Path, default=Path(os.environ.get("LABELJURY_DATA", "/work/shared/datasets"))
    )
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--first-seed", type=int, default=100)
    parser.add_argument("--states", type=int, default=3)
    args = parser.parse_args()
    print(
        f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, "
        f"load {os.getloadavg()[0]:.1f}; KEEP_Z now {KEEP_Z:g}"
    )
    rows = {}
    for name, ann, feats, text_cols, truth in inputs(args.data, None, args.seeds, args.first_seed):
        real = "/" not in name
        for state in range(args.states if real else 1):
            row = f"{name}@{state}" if real else name
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                scores, labels = rounds_of(ann, feats, text_cols, state)
            acc = [float(np.mean(lab == truth)) for lab in labels]
            rows[row] = {z: acc[choose_round(scores, z)[0] - 1] - acc[0] for z in GRID}
            print(
                f"{row}: rounds {len(acc)}, accuracy per round "
                + " ".join(f"{a:.4f}" for a in acc)
                + "; kept by z: "
                + " ".join(f"{z:g}->{choose_round(scores, z)[0]}" for z in GRID),
                flush=True,
            )
    gains = pd.DataFrame(rows).T
    print("\ngain over one pass per z (accuracy against the truth):")
    print(gains.round(4).to_string())
    summary = pd.DataFrame(
        {"mean": gains.mean(), "worst": gains.min(), "sets below": (gains < 0).sum()}
    )
    print(summary.round(4).to_string())
    print(f"\nchosen on all sets: z = {best_z(gains):g}")
    group = gains.index.str.split("@").str[0]
    lodo = {name: best_z(gains[group != name]) for name in dict.fromkeys(group)}
    pairs = list(zip(gains.index, group, strict=True))
    out = pd.Series({row: gains.loc[row, lodo[g]] for row, g in pairs})
    print("leave one data set out (z chosen on the others -> that set's gain):")
    for row, g in pairs:
        print(f"  {row}: z = {lodo[g]:g} -> {out[row]:+.4f}")
    print(
        f"LODO: mean {out.mean():+.4f}, worst {out.min():+.4f}, "
        f"sets below one pass {int((out < 0).sum())} of {len(out)}"
    )


if __name__ == "__main__":
    main()
