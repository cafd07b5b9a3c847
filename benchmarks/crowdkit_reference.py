"""Record crowd-kit's accuracy on every real data set, for tests/test_real_data.py.

Runs crowd-kit's classification aggregators (default parameters) on each data set
under ``../shared/datasets`` (beside the repository; falls back to ``tests/data``)
and writes ``tests/data/crowdkit_reference.json``: accuracy against gold per
method per data set, wall time, crowd-kit version, date, and the message of any
method that fails. crowd-kit's Wawa and ZeroBasedSkill crash on scikit-learn >=
1.6 in scikit-learn's fitted-check (no ``__sklearn_tags__``); they run through
``labeljury.bench.peers.sklearn_tags_shim``, which adds the tags and nothing else.

crowd-kit is only a yardstick here; labeljury does not import it.

``--compare`` instead prints labeljury against crowd-kit, side by side in the
same run, for majority vote, Dawid-Skene and GLAD (defaults of both): on every
data set whole and (MV and DS) thinned to 3 and 2 labels per item (seeded), and on
simulated crowds from each generative family, including the sparse
many-annotator shape of the blind set where GLAD was furthest behind (766
annotators, 4 classes, ~5 labels per item). Writes nothing.

Usage (single-threaded BLAS: crowd-kit's GLAD spends its time in tiny BLAS
calls that spin-wait when threaded on a busy machine)::

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/crowdkit_reference.py \
        [--datasets temp rte ...] [--methods GLAD MACE ...]
    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/crowdkit_reference.py --compare \
        [--datasets ...] [--seed N] [--skip-large]
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import time
import traceback
import warnings
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "datasets"
LOCAL = ROOT / "tests" / "data"
OUT = LOCAL / "crowdkit_reference.json"

#: crowd-kit class name -> labeljury method name
METHODS = {
    "MajorityVote": "majority_vote",
    "Wawa": "wawa",
    "ZeroBasedSkill": "zero_based_skill",
    "DawidSkene": "dawid_skene",
    "OneCoinDawidSkene": "one_coin_dawid_skene",
    "GLAD": "glad",
    "MACE": "mace",
    "MMSR": "mmsr",
    "KOS": "kos",
}


def dataset_dirs(names: list[str] | None = None) -> dict[str, Path]:
    """Data set name -> folder holding answers.csv and gold.csv."""
    found: dict[str, Path] = {}
    for base in (LOCAL, SHARED):  # shared wins: it is the canonical copy
        if base.is_dir():
            for d in sorted(base.iterdir()):
                if (d / "answers.csv").is_file() and (d / "gold.csv").is_file():
                    found[d.name] = d
    if names:  # in the order asked, so slow data sets can go last
        return {n: found[n] for n in names}
    return dict(sorted(found.items()))


def load(folder: Path) -> tuple[pd.DataFrame, pd.Series]:
    """crowd-kit's long table (task, worker, label) and the gold labels by task."""
    answers = pd.read_csv(folder / "answers.csv").rename(columns={"item": "task"})
    gold = pd.read_csv(folder / "gold.csv").set_index("item")["label"]
    return answers, gold


def run_one(name: str, answers: pd.DataFrame, gold: pd.Series) -> dict[str, Any]:
    """Fit one crowd-kit aggregator; accuracy on the gold items it labeled."""
    import crowdkit.aggregation as agg

    from labeljury.bench.peers import sklearn_tags_shim

    if name == "KOS" and answers["label"].nunique() > 2:
        return {"error": "KOS is binary only"}
    t0 = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            labels = sklearn_tags_shim(getattr(agg, name))().fit_predict(answers)
    except Exception as exc:  # record crowd-kit's failure instead of stopping
        return {
            "error": f"{type(exc).__name__}: {exc}".splitlines()[0][:300],
            "traceback_tail": traceback.format_exc().strip().splitlines()[-3:],
        }
    seconds = time.perf_counter() - t0
    common = gold.index.intersection(labels.index)
    acc = float(np.mean(labels.loc[common].to_numpy() == gold.loc[common].to_numpy()))
    return {"accuracy": round(acc, 6), "n_gold": len(common), "seconds": round(seconds, 3)}


#: the methods --compare puts side by side: crowd-kit class -> labeljury method
COMPARED = {"MajorityVote": "majority_vote", "DawidSkene": "dawid_skene", "GLAD": "glad"}


