"""Multi-label aggregation against crowd-kit's BinaryRelevance, on simulated crowds.

Each scenario draws a fresh multi-label crowd (per-class skills, spammers,
correlated classes, Zipf-like annotator activity, 5 to 50 classes) with
:func:`labeljury.multilabel.synth.make_multilabel_crowd` and fits:

* labeljury: ``jury`` (MultiJury), ``dawid_skene`` and ``majority_vote`` (per class);
* crowd-kit 1.4.2: ``BinaryRelevance(DawidSkene(n_iter=100))`` and
  ``BinaryRelevance(MajorityVote())``.

Metrics against the true sets: Hamming accuracy, exact-set accuracy, macro F1
over classes, and the AUROC of the per-item set quality (``prod_k max(p, 1-p)``,
from each method's per-class probabilities) for finding a wrong set. Seeds are
fresh each run (printed); ``--seed`` reproduces a run. ``--speed`` times
labeljury's methods on 1e6 (item, annotator) rows with 20 classes (crowd-kit is
not run there: its per-class pandas fits take minutes at 1e4 rows).

No real multi-label data set with gold sets is in the shared material (the
shared data sets are single-label), so the comparison is simulated only.

Usage::

    python benchmarks/multilabel.py [--seeds 2] [--seed S] [--speed] [--quick]
"""

from __future__ import annotations

import argparse
import platform
import time
import warnings
from datetime import datetime, timezone

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score, roc_auc_score

from labeljury.multilabel import MultiLabelAnnotations
from labeljury.multilabel.methods import METHODS
from labeljury.multilabel.synth import make_multilabel_crowd

#: name -> (n_items, n_classes, n_annotators, per_item, spammer_share, correlation, skew)
SCENARIOS = {
    "5 classes, 3 per item": (800, 5, 40, 3.0, 0.1, 0.5, 1.0),
    "10 classes, sparse annotators": (800, 10, 250, 3.0, 0.1, 0.5, 1.5),
    "20 classes, 3 per item": (600, 20, 60, 3.0, 0.1, 0.5, 1.0),
    "20 classes, 30% spammers": (600, 20, 60, 3.0, 0.3, 0.5, 1.0),
    "20 classes, correlated, 5 per item": (600, 20, 60, 5.0, 0.1, 0.9, 1.0),
    "50 classes, 2 per item": (400, 50, 100, 2.0, 0.1, 0.5, 1.0),
}


def markdown(df: pd.DataFrame, index: bool = True) -> str:
    """A pipe table (no tabulate dependency)."""
    if index:
        df = df.reset_index()
    cells = [
        [f"{v:.4f}" if isinstance(v, float) else str(v) for v in row]
        for row in df.itertuples(index=False)
    ]
    head = [str(c) for c in df.columns]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in cells]
    return "\n".join(lines)


def set_quality(probas: np.ndarray) -> np.ndarray:
    """Probability that the thresholded set is right, classes independent."""
    return np.prod(np.maximum(probas, 1 - probas), axis=1)


