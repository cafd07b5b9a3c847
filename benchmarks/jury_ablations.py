"""Jury ablations: each design choice of docs/jury.md switched off, on the benchmark's inputs.

    python benchmarks/jury_ablations.py                      # every data set, 3 seeds
    python benchmarks/jury_ablations.py --datasets rte bluebirds ducks --seeds 1

Builds exactly the inputs of ``labeljury bench`` (the same subsamples, seeds and
out-of-fold ``pred_probs``), fits majority vote, Dawid-Skene, GLAD and CROWDLAB
once, then Jury under each variant below, and prints per variant: the rows
(data set x sparsity level, mean over seeds) more than 0.3 points below the
best of MV/DS/GLAD, Jury minus CROWDLAB per data set with a model, mean
wrong-label AUROC, annotator Spearman and ECE on data sets with a model, and
the accuracy of every row. The figures quoted in docs/jury.md for these
choices come from this script (about 20 minutes for everything on the 2-core VM).
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

from labeljury.bench.datasets import (
    SCENARIOS,
    discover,
    find_data_root,
    load_real,
    make_scenario,
    subsample_per_item,
)
from labeljury.bench.peers import MethodOutput, labeljury_contender
from labeljury.bench.runner import BenchConfig, _model_pred_probs, _variants, evaluate
from labeljury.methods import MajorityVote
from labeljury.methods.jury import Jury

VARIANTS: dict[str, dict[str, Any]] = {
    "default": {},
    "free confusions with a model too (s=4)": {"strength": 4.0},
    "one-coin rows without a model too (s=inf)": {"strength": np.inf},
    "s=1e4 rows with a model (no exact one-coin limit)": {"strength": 1e4},
    "no class-prior anchor": {"class_prior_strength": 0.0},
    "learn s and m": {"learn_strength": True},
    "fixed m=2": {"learn_strength": False},
    "likelihood temperature only (no prior temperature)": {"temper": "likelihood"},
    "likelihood temperature up to 2 (max_temperature=2)": {"max_temperature": 2.0},
    "no temperature": {"temper": False},
    "no class offsets (model_bias=False)": {"model_bias": False},
    "no model floor (learn_model_floor=False)": {"learn_model_floor": False},
}
REFERENCES = ("majority_vote", "dawid_skene", "glad", "crowdlab")


def add_input_args(ap: argparse.ArgumentParser, model_only: bool = False) -> None:
    """The options of every script built on :func:`inputs`: ``--datasets``, ``--seeds``,
    ``--data`` (``model_only``: the script keeps the data sets with a model by default)."""
    which = "all with a model" if model_only else "all"
    ap.add_argument("--datasets", nargs="*", help=f"data set names (default: {which})")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--data", type=Path, help="folder of data sets (default ../shared/datasets)")


def inputs(names: list[str] | None, seeds: int, data: Path | None) -> list[dict[str, Any]]:
    """The benchmark's (annotations, gold, pred_probs) per data set, level and seed."""
    cfg = BenchConfig(seeds=seeds)
    root = data or find_data_root()
    sets = [load_real(f) for f in discover([root])] if root is not None else []
    for scenario in SCENARIOS:
        if scenario != "synth_large":
            sets += make_scenario(scenario, 0)
    sets = [d for d in sets if names is None or d.name in names]
    cache: dict[str, Any] = {}
    out = []
    for d in sets:
        for variant, seed in _variants(cfg, d):
            ann = d.annotations if variant == "full" else \
                d.annotations.take(subsample_per_item(d.annotations, int(variant), seed))
            mv = MajorityVote().fit(ann).labels_
            pp, _ = _model_pred_probs(d, ann, mv, seed, variant == "full", cache)
            # the reference label of the *_mv metrics: majority vote, model tie-breaks
            mv_ref = MajorityVote().fit(ann, pp).labels_ if pp is not None else mv
            out.append({"dataset": d.name, "variant": variant, "seed": seed, "ann": ann,
                        "gold": d.gold, "pp": pp, "mv": mv_ref})
        print(f"  inputs: {d.name}", file=sys.stderr, flush=True)
    return out


