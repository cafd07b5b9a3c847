"""Which tie rule should majority vote use by default? Measured, not guessed.

Majority vote must pick one class when two or more classes share the most
votes. The candidate rules are compared on every real data set we have (full,
and thinned to 2, 3 and 4 labels per item, where ties are common) and on
simulated crowds drawn fresh from each generative family (balanced and skewed
class priors):

* ``first``: the lowest class code (the first class in sorted order);
* ``frequency``: the tied class chosen most often over the whole data set
  (a plug-in estimate of the class prior, the Bayes decision between tied
  classes when annotators' errors are symmetric);
* ``rarest``: the tied class chosen least often over the whole data set
  (cleanlab's first tie-break);
* ``random``: uniformly among the tied classes, seeded (mean of 5 draws);
* ``annotator``: the tied class of the annotator with the lowest code (sorted
  id) among the item's annotators who chose a tied class;
* ``reliability``: the tied class with the most one-coin evidence: each vote
  weighs ``log((K-1) q / (1-q))``, ``q`` the annotator's agreement with the
  untied majority of the other labels of the same items (add-one smoothed):
  the class preferred by the more reliable annotators
  (``labeljury.methods.majority_vote.reliability_evidence``).

Only tied items can differ between rules, so the score is the accuracy on the
tied items with gold. The default is chosen by leave-one-data-set-out
(``labeljury.bench.protocol.lodo_choose``: a real data set, with its thinned
variants, gets the rule best on the other sets; a simulated family the rule
best on the real sets) and the script prints, per rule, the mean tied-item
accuracy and the LODO-chosen rule's held-out score. Writes nothing. Usage::

    python benchmarks/mv_ties.py [--data ../shared/datasets] [--seed N]
"""

from __future__ import annotations

import argparse
import os
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
from labeljury.methods.majority_vote import reliability_counts, reliability_evidence
from labeljury.synth import make_dawid_skene, make_glad, make_mace, make_one_coin

RULES = ("first", "frequency", "rarest", "random", "annotator", "reliability")


def lowest_annotator(ann: Annotations) -> np.ndarray:
    """Per item and class, minus the lowest annotator code that chose it (-inf: nobody)."""
    best = np.full(ann.n_items * ann.n_classes, np.inf)
    np.minimum.at(best, ann.item.astype(np.int64) * ann.n_classes + ann.label, ann.annotator)
    return -best.reshape(ann.n_items, ann.n_classes)


def tie_labels(
    ann: Annotations, votes: np.ndarray, rule: str, rng: np.random.Generator
) -> np.ndarray:
    """Majority-vote labels under one tie rule."""
    if rule == "annotator":
        return argmax_ties(votes, lowest_annotator(ann))
    if rule == "reliability":  # the library's rule, as MajorityVote() runs it
        return argmax_ties(votes, reliability_evidence(ann, *reliability_counts(ann)))
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
    # the blind set's shape: 766 annotators, 4 classes, 3-7 labels per item, hard
    sparse = make_dawid_skene(4000, 766, 4, (3, 7), accuracy=(0.25, 0.75), random_state=s + 5)
    yield "sparse766-k4-l3to7", *sparse[:2]


def group_of(name: str) -> str:
    """The unit leave-one-data-set-out leaves out: a real set with its thinned
    variants, or one simulated family (all its class counts and densities)."""
    return name.split("@")[0].split("-k")[0]


def measure(
    sets: Iterator[tuple[str, Annotations, np.ndarray]], seed: int, kind: str
) -> pd.DataFrame:
    """Accuracy of each tie rule on all items and on the tied items, per data set."""
    rows = []
    for name, ann, truth in sets:
        votes = np.asarray(ann.vote_counts(), dtype=float)
        known = truth >= 0
        top = votes.max(axis=1, keepdims=True)
        tied = ((votes == top).sum(axis=1) > 1) & known
        row: dict[str, object] = {
            "data": name,
            "group": group_of(name),
            "kind": kind,
            "items": int(known.sum()),
            "ties": int(tied.sum()),
        }
        for rule in RULES:
            draws = 5 if rule == "random" else 1
            hit = np.mean(
                [
                    tie_labels(ann, votes, rule, np.random.default_rng(seed + d)) == truth
                    for d in range(draws)
                ],
                axis=0,
            )
            row[rule] = float(hit[known].mean())
            row[f"tied:{rule}"] = float(hit[tied].mean()) if tied.any() else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def lodo(df: pd.DataFrame) -> pd.DataFrame:
    """Per group left out: the rule chosen on the others (tied-item accuracy) and its score."""
    from labeljury.bench.protocol import lodo_choose

    has = df[df["ties"] > 0]
    acc = has[[f"tied:{r}" for r in RULES]].T.set_axis(has["data"].tolist(), axis=1)
    acc.index = list(RULES)
    chosen = lodo_choose(acc, has["group"].tolist(), has["kind"].tolist())
    rows = []
    for g, rule in chosen.items():
        part = has[has["group"] == g]
        rows.append(
            {
                "group": g,
                "kind": part["kind"].iloc[0],
                "chosen": rule,
                "held_out": part[f"tied:{rule}"].mean(),
                **{r: part[f"tied:{r}"].mean() for r in RULES},
            }
        )
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> None:
    """Print the per-set table, the summary per rule and the LODO choice."""
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
    real = measure(real_sets(args.data, rng), seed, "real") if args.data.is_dir() else None
    sim = measure(simulated_sets(rng), seed, "simulated")
    both = pd.concat([d for d in (real, sim) if d is not None], ignore_index=True)
    print(
        f"# {platform.node()} ({os.cpu_count()} CPUs), "
        f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, seed {seed}, "
        f"{time.perf_counter() - t0:.0f} s"
    )
    pct = {r: 100 * both[r] for r in RULES} | {f"tied:{r}": 100 * both[f"tied:{r}"] for r in RULES}
    print("\n## accuracy (%) per input: all gold items, then tied gold items")
    print(both.assign(**pct).round(2).to_string(index=False))
    for kind, part in both.groupby("kind", sort=False):
        print(
            f"\n{kind} ({len(part)} inputs, {int(part['ties'].sum())} tied gold items), "
            "mean accuracy (%) all items | tied items:"
        )
        for r in RULES:
            print(f"  {r:10s} {100 * part[r].mean():7.3f} | {100 * part[f'tied:{r}'].mean():7.3f}")
    res = lodo(both)
    print("\n## leave one data set out on tied-item accuracy (%)")
    print(res.assign(**{c: 100 * res[c] for c in ["held_out", *RULES]}).round(2).to_string())
    for kind, part in res.groupby("kind", sort=False):
        print(
            f"{kind}: LODO-chosen {100 * part['held_out'].mean():.2f} over {len(part)} groups "
            f"(chosen: {part['chosen'].value_counts().to_dict()}); fixed rules: "
            + ", ".join(f"{r} {100 * part[r].mean():.2f}" for r in RULES)
        )


if __name__ == "__main__":
    main()