def scores(pred: np.ndarray, probas: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    wrong = ~(pred == truth).all(axis=1)
    auroc = roc_auc_score(wrong, -set_quality(probas)) if 0 < wrong.sum() < len(wrong) else np.nan
    return {
        "hamming": float(np.mean(pred == truth)),
        "exact": float(np.mean(~wrong)),
        "macro_f1": float(f1_score(truth, pred, average="macro", zero_division=0)),
        "auroc_wrong": float(auroc),
    }


def run_labeljury(ann: MultiLabelAnnotations, name: str) -> tuple[np.ndarray, np.ndarray]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = METHODS[name]().fit(ann)
    return m.labels_, m.probas_


def run_crowdkit(ann: MultiLabelAnnotations, base: str) -> tuple[np.ndarray, np.ndarray]:
    from crowdkit.aggregation import BinaryRelevance, DawidSkene, MajorityVote

    long = ann.to_long()
    df = pd.DataFrame(
        {
            "task": long["item"],
            "worker": long["annotator"],
            "label": [s.split("|") if s else [] for s in long["label"]],
        }
    )
    agg = BinaryRelevance(DawidSkene(n_iter=100) if base == "ds" else MajorityVote())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        agg.fit(df)
    probas = np.zeros((ann.n_items, ann.n_classes))
    # BinaryRelevance.aggregators_ is shared between instances (an attrs default) and
    # keeps classes of earlier fits: read only the classes chosen in this data
    chosen = ann.classes[ann.votes().sum(axis=0) > 0]
    for cls in chosen:
        p = agg.aggregators_[cls].probas_
        col = 1 if 1 in p.columns else True
        probas[:, ann.classes.get_loc(cls)] = p.reindex(ann.items)[col].fillna(0).to_numpy()
    pred = np.zeros((ann.n_items, ann.n_classes), dtype=bool)
    for i, labels in enumerate(agg.labels_.reindex(ann.items)):
        for cls in labels if isinstance(labels, list) else []:
            pred[i, ann.classes.get_loc(cls)] = True
    return pred, probas


CONTENDERS = {
    "labeljury jury": lambda a: run_labeljury(a, "jury"),
    "labeljury dawid_skene": lambda a: run_labeljury(a, "dawid_skene"),
    "labeljury majority_vote": lambda a: run_labeljury(a, "majority_vote"),
    "crowd-kit BR(DawidSkene)": lambda a: run_crowdkit(a, "ds"),
    "crowd-kit BR(MajorityVote)": lambda a: run_crowdkit(a, "mv"),
}


def compare(seeds: list[int], scenarios: dict[str, tuple]) -> pd.DataFrame:
    rows = []
    for seed in seeds:
        for sname, (n, k, a, per, spam, corr, skew) in scenarios.items():
            crowd = make_multilabel_crowd(
                n,
                k,
                a,
                per,
                spammer_share=spam,
                correlation=corr,
                activity_skew=skew,
                random_state=seed,
            )
            for cname, fit in CONTENDERS.items():
                t0 = time.perf_counter()
                pred, probas = fit(crowd.annotations)
                sec = time.perf_counter() - t0
                rows.append(
                    {
                        "seed": seed,
                        "scenario": sname,
                        "method": cname,
                        **scores(pred, probas, crowd.truth),
                        "seconds": sec,
                    }
                )
                print(
                    f"  seed {seed} {sname:<36} {cname:<27} exact "
                    f"{rows[-1]['exact']:.4f} hamming {rows[-1]['hamming']:.4f} "
                    f"{sec:.2f}s",
                    flush=True,
                )
    return pd.DataFrame(rows)


def speed(seed: int, repeat: int = 1) -> pd.DataFrame:
    t0 = time.perf_counter()
    crowd = make_multilabel_crowd(330_000, 20, 2000, 3.0, random_state=seed)
    ann = crowd.annotations
    print(f"speed data: {ann} (simulated in {time.perf_counter() - t0:.1f}s)", flush=True)
    rows = []
    for name in ("jury", "dawid_skene", "majority_vote"):
        best = np.inf
        for _ in range(repeat):
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                m = METHODS[name]().fit(ann)
            best = min(best, time.perf_counter() - t0)
        rows.append(
            {
                "method": name,
                "judgements": ann.n_judgements,
                "classes": ann.n_classes,
                "seconds": best,
                "steps": m.n_iter_,
                "exact": float(np.mean((m.labels_ == crowd.truth).all(axis=1))),
            }
        )
        print(f"  {name}: {best:.2f}s, {m.n_iter_} EM steps", flush=True)
    return pd.DataFrame(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=2, help="fresh seeds to draw (default 2)")
    ap.add_argument(
        "--seed",
        type=int,
        nargs="+",
        default=None,
        help="reproduce these seeds instead of fresh ones",
    )
    ap.add_argument("--speed", action="store_true", help="also time 1e6 rows x 20 classes")
    ap.add_argument("--speed-only", action="store_true", help="only the 1e6-row timing")
    ap.add_argument("--quick", action="store_true", help="the first two scenarios only")
    args = ap.parse_args()
    seeds = args.seed or [
        int(s) for s in np.random.SeedSequence().generate_state(args.seeds) % 1_000_000
    ]
    print(
        f"# multilabel benchmark, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, "
        f"{platform.node()} ({platform.machine()}, {__import__('os').cpu_count()} CPUs), "
        f"seeds {seeds}"
    )
    if not args.speed_only:
        scen = dict(list(SCENARIOS.items())[:2]) if args.quick else SCENARIOS
        df = compare(seeds, scen)
        metrics = ["exact", "hamming", "macro_f1", "auroc_wrong", "seconds"]
        per = df.groupby(["scenario", "method"], sort=False)[metrics].mean()
        print("\n## Per scenario (mean over seeds)\n")
        print(markdown(per))
        avg = df.groupby("method", sort=False)[metrics].mean()
        print("\n## Average over scenarios and seeds\n")
        print(markdown(avg))
        piv = df.pivot_table(
            index=["seed", "scenario"], columns="method", values=["exact", "hamming"]
        )
        ref = "crowd-kit BR(DawidSkene)"
        d_exact = (piv["exact"]["labeljury jury"] - piv["exact"][ref]) * 100
        d_ham = (piv["hamming"]["labeljury jury"] - piv["hamming"][ref]) * 100
        print(
            f"\njury - {ref}: exact-set accuracy {d_exact.mean():+.2f} points on average "
            f"(min {d_exact.min():+.2f}); Hamming accuracy {d_ham.mean():+.2f} on average, "
            f"worst {d_ham.min():+.2f} points over {len(piv)} (seed, scenario) runs"
        )
    if args.speed or args.speed_only:
        print("\n## Speed: 1e6 (item, annotator) rows, 20 classes\n")
        print(markdown(speed(seeds[0]), index=False))


if __name__ == "__main__":
    main()