def score(out: MethodOutput, case: dict[str, Any]) -> dict[str, Any]:
    """The benchmark's metrics of one fit (majority vote with model tie-breaks as reference)."""
    return {k: case[k] for k in ("dataset", "variant", "seed")} | \
        evaluate(out, case["ann"], case["gold"], case["mv"])


def jury_output(jury: Jury) -> MethodOutput:
    return MethodOutput(jury.labels_, jury.probas_, jury.consensus_quality_,
                        jury.annotator_skill_)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_input_args(ap)
    ap.add_argument("--csv", type=Path, help="also write every fit's metrics to this CSV")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    t0 = time.perf_counter()
    cases = inputs(args.datasets, args.seeds, args.data)
    rows = []
    for case in cases:
        for name in REFERENCES:
            c = labeljury_contender(name)
            if c.uses_model and case["pp"] is None:
                continue
            out = c.run(case["ann"], case["pp"] if c.uses_model else None)
            rows.append({**score(out, case), "method": name})
        for label, kw in VARIANTS.items():
            jury = Jury(**kw).fit(case["ann"], case["pp"])
            rows.append({**score(jury_output(jury), case), "method": label,
                         "temperature": jury.temperature_,
                         "prior temperature": jury.prior_temperature_,
                         "weight": jury.model_weight_, "floor": jury.model_floor_})
    df = pd.DataFrame(rows)
    if args.csv is not None:
        df.to_csv(args.csv, index=False)
    g = df.groupby(["dataset", "variant", "method"])[
        ["accuracy", "auroc_own", "spearman", "ece"]].mean()
    acc = g["accuracy"].unstack("method")
    best = acc[["majority_vote", "dawid_skene", "glad"]].max(axis=1)
    if "crowdlab" not in acc:
        acc["crowdlab"] = float("nan")  # no data set with a model was asked for
    with_model = acc["crowdlab"].notna()
    pd.set_option("display.width", 250)
    pd.set_option("display.max_rows", 1000)
    summary = {}
    for label in VARIANTS:
        below = ((acc[label] - best) * 100 < -0.3).sum()
        diff = ((acc[label] - acc["crowdlab"]) * 100)[with_model]
        per_ds = diff.groupby(level="dataset").mean()
        summary[label] = {
            "rows > 0.3 below best of MV/DS/GLAD": f"{below} of {best.notna().sum()}",
            "data sets > 0.3 below CROWDLAB": ", ".join(per_ds[per_ds < -0.3].index) or "-",
            **{f"{m} (with a model)": round(float(g[m].unstack("method")[label][with_model]
                                                  .mean()), 4)
               for m in ("auroc_own", "spearman", "ece")},
        }
    print(pd.DataFrame(summary).T.to_string())
    print("\nJury - CROWDLAB, points, mean over levels (data sets with a model):")
    print(pd.DataFrame({label: ((acc[label] - acc["crowdlab"]) * 100)[with_model]
                        .groupby(level="dataset").mean() for label in VARIANTS})
          .round(2).to_string())
    print("\naccuracy per data set and level (mean over seeds):")
    print((acc * 100).round(1).to_string())
    w = df[df["method"].isin(["default", "free confusions with a model too (s=4)"])]
    w = w[w["dataset"].isin(acc[with_model].index.get_level_values("dataset"))]
    print("\nlearned model weight w, mean over levels and seeds (data sets with a model):")
    print(w.groupby(["dataset", "method"])["weight"].mean().unstack("method").round(2)
          .to_string())
    floor = df[(df["method"] == "default") & df["dataset"].isin(
        acc[with_model].index.get_level_values("dataset"))]
    print("\nlearned model floor of the default fit, per level (mean over seeds; max over them "
          "in the last column):")
    table = floor.groupby(["dataset", "variant"])["floor"].mean().unstack("variant")
    table["max"] = floor.groupby("dataset")["floor"].max()
    print(table.round(3).to_string())
    tau = df[df["method"] == "default"].groupby(["dataset", "variant"])["temperature"].mean()
    print("\nscore temperature of the default fit (mean over seeds):")
    print(tau.unstack("variant").round(2).to_string())
    tau0 = df[df["method"] == "default"].groupby(["dataset", "variant"])["prior temperature"]
    print("\nprior temperature of the default fit (mean over seeds):")
    print(tau0.mean().unstack("variant").round(2).to_string())
    print(f"\n{time.perf_counter() - t0:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