def thinned(ann: Any, per_item: int, seed: int) -> Any:
    """At most ``per_item`` annotations of each item, chosen at random (items kept)."""
    rng = np.random.default_rng(seed)
    perm = rng.permutation(ann.n_annotations)
    order = perm[np.argsort(ann.item[perm], kind="stable")]
    counts = ann.annotations_per_item()
    rank = np.arange(len(order)) - np.repeat(np.cumsum(counts) - counts, counts)
    return ann.take(np.sort(order[rank < per_item]))


def real_input(folder: Path, per_item: int | None, seed: int) -> tuple[Any, np.ndarray]:
    """A shared data set (whole, or thinned to ``per_item`` labels per item) and its truth."""
    from labeljury import Annotations

    answers, gold = load(folder)
    ann = Annotations.from_long(answers, item_col="task", annotator_col="worker")
    truth = np.full(ann.n_items, -1)
    pos = ann.items.get_indexer(gold.index)
    truth[pos[pos >= 0]] = ann.classes.get_indexer(gold.to_numpy()[pos >= 0])
    return (ann if per_item is None else thinned(ann, per_item, seed)), truth


def sim_inputs(seed: int) -> Iterator[tuple[str, Callable[[], tuple[Any, np.ndarray]]]]:
    """(name, draw) for each simulated crowd; ``draw()`` makes it (the seeds come first)."""
    from labeljury.synth import make_dawid_skene, make_glad, make_mace, make_one_coin

    rng = np.random.default_rng(seed)
    families = {
        "dawid_skene": (make_dawid_skene, {}, {"accuracy": (0.3, 0.7)}),
        "one_coin": (make_one_coin, {}, {"accuracy": (0.25, 0.7)}),
        "glad": (make_glad, {}, {"alpha": (-0.5, 1.5)}),
        "mace": (make_mace, {}, {"competence": (0.05, 0.6)}),
    }
    for fam, (gen, easy, hard) in families.items():
        for level, kw in (("easy", easy), ("hard", hard)):
            s = int(rng.integers(2**31))
            yield f"sim:{fam}:{level}", partial(_draw, gen, (1500, 30, 3, (3, 5)), s, kw)
            # the blind set's shape: many annotators with few labels each, 4 classes
            yield (
                f"sim:{fam}:{level}:sparse766",
                partial(_draw, gen, (4000, 766, 4, (3, 7)), s + 1, kw),
            )


def _draw(gen: Callable, shape: tuple, seed: int, kw: dict) -> tuple[Any, np.ndarray]:
    return gen(*shape, random_state=seed, **kw)[:2]


def compare_input(name: str, seed: int) -> tuple[Any, np.ndarray]:
    """One comparison input by its name in the table (``rte``, ``rte@2``, ``sim:mace:hard``)."""
    if name.startswith("sim:"):
        return dict(sim_inputs(seed))[name]()
    ds, _, k = name.partition("@")
    return real_input(dataset_dirs([ds])[ds], int(k) if k else None, seed)


def compare_inputs(names: list[str] | None, seed: int, skip_large: bool):
    """(name, Annotations, truth codes with -1 = unknown) for every comparison input."""
    for ds, folder in dataset_dirs(names).items():
        if skip_large and ds in ("adult", "fact_eval"):
            continue
        yield (ds, *real_input(folder, None, seed))
        for k in (3, 2):
            yield (f"{ds}@{k}", *real_input(folder, k, seed))
    for name, draw in sim_inputs(seed):
        yield (name, *draw())


def compare(
    names: list[str] | None, seed: int, skip_large: bool, methods: list[str] | None = None
) -> pd.DataFrame:
    """labeljury vs crowd-kit accuracy (and seconds) per input and method, printed as it goes."""
    import crowdkit.aggregation as agg

    from labeljury.methods import get_method

    rows = []
    for name, ann, truth in compare_inputs(names, seed, skip_large):
        known = truth >= 0
        df = pd.DataFrame({"task": ann.item, "worker": ann.annotator, "label": ann.label})
        for ck_name, ours in COMPARED.items():
            if methods and ck_name not in methods:
                continue
            if ck_name == "GLAD" and "@" in name:
                continue  # crowd-kit's GLAD takes 3-25 s per set: whole sets and simulations only
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t0 = time.perf_counter()
                mine = get_method(ours).fit_predict(ann)
                t1 = time.perf_counter()
                ref = getattr(agg, ck_name)().fit_predict(df)
                t2 = time.perf_counter()
            ref = ref.reindex(np.arange(ann.n_items)).to_numpy()
            row = {
                "input": name,
                "method": ours,
                "labeljury": float(np.mean(mine[known] == truth[known])),
                "crowdkit": float(np.mean(ref[known] == truth[known])),
                "lj_s": t1 - t0,
                "ck_s": t2 - t1,
            }
            row["diff_points"] = 100 * (row["labeljury"] - row["crowdkit"])
            rows.append(row)
            print(
                f"{name:34s} {ours:13s} labeljury {row['labeljury']:.4f} crowd-kit "
                f"{row['crowdkit']:.4f} {row['diff_points']:+6.2f} pts "
                f"({row['lj_s']:.2f} s / {row['ck_s']:.2f} s)",
                flush=True,
            )
    return pd.DataFrame(rows)


