"""Record crowd-kit's accuracy on every real data set, for tests/test_real_data.py.

Runs crowd-kit's classification aggregators (default parameters) on each data set
under ``../shared/datasets`` (beside the repository; falls back to ``tests/data``)
and writes ``tests/data/crowdkit_reference.json``: accuracy against gold per
method per data set, wall time, crowd-kit version, date, and the message of any
method that fails. crowd-kit's Wawa and ZeroBasedSkill crash on scikit-learn >=
1.6 in scikit-learn's fitted-check (no ``__sklearn_tags__``); they run through
``labeljury.bench.peers.sklearn_tags_shim``, which adds the tags and nothing else.

crowd-kit is only a yardstick here; labeljury does not import it.

Usage (single-threaded BLAS: crowd-kit's GLAD spends its time in tiny BLAS
calls that spin-wait when threaded on a busy machine)::

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/crowdkit_reference.py \
        [--datasets temp rte ...] [--methods GLAD MACE ...]
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import platform
import time
import traceback
import warnings
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
        return {"error": f"{type(exc).__name__}: {exc}".splitlines()[0][:300],
                "traceback_tail": traceback.format_exc().strip().splitlines()[-3:]}
    seconds = time.perf_counter() - t0
    common = gold.index.intersection(labels.index)
    acc = float(np.mean(labels.loc[common].to_numpy() == gold.loc[common].to_numpy()))
    return {"accuracy": round(acc, 6), "n_gold": len(common), "seconds": round(seconds, 3)}


def main(argv: list[str] | None = None) -> None:
    """Run every method on every data set and write the JSON file."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", nargs="*", help="data set names (default: all found)")
    ap.add_argument("--methods", nargs="*", default=list(METHODS), help="crowd-kit class names")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)

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
