"""Which tie rule should majority vote use by default? Measured, not guessed.

Majority vote must pick one class when two or more classes share the most
votes. Three rules are compared on every real data set we have (full, and
thinned to 2, 3 and 4 labels per item, where ties are common) and on simulated
crowds drawn fresh from each generative family (balanced and imbalanced class
priors):

* ``frequency``: the tied class chosen most often over the whole data set
  (a plug-in estimate of the class prior, which is the Bayes decision between
  tied classes when annotators' errors are symmetric);
* ``rarest``: the tied class chosen least often over the whole data set (a
  vote against the crowd's habit carries more evidence when annotators lean
  towards the common class);
* ``first``: the lowest class code (crowd-kit's ``idxmax``); its accuracy
  depends on how the user happened to number the classes;
* ``random``: uniformly among the tied classes, seeded (``random_state``).

Accuracy counts only items with gold. Writes nothing; prints the table and the
mean accuracy per rule. Usage::

    python benchmarks/mv_ties.py [--data ../shared/datasets] [--seed N]
"""

from __future__ import annotations

import argparse
import platform
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from labeljury import Annotations
from labeljury.datasets import load_folder
from labeljury.methods.base import argmax_ties
from labeljury.synth import make_dawid_skene, make_glad, make_mace, make_one_coin

RULES = ("frequency", "rarest", "first", "random")


def tie_labels(votes: np.ndarray, rule: str, rng: np.random.Generator) -> np.ndarray:
    """Majority-vote labels under one tie rule."""
    if rule == "frequency":
        return argmax_ties(votes, votes.sum(axis=0))
    if rule == "rarest":
        return argmax_ties(votes, -votes.sum(axis=0))
    if rule == "first":
        return argmax_ties(votes)
    return argmax_ties(votes, rng.random(votes.shape))  # random scores pick among the tied


def thin(ann: Annotations, per_item: int, rng: np.random.Generator) -> Annotations:
    """Keep at most ``per_item`` annotations of each item, chosen at random."""
    perm = rng.permutation(ann.n_annotations)
    order = perm[np.argsort(ann.item[perm], kind="stable")]
    rank = np.arange(len(order)) - np.repeat(
        np.cumsum(ann.annotations_per_item()) - ann.annotations_per_item(),
        ann.annotations_per_item(),
    )
    return ann.take(np.sort(order[rank < per_item]))  # every item keeps a label: aligned


def real_sets(
    root: Path, rng: np.random.Generator
) -> Iterator[tuple[str, Annotations, np.ndarray]]:
    """Every shared data set, whole and thinned to 2, 3, 4 labels per item."""
    for folder in sorted(p for p in root.iterdir() if (p / "answers.csv").is_file()):
        ds = load_folder(folder)
        yield folder.name, ds.annotations, ds.gold
        for k in (2, 3, 4):
            yield f"{folder.name}@{k}", thin(ds.annotations, k, rng), ds.gold


def simulated_sets(rng: np.random.Generator) -> Iterator[tuple[str, Annotations, np.ndarray]]:
    """Each generative family, balanced and skewed priors, sparse and many annotators."""
    for n_lab in (2, 3, 5):
        s = int(rng.integers(2**31))
        for k in (2, 4):
            yield (f"ds-k{k}-l{n_lab}", *make_dawid_skene(2000, 50, k, n_lab, random_state=s)[:2])
            skew = rng.permutation(np.geomspace(1.0, 0.15, k))  # the big class: any code
            yield (
                f"ds-skew-k{k}-l{n_lab}",
                *make_dawid_skene(2000, 50, k, n_lab, class_prior=skew, random_state=s + 1)[:2],
            )
            yield (
                f"onecoin-k{k}-l{n_lab}",
                *make_one_coin(2000, 300, k, n_lab, random_state=s + 2)[:2],
            )
            yield f"glad-k{k}-l{n_lab}", *make_glad(2000, 300, k, n_lab, random_state=s + 3)[:2]
            yield f"mace-k{k}-l{n_lab}", *make_mace(2000, 50, k, n_lab, random_state=s + 4)[:2]


def measure(sets: Iterator[tuple[str, Annotations, np.ndarray]], seed: int) -> pd.DataFrame:
    """Accuracy of each tie rule (random: mean of 5 seeded draws) per data set."""
    rows = []
    for name, ann, truth in sets:
        votes = np.asarray(ann.vote_counts(), dtype=float)
        known = truth >= 0
        top = votes.max(axis=1, keepdims=True)
        tied = (votes == top).sum(axis=1) > 1
        row: dict[str, object] = {
            "data": name,
            "items": int(known.sum()),
            "ties": int((tied & known).sum()),
        }
        for rule in RULES:
            draws = 5 if rule == "random" else 1
            accs = [
                np.mean(
                    tie_labels(votes, rule, np.random.default_rng(seed + d))[known] == truth[known]
                )
                for d in range(draws)
            ]
            row[rule] = float(np.mean(accs))
        rows.append(row)
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> None:
    """Print the per-set table and the summary per rule."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "datasets"
    )
    ap.add_argument(
        "--seed",
        type=int,
        default=None,
        help="seed of the thinning and simulated crowds (default: fresh)",
    )
    args = ap.parse_args(argv)
    seed = int(np.random.SeedSequence().entropy % 2**31) if args.seed is None else args.seed
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    real = measure(real_sets(args.data, rng), seed) if args.data.is_dir() else pd.DataFrame()
    sim = measure(simulated_sets(rng), seed)
    print(
        f"# {platform.node()} {platform.machine()}, {datetime.now(timezone.utc):%Y-%m-%d %H:%M}"
        f" UTC, seed {seed}, {time.perf_counter() - t0:.0f} s"
    )
    for title, df in (("real", real), ("simulated", sim)):
        if df.empty:
            continue
        print(f"\n## {title}: accuracy (%) per tie rule")
        show = df.copy()
        for r in RULES:
            show[r] = (100 * show[r]).round(2)
        print(show.to_string(index=False))
        best = df[list(RULES)].to_numpy().max(axis=1, keepdims=True)
        wins = (df[list(RULES)].to_numpy() >= best - 1e-12).sum(axis=0)
        print(
            "mean: "
            + ", ".join(f"{r} {100 * df[r].mean():.3f}" for r in RULES)
            + " | best-or-tied on: "
            + ", ".join(f"{r} {w}" for r, w in zip(RULES, wins, strict=True))
            + f" of {len(df)}"
        )


if __name__ == "__main__":
    main()
