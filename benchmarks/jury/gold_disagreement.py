"""How often the gold label contradicts a unanimous crowd: the part of ECE labels cannot see.

    python benchmarks/jury/gold_disagreement.py                 # ../shared/datasets + scenarios
    python benchmarks/jury/gold_disagreement.py --data DIR --min-labels 5

For every data set (all labels, no subsampling) it takes the items with at least
``--min-labels`` labels and a gold class, and reports the share of those whose labels
are unanimous (and, separately, at least 80% in agreement) on a class the gold does not
give. Under the independence that every truth-inference method assumes, four or more
annotators of the usual 60-90% accuracy agreeing on the same wrong class is rare (well
under 1%, and the synthetic scenarios show it); where the share is several percent, the
crowd shares mistakes or the gold has errors of its own. No method that reads only the
labels can score such items below its most confident scores, so the expected
calibration error against that gold has a floor that held-out labels cannot lower; gold
items can (Jury fits its score temperature on 20 or more gold items).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from labeljury.bench.datasets import SCENARIOS, discover, find_data_root, load_real, make_scenario


def disagreement(votes: np.ndarray, gold: np.ndarray, min_labels: int) -> dict[str, float]:
    """Shares of well-labeled items whose (near-)unanimous class is not the gold one.

    Parameters
    ----------
    votes : ndarray, shape (n_items, K)
        Label counts per item and class.
    gold : ndarray of int, shape (n_items,)
        Gold class per item, -1 where unknown.
    min_labels : int
        Only items with at least this many labels count.

    Returns
    -------
    dict
        ``items`` (labeled at least ``min_labels`` times, with gold), ``unanimous``
        (how many of them have one class only), ``unanimous_wrong`` (share of those
        whose class is not the gold one), and the same for ``agree80`` (the top class
        has at least 80% of the labels).

    Examples
    --------
    >>> votes = np.array([[4, 0], [0, 5], [4, 1], [2, 2]])
    >>> r = disagreement(votes, np.array([0, 0, 0, 1]), 4)
    >>> r["unanimous"], r["unanimous_wrong"], r["agree80"], r["agree80_wrong"]
    (2, 0.5, 3, 0.3333333333333333)
    """
    n = votes.sum(axis=1)
    top = votes.argmax(axis=1)
    share = votes.max(axis=1) / np.maximum(n, 1)
    well = (gold >= 0) & (n >= min_labels)
    out: dict[str, float] = {"items": int(well.sum())}
    for key, thr in (("unanimous", 1.0), ("agree80", 0.8)):
        sel = well & (share >= thr)
        out[key] = int(sel.sum())
        out[f"{key}_wrong"] = float(np.mean(top[sel] != gold[sel])) if sel.any() else np.nan
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, help="folder of data sets (default ../shared/datasets)")
    ap.add_argument("--min-labels", type=int, default=4)
    args = ap.parse_args(argv)
    rows = []
    root = args.data or find_data_root()
    real = [load_real(p) for p in discover([root])] if root is not None else []
    # the weak- and over-confident-model variants of synth_hardest share its labels
    synthetic = [
        d
        for name in SCENARIOS
        if name != "synth_large"
        for d in make_scenario(name)
        if not d.name.endswith("_model")
    ]
    for data in real + synthetic:
        r = disagreement(data.annotations.vote_counts(), data.gold, args.min_labels)
        rows.append({"dataset": data.name, "kind": data.kind, **r})
    df = pd.DataFrame(rows)
    pd.set_option("display.width", 200)
    print(
        f"items with >= {args.min_labels} labels and a gold class; share whose unanimous "
        "(or >= 80% agreed) class the gold contradicts:"
    )
    print(df.round(3).to_string(index=False))
    print()
    for kind, part in df.groupby("kind"):
        total = part["unanimous"].sum()
        wrong = (part["unanimous"] * part["unanimous_wrong"].fillna(0)).sum()
        print(
            f"{kind}: {int(wrong)} of {int(total)} unanimous items contradicted by the gold "
            f"({wrong / max(total, 1):.3f}); median over data sets "
            f"{part['unanimous_wrong'].median():.3f}"
        )


if __name__ == "__main__":
    main()
