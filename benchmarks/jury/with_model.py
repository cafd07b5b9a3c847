"""Jury's accuracy on every protocol variant that comes with a model's probabilities.

    python benchmarks/jury/with_model.py --seed 7 [--data ../shared/datasets]

The data are the generalization protocol's (``labeljury.bench.families``: the real sets'
``model``, ``r1+model`` and ``r3+model`` variants and the simulated families with a model),
drawn from ``--seed``. Only these variants change when the model prior changes, so two
versions of Jury (e.g. two checkouts, each on ``PYTHONPATH``) are compared by running this
once with each and pairing the lines. Prints one line per variant and the mean per kind.
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np

from labeljury.bench.datasets import discover, find_data_root
from labeljury.bench.families import family_sets, real_sets
from labeljury.methods import Jury


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--data", default=None, help="data set folder (default ../shared/datasets)")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    root = args.data or find_data_root()
    sets = (real_sets(discover([root]), args.seed) if root else []) + family_sets(args.seed)
    means: dict[str, list[float]] = {}
    for s in sets:
        if s.data.pred_probs is None:
            continue
        known = s.data.gold >= 0
        labels = Jury().fit(s.data.annotations, s.data.pred_probs).labels_
        acc = float(np.mean(labels[known] == s.data.gold[known]))
        means.setdefault(s.kind, []).append(acc)
        print(f"{s.kind} {s.name} {acc:.4f}", flush=True)
    for kind, values in means.items():
        print(f"mean {kind} ({len(values)} variants): {100 * np.mean(values):.2f}")


if __name__ == "__main__":
    main()
