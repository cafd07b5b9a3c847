"""Check Jury (labeljury's own method) against issue 5's targets from a bench results.csv.

    labeljury bench --out bench-out            # writes bench-out/results.csv
    python benchmarks/jury_targets.py bench-out/results.csv

Prints, for data sets where model-aware methods ran (features or a simulated
model): Jury minus CROWDLAB accuracy per data set and sparsity level; rows where
Jury falls more than 0.3 points below the best of majority vote, Dawid-Skene and
GLAD; mean wrong-label AUROC, annotator Spearman and ECE against CROWDLAB; and
the time ratio.
"""

from __future__ import annotations

import sys

import pandas as pd

SPARSE_SYNTHETIC = ["synth_confusions", "synth_hardest", "synth_tutorial", "synth_spammers"]


def main(path: str) -> None:
    pd.set_option("display.width", 200)
    df = pd.read_csv(path, keep_default_na=False, na_values=[""])
    ok = df[df.status == "ok"].copy()
    cols = ["accuracy", "auroc_own", "spearman", "ece", "time_s"]
    for c in cols:
        ok[c] = pd.to_numeric(ok[c], errors="coerce")
    g = ok.groupby(["dataset", "variant", "method"])[cols].mean()
    acc = g["accuracy"].unstack("method")
    with_model = acc["crowdlab"].notna()
    diff = (acc["jury"] - acc["crowdlab"])[with_model] * 100
    print("Jury - CROWDLAB accuracy, points (data sets with a model):")
    print(diff.unstack("variant").round(2).to_string())
    per_ds = diff.groupby(level="dataset").mean()
    print("\nmean over sparsity levels:\n" + per_ds.round(2).to_string())
    print(f"\ndata sets more than 0.3 points below CROWDLAB on average: "
          f"{sorted(per_ds[per_ds < -0.3].index)}")
    sparse = diff[diff.index.get_level_values("dataset").isin(SPARSE_SYNTHETIC)]
    print(f"mean Jury - CROWDLAB on class-dependent / sparse scenarios: {sparse.mean():.2f} "
          "points (target >= 1)")
    best = acc[["majority_vote", "dawid_skene", "glad"]].max(axis=1)
    below = (acc["jury"] - best) * 100
    bad = below[below < -0.3]
    print(f"\nrows more than 0.3 points below the best of MV, DS, GLAD: {len(bad)} of "
          f"{below.notna().sum()}")
    print(bad.round(2).to_string())
    # the bar is the best of three per row, picked with the gold labels: how often does
    # each of the three (and CROWDLAB, and every other method) clear it?
    others = [c for c in acc.columns if c != "jury"]
    clear = {c: int(((acc[c] - best) * 100 < -0.3)[acc[c].notna()].sum()) for c in others}
    total = {c: int(acc[c].notna().sum()) for c in others}
    print("the same count for every method (rows it ran on): " +
          ", ".join(f"{c} {clear[c]} of {total[c]}" for c in sorted(others, key=clear.get)))
    for m in ("auroc_own", "spearman", "ece"):
        t = g[m].unstack("method")[with_model]
        print(f"\n{m}: Jury {t['jury'].mean():.4f} vs CROWDLAB {t['crowdlab'].mean():.4f} "
              "(mean over data sets with a model)")
    e = g["ece"].unstack("method")["jury"]
    print(f"Jury ECE over every row: mean {e.mean():.4f}, share <= 0.03: {(e <= 0.03).mean():.3f}")
    kind = ok.groupby(["dataset", "variant"])["kind"].first()
    floor = None
    if "ece_floor" in ok.columns:
        ok["ece_floor"] = pd.to_numeric(ok["ece_floor"], errors="coerce")
        floor = ok.groupby(["dataset", "variant", "method"])["ece_floor"].mean() \
            .unstack("method")["jury"]
    for k in sorted(kind.unique()):
        rows = kind[kind == k].index
        line = f"  {k}: Jury ECE mean {e.reindex(rows).mean():.4f}, " \
               f"share <= 0.03: {(e.reindex(rows) <= 0.03).mean():.3f}"
        if floor is not None:
            line += f"; noise floor mean {floor.reindex(rows).mean():.4f}, ECE above floor " \
                    f"{(e.reindex(rows) - floor.reindex(rows)).mean():.4f}"
        print(line)
    t = g["time_s"].unstack("method")[with_model]
    ratio = t["jury"] / t["crowdlab"]
    print(f"time Jury / CROWDLAB: median {ratio.median():.1f}x, max {ratio.max():.1f}x")
    size = ok.groupby(["dataset", "variant"])["n_annotations"].first().reindex(ratio.index)
    for lo, hi in ((0, 10_000), (10_000, 100_000), (100_000, float("inf"))):
        r = ratio[(size >= lo) & (size < hi)]
        if len(r):
            jt = t["jury"][r.index]
            print(f"  {lo:>7,} <= annotations < {hi:,}: median {r.median():.1f}x over {len(r)} "
                  f"rows (Jury median {jt.median() * 1000:.0f} ms)")
    no_model = acc[~with_model]
    if len(no_model):
        cols = [c for c in ("majority_vote", "dawid_skene", "glad", "mace", "jury")
                if c in no_model.columns]
        print("\nwithout a model (real data sets without features): mean accuracy by level")
        by_level = no_model[cols].groupby(level="variant").mean() * 100
        print(by_level.round(2).to_string())
        print("overall: " + ", ".join(f"{c} {v:.2f}" for c, v in
                                      (no_model[cols].mean() * 100).items()))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "bench-out/results.csv")