def markdown_table(res: pd.DataFrame) -> str:
    """One row per input, one column per method: our accuracy (difference to crowd-kit in
    points; both accuracies where more than 0.5 apart), as docs/methods.md shows it."""

    def cell(r: pd.Series) -> str:
        both = f"{r['labeljury']:.4f}"
        if abs(r["diff_points"]) > 0.5:
            both += f" / {r['crowdkit']:.4f}"
        return f"{both} ({r['diff_points']:+.2f})"

    res = res.assign(cell=res.apply(cell, axis=1))
    wide = res.pivot(index="input", columns="method", values="cell")
    wide = wide.reindex(index=res["input"].unique(), columns=res["method"].unique())
    head = "| input | " + " | ".join(wide.columns) + " |"
    rule = "|---|" + "---:|" * len(wide.columns)
    rows = [f"| {i} | " + " | ".join(wide.loc[i].fillna("")) + " |" for i in wide.index]
    return "\n".join([head, rule, *rows])


def main(argv: list[str] | None = None) -> None:
    """Run every method on every data set and write the JSON file (or ``--compare``)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", nargs="*", help="data set names (default: all found)")
    ap.add_argument(
        "--methods",
        nargs="*",
        default=list(METHODS),
        help="crowd-kit class names (--compare: of MajorityVote DawidSkene GLAD)",
    )
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument(
        "--compare",
        action="store_true",
        help="print labeljury vs crowd-kit for MV/DS/GLAD instead of recording",
    )
    ap.add_argument("--seed", type=int, default=0, help="thinning and simulation seed")
    ap.add_argument("--skip-large", action="store_true", help="leave out adult and fact_eval")
    args = ap.parse_args(argv)
    if args.compare:
        now = _dt.datetime.now(_dt.timezone.utc)
        print(
            f"# {platform.node()} ({os.cpu_count()} CPUs), {now:%Y-%m-%d %H:%M} UTC, "
            f"seed {args.seed}",
            flush=True,
        )
        res = compare(
            args.datasets, args.seed, args.skip_large, [m for m in args.methods if m in COMPARED]
        )
        print("\n" + markdown_table(res))
        print("\nworst gap per method (points, labeljury - crowd-kit):")
        for m, g in res.groupby("method"):
            w = g.loc[g["diff_points"].idxmin()]
            print(
                f"  {m:13s} min {w['diff_points']:+.2f} ({w['input']}), mean "
                f"{g['diff_points'].mean():+.3f}, below -0.5 on "
                f"{int((g['diff_points'] < -0.5).sum())} of {len(g)}"
            )
        return

    old = json.loads(args.out.read_text()) if args.out.is_file() else {}
    results: dict[str, dict[str, Any]] = old.get("results", {})
    for ds, folder in dataset_dirs(args.datasets).items():
        answers, gold = load(folder)
        for m in args.methods:
            res = run_one(m, answers, gold)
            results.setdefault(ds, {})[METHODS[m]] = res
            print(f"{ds:26s} {m:18s} {res.get('accuracy', res.get('error'))}", flush=True)
        write(args.out, results)  # after every data set, so a long run can be resumed


def write(out: Path, results: dict[str, dict[str, Any]]) -> None:
    """Write the reference file with versions and date."""
    import crowdkit
    import sklearn

    doc = {
        "crowdkit_version": crowdkit.__version__,
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "pandas_version": pd.__version__,
        "python": platform.python_version(),
        "date": _dt.date.today().isoformat(),
        "parameters": "crowd-kit defaults",
        "accuracy": "fraction of gold items whose aggregated label equals gold",
        "results": dict(sorted(results.items())),
    }
    out.write_text(json.dumps(doc, indent=1, sort_keys=False) + "\n")


if __name__ == "__main__":
    main()
