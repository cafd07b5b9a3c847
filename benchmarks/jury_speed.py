"""Jury's time against CROWDLAB's on the benchmark's inputs, and what the stopping rules cost.

    python benchmarks/jury_speed.py                                # default settings
    python benchmarks/jury_speed.py --jury tol=1e-6 --settled 0.05 # the first release's
    python benchmarks/jury_speed.py --weight-steps 3
    python benchmarks/jury_speed.py --datasets rte zencrowd_in --seeds 1
    python benchmarks/jury_speed.py --large 1000000 300000   # synth_large sizes only
    python benchmarks/jury_speed.py --set _WEIGHT_ITEMS=1000000 _TEMPER_ANNOTATIONS=1000000

Builds the inputs of ``labeljury bench`` for the data sets with a model (the same
subsamples, seeds and out-of-fold ``pred_probs``; see ``jury_ablations.py``),
then times labeljury's CROWDLAB and Jury on each, side by side in one process,
single-threaded, best of ``--repeats`` runs. Prints the median time ratio by
size, Jury's mean EM iterations, and mean accuracy and ECE, so that a change of
the stopping rules can be judged on speed and on results together.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).parent))
from jury_ablations import add_input_args, inputs
from labeljury.bench.datasets import _with_model, scenario_large
from labeljury.bench.metrics import expected_calibration_error
from labeljury.methods import get_method
from labeljury.methods import jury as jury_module


def _value(text: str) -> Any:
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return {"True": True, "False": False}.get(text, text)


def _best_time(fit: Any, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fit()
        best = min(best, time.perf_counter() - t0)
    return best


def _large(sizes: list[int]) -> list[dict[str, Any]]:
    """The bench's synth_large scenario at the given sizes, with its simulated model."""
    cases = []
    for n in sizes:
        d = _with_model(scenario_large(0, n_annotations=n), 0.85, None, "", 0)
        cases.append({"dataset": d.name, "variant": "full", "ann": d.annotations,
                      "pp": d.pred_probs, "gold": d.gold})
    return cases


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_input_args(ap, model_only=True)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--jury", nargs="*", default=[], metavar="KEY=VALUE",
                    help="Jury parameters, e.g. tol=1e-6")
    ap.add_argument("--settled", type=float,
                    help="log-change below which Jury freezes its concentrations "
                         f"(default {jury_module._SETTLED})")
    ap.add_argument("--weight-steps", type=int,
                    help="Newton steps on the model weight per EM iteration "
                         f"(default {jury_module._WEIGHT_STEPS})")
    ap.add_argument("--set", nargs="*", default=[], metavar="NAME=VALUE",
                    help="module constants of labeljury.methods.jury, e.g. "
                         "_WEIGHT_ITEMS=1000000 _TEMPER_ANNOTATIONS=1000000 (no sampling)")
    ap.add_argument("--large", nargs="*", type=int, metavar="N",
                    help="time on the bench's synth_large scenario with N annotations "
                         "(seed 0, simulated model of accuracy 0.85) instead of the data sets")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    params = {k: _value(v) for k, v in (p.split("=", 1) for p in args.jury)}
    if args.settled is not None:
        jury_module._SETTLED = args.settled
    if args.weight_steps is not None:
        jury_module._WEIGHT_STEPS = args.weight_steps
    for item in args.set:
        if "=" not in item:
            ap.error(f"--set takes NAME=VALUE, got {item!r}")
        name, value = item.split("=", 1)
        if not hasattr(jury_module, name):
            ap.error(f"labeljury.methods.jury has no constant {name}")
        setattr(jury_module, name, _value(value))
    rows = []
    with threadpool_limits(1):
        for case in (_large(args.large) if args.large else
                     inputs(args.datasets, args.seeds, args.data)):
            ann, pp, gold = case["ann"], case["pp"], case["gold"]
            if pp is None:
                continue
            crowdlab = get_method("crowdlab")
            jury = jury_module.Jury(**params)
            t_c = _best_time(lambda: crowdlab.fit(ann, pp), args.repeats)  # noqa: B023
            t_j = _best_time(lambda: jury.fit(ann, pp), args.repeats)  # noqa: B023
            known = gold >= 0
            right = jury.labels_[known] == gold[known]
            rows.append({"dataset": case["dataset"], "variant": case["variant"],
                         "n_annotations": ann.n_annotations, "crowdlab_s": t_c, "jury_s": t_j,
                         "iterations": jury.n_iter_, "accuracy": right.mean(),
                         "ece": expected_calibration_error(jury.consensus_quality_[known],
                                                           right)})
    df = pd.DataFrame(rows)
    df["ratio"] = df["jury_s"] / df["crowdlab_s"]
    print(f"Jury {params or 'defaults'}, settled={jury_module._SETTLED}, "
          f"weight steps={jury_module._WEIGHT_STEPS}, weight items="
          f"{jury_module._WEIGHT_ITEMS}, temperature annotations="
          f"{jury_module._TEMPER_ANNOTATIONS}: "
          f"{len(df)} fits on data sets with a model")
    print(f"time Jury / CROWDLAB: median {df['ratio'].median():.1f}x, "
          f"mean {df['ratio'].mean():.1f}x, max {df['ratio'].max():.1f}x")
    for lo, hi in ((0, 10_000), (10_000, 100_000), (100_000, np.inf)):
        part = df[(df["n_annotations"] >= lo) & (df["n_annotations"] < hi)]
        if len(part):
            print(f"  {lo:>7,} <= annotations < {hi:,}: median {part['ratio'].median():.1f}x "
                  f"over {len(part)} fits (Jury median {part['jury_s'].median() * 1e3:.1f} ms, "
                  f"CROWDLAB {part['crowdlab_s'].median() * 1e3:.1f} ms)")
    print(f"Jury EM iterations: mean {df['iterations'].mean():.1f}; accuracy "
          f"{df['accuracy'].mean():.4f}; ECE {df['ece'].mean():.4f}")


if __name__ == "__main__":
    main()
