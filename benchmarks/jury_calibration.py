"""Jury's consensus quality scores calibrated on a few gold items (``calibrate_on_gold``).

    python benchmarks/jury_calibration.py                       # 0%, 2%, 5%, 10%, 20% gold
    python benchmarks/jury_calibration.py --fractions 0.05 --datasets rte music_genre

Builds the inputs of ``labeljury bench`` (see ``jury_ablations.py``; data sets with a
model only unless ``--all``), hands Jury the gold class of a random fraction of the
items (``Annotations.gold``; a different draw per seed) and scores accuracy and the
expected calibration error of the consensus quality score on the *other* items, with
the score temperatures fitted on the gold items (``calibrate_on_gold=True``, the
default) and on the held-out labels as without gold (``calibrate_on_gold=False``; the
gold items are pinned in both). Prints the mean ECE per data set and over the real and
the synthetic data sets.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from jury_ablations import add_input_args, inputs
from labeljury import Annotations
from labeljury.bench.metrics import expected_calibration_error
from labeljury.methods.jury import Jury


def _with_gold(ann: Annotations, gold: np.ndarray, chosen: np.ndarray) -> Annotations:
    """``ann`` with the gold classes of the items ``chosen`` (positions)."""
    return ann.with_gold(dict(zip(ann.items[chosen], ann.classes[gold[chosen]], strict=True)))


def gold_draws(case: dict, fractions: list[float]
               ) -> Iterator[tuple[float, Annotations, np.ndarray, np.ndarray]]:
    """Per fraction: the annotations with that fraction of the items' gold classes (a
    random draw per seed and fraction), the chosen items, and the mask of the other
    items with a gold class (those scored)."""
    gold = case["gold"]
    labeled = np.flatnonzero(gold >= 0)
    for frac in fractions:
        rng = np.random.default_rng([case["seed"], int(frac * 1000)])
        chosen = rng.choice(labeled, round(frac * labeled.size), replace=False)
        held = np.ones(gold.size, dtype=bool)
        held[chosen] = False
        held &= gold >= 0
        yield frac, _with_gold(case["ann"], gold, chosen), chosen, held


def add_gold_args(ap: argparse.ArgumentParser, fractions: list[float]) -> None:
    """The options of the scripts built on :func:`gold_inputs`."""
    add_input_args(ap, model_only=True)
    ap.add_argument("--all", action="store_true", help="data sets without a model too")
    ap.add_argument("--fractions", nargs="*", type=float, default=fractions)


def gold_inputs(args: argparse.Namespace
                ) -> Iterator[tuple[dict, float, Annotations, np.ndarray, np.ndarray]]:
    """Every benchmark input that ``args`` selects (with a model unless ``--all``), once
    per gold fraction: the case and what :func:`gold_draws` yields for it."""
    for case in inputs(args.datasets, args.seeds, args.data):
        if case["pp"] is None and not args.all:
            continue
        for frac, ann, chosen, held in gold_draws(case, args.fractions):
            yield case, frac, ann, chosen, held


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_gold_args(ap, [0.0, 0.02, 0.05, 0.1, 0.2])
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    rows = []
    for case, frac, ann, chosen, held in gold_inputs(args):
        gold = case["gold"]
        for on_gold in (True, False):
            jury = Jury(calibrate_on_gold=on_gold).fit(ann, case["pp"])
            right = jury.labels_[held] == gold[held]
            rows.append({"dataset": case["dataset"], "variant": case["variant"],
                         "seed": case["seed"], "fraction": frac, "on_gold": on_gold,
                         "gold_items": chosen.size, "accuracy": right.mean(),
                         "ece": expected_calibration_error(
                             jury.consensus_quality_[held], right)})
    df = pd.DataFrame(rows)
    df["kind"] = np.where(df["dataset"].str.startswith("synth"), "synthetic", "real")
    pd.set_option("display.width", 200)
    key = df["on_gold"].map({True: "gold", False: "labels"})
    table = df.assign(fit=key).pivot_table(index="dataset", columns=["fraction", "fit"],
                                           values="ece", aggfunc="mean")
    print("ECE of the consensus quality score on the non-gold items (mean over levels and "
          "seeds); temperatures fitted on the gold items / on the held-out labels:")
    print(table.round(3).to_string())
    print()
    summary = df.assign(fit=key).pivot_table(index=["kind", "fit"], columns="fraction",
                                             values=["ece", "accuracy"], aggfunc="mean")
    print(summary.round(4).to_string())


if __name__ == "__main__":
    main()
