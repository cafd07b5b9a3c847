"""Does stopping EM early (or smoothing less) pay? Dawid-Skene and GLAD, measured.

crowd-kit stops Dawid-Skene and GLAD at the first iteration where its objective
falls, usually after 2-5 iterations; labeljury's Dawid-Skene stops after 2 by
default (chosen by leave-one-data-set-out, docs/methods.md) and its GLAD runs
EM to convergence. This script measures, on the inputs of
``crowdkit_reference.py --compare`` (every shared data set whole and thinned to
3 and 2 labels per item, and simulated crowds of every family), labeljury's
accuracy for:

* Dawid-Skene stopped after 1, 2 (default), 3, 5 iterations or converged
  (``max_iter=100``) with ``tol`` of 1e-2 ... 1e-6; with ``smoothing`` 0 and 0.01;
* GLAD stopped after 2, 3, 5 iterations or converged.

Prints the mean accuracy (%) per group of inputs. Usage::

    OPENBLAS_NUM_THREADS=1 python benchmarks/em_stopping.py [--seed 1] [--skip-large]
"""

from __future__ import annotations

import argparse
import platform
import sys
import warnings
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from crowdkit_reference import compare_inputs
from labeljury.methods import GLAD, DawidSkene

VARIANTS = {
    "DS default (2 it)": DawidSkene,
    "DS 1 it": lambda: DawidSkene(max_iter=1),
    "DS 3 it": lambda: DawidSkene(max_iter=3),
    "DS 5 it": lambda: DawidSkene(max_iter=5),
    "DS tol 1e-2": lambda: DawidSkene(max_iter=100, tol=1e-2),
    "DS tol 1e-3": lambda: DawidSkene(max_iter=100, tol=1e-3),
    "DS tol 1e-4": lambda: DawidSkene(max_iter=100, tol=1e-4),
    "DS smoothing 0 (converged)": lambda: DawidSkene(max_iter=100, smoothing=0.0),
    "DS converged (max_iter=100)": lambda: DawidSkene(max_iter=100),
    "GLAD 2 it": lambda: GLAD(max_iter=2),
    "GLAD 3 it": lambda: GLAD(max_iter=3),
    "GLAD 5 it": lambda: GLAD(max_iter=5),
    "GLAD default (converged)": GLAD,
}


def group(name: str) -> str:
    """Which kind of input: simulated, thinned real or whole real."""
    return "simulated" if name.startswith("sim:") else ("thinned" if "@" in name else "whole")


def main(argv: list[str] | None = None) -> None:
    """Fit every variant on every input and print mean accuracy per group."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--skip-large", action="store_true", help="leave out adult and fact_eval")
    args = ap.parse_args(argv)
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, ann, truth in compare_inputs(None, args.seed, args.skip_large):
            known = truth >= 0
            for variant, make in VARIANTS.items():
                acc = float(np.mean(make().fit(ann).labels_[known] == truth[known]))
                rows.append(
                    {"input": name, "group": group(name), "variant": variant, "accuracy": 100 * acc}
                )
    df = pd.DataFrame(rows)
    table = df.pivot_table(index="variant", columns="group", values="accuracy", aggfunc="mean")
    table["all"] = df.groupby("variant")["accuracy"].mean()
    counts = df.groupby("group")["input"].nunique()
    print(
        f"# {platform.node()}, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, seed "
        f"{args.seed}; inputs: " + ", ".join(f"{g} {n}" for g, n in counts.items())
    )
    print(table.loc[list(VARIANTS)].round(2).to_string())


if __name__ == "__main__":
    main()
