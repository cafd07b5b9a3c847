"""How long ``labeljury run`` takes, against a plain cleanlab pipeline on the same input.

Cases (targets from issue 16, on the 2-core VM):

* ``music_genre``: ``labeljury run answers.csv --features features.csv``
  end to end (a fresh CLI process, report included), target < 30 s;
* ``rte``: the same with its two text columns (``--text-col text
  --text-col hypothesis``), target < 20 s;
* ``tutorial``: ``labeljury demo``'s tutorial part (``cli.tutorial_demo``,
  tables and report written), target < 10 s;
* ``tabular_50k``: 50,000 simulated items, 20 numeric features, 4 classes,
  3 labels each (``labeljury.run`` in process), target < 180 s.

The cleanlab pipeline on the same input: the features vectorised as a user
would (standardised numbers; TF-IDF for text), ``cross_val_predict`` with a
``LogisticRegression`` (5 folds), then
``cleanlab.multiannotator.get_label_quality_multiannotator`` on the wide
label table. Both timed in this process (the CLI cases also in a fresh
process, as a user runs them). Prints wall-clock seconds and CPU seconds
(user + system: on a shared, loaded machine the wall clock measures the other
jobs too, the CPU time does not), the ratios labeljury / cleanlab, the rounds
and the costliest round over the first (target <= 1.5; wall clock and CPU
time, each within one run; the 50k case runs ``--repeat`` times, medians
reported), and the machine's load average. Usage::

    python benchmarks/run_speed.py [--data /work/shared/datasets] [--cases music_genre rte]
        [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import labeljury
from labeljury import Annotations

sys.path.insert(0, str(Path(__file__).parent))
from run_rounds import simulated_tabular

TARGETS = {"music_genre": 30.0, "rte": 20.0, "tutorial": 10.0, "tabular_50k": 180.0}


class Timer:
    """Wall-clock and CPU seconds of a block, this process and its children."""

    def __enter__(self) -> Timer:
        self.wall, self.cpu = time.perf_counter(), _cpu()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, _cpu() - self.cpu


def _cpu() -> float:
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def cleanlab_pipeline(
    ann: Annotations, feats: pd.DataFrame, text_cols: list[str] | None
) -> dict[str, float]:
    """Wall and CPU seconds of the plain cleanlab pipeline (features -> CV LR -> CROWDLAB)."""
    with Timer() as t:
        _cleanlab(ann, feats, text_cols)
    return {"cleanlab_s": t.wall, "cleanlab_cpu": t.cpu}


def _cleanlab(ann: Annotations, feats: pd.DataFrame, text_cols: list[str] | None) -> None:
    from cleanlab.multiannotator import get_label_quality_multiannotator
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict
    from sklearn.preprocessing import StandardScaler

    if text_cols:
        X = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2)).fit_transform(
            feats[text_cols].astype(str).agg(" ".join, axis=1)
        )
    else:
        X = StandardScaler().fit_transform(feats.to_numpy(float))
    wide = ann.to_wide()
    wide_codes = pd.DataFrame(np.full(wide.shape, np.nan), columns=wide.columns)
    for j, col in enumerate(wide.columns):
        vals = wide[col]
        ok = vals.notna().to_numpy()
        wide_codes.iloc[ok, j] = ann.classes.get_indexer(vals[ok])
    mv = labeljury.aggregate(ann, method="majority_vote").method.labels_
    probs = cross_val_predict(
        LogisticRegression(max_iter=1000), X, mv, cv=5, method="predict_proba"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        get_label_quality_multiannotator(wide_codes, probs, verbose=False)


def real_case(data: Path, name: str) -> dict[str, Any]:
    """One shared data set: the CLI end to end, the API in process, cleanlab."""
    folder = data / name
    if name == "music_genre":
        file, text_cols = folder / "features.csv", None
    else:
        file, text_cols = folder / "items.csv", ["text", "hypothesis"]
    with tempfile.TemporaryDirectory() as out:
        cmd = [
            sys.executable,
            "-m",
            "labeljury.cli",
            "run",
            str(folder / "answers.csv"),
            "--features",
            str(file),
            "--out",
            out,
            "--quiet",
        ]
        for c in text_cols or []:
            cmd += ["--text-col", c]
        with Timer() as cli:
            subprocess.run(cmd, check=True)
    ann = labeljury.read_annotations(folder / "answers.csv")
    # matched to the annotations by id inside run (ids are text there; a reindex here
    # by ann.items would miss every numeric id)
    feats = pd.read_csv(file).set_index("item")
    if text_cols:
        feats = feats[text_cols]
    with Timer() as api:
        res = labeljury.run(ann, feats, text_cols=text_cols, progress=False)
    return {
        "case": name,
        "labeljury_s": cli.wall,
        "labeljury_cpu": cli.cpu,
        "api_s": api.wall,
        **_rounds(res),
        **cleanlab_pipeline(ann, feats.reset_index(drop=True), text_cols),
    }


def tutorial_case() -> dict[str, Any]:
    from labeljury.cli import tutorial_demo
    from labeljury.synth import make_tutorial_data

    with tempfile.TemporaryDirectory() as out, Timer() as t:
        tutorial_demo(0, out)
    d = make_tutorial_data(random_state=0)
    res = labeljury.run(d.annotations, d.features, progress=False)
    return {
        "case": "tutorial",
        "labeljury_s": t.wall,
        "labeljury_cpu": t.cpu,
        "api_s": np.nan,
        **_rounds(res),
        **cleanlab_pipeline(d.annotations, d.features, None),
    }


def large_case(repeat: int = 1) -> dict[str, Any]:
    """The 50k set, ``run`` in process ``repeat`` times: the median time and round ratios.

    A round's cost over the first is measured within each run (the same process,
    minutes apart), so a load that stays the same cancels; its CPU-time version
    (``cpu_seconds`` of the history) does not count the machine's other jobs at all.
    """
    ann, feats, _ = simulated_tabular(50_000, 20, 4, 0, separation=0.6)
    runs = []
    for _ in range(repeat):
        with Timer() as t:
            res = labeljury.run(ann, feats, progress=False)
        runs.append({"labeljury_s": t.wall, "labeljury_cpu": t.cpu, **_rounds(res)})
        print(
            "  tabular_50k run: "
            + " ".join(
                f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in runs[-1].items()
            ),
            flush=True,
        )
    median = {
        k: float(np.median([r[k] for r in runs]))
        for k in (
            "labeljury_s",
            "labeljury_cpu",
            "worst_round_over_first",
            "worst_round_over_first_cpu",
        )
    }
    return {
        "case": "tabular_50k",
        **runs[0],
        **median,
        "api_s": median["labeljury_s"],
        "repeats": repeat,
        **cleanlab_pipeline(ann, feats.reset_index(drop=True), None),
    }


def _rounds(res: Any) -> dict[str, Any]:
    sec = res.history["seconds"].to_numpy()
    cpu = res.history["cpu_seconds"].to_numpy()
    return {
        "rounds": len(sec),
        "stopped": res.rounds["stopped"],
        "model": res.model_metrics["model"],
        "worst_round_over_first": float(sec[1:].max() / sec[0]) if len(sec) > 1 else 1.0,
        "worst_round_over_first_cpu": float(cpu[1:].max() / cpu[0]) if len(cpu) > 1 else 1.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--data", type=Path, default=Path(os.environ.get("LABELJURY_DATA", "/work/shared/datasets"))
    )
    parser.add_argument("--cases", nargs="*", default=list(TARGETS))
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of the 50k case (medians reported)"
    )
    args = parser.parse_args()
    print(
        f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f} at the start"
    )
    rows = []
    for case in args.cases:
        if case in ("music_genre", "rte"):
            if not (args.data / case).exists():
                print(f"# {case}: not found under {args.data}; skipped")
                continue
            row = real_case(args.data, case)
        elif case == "tutorial":
            row = tutorial_case()
        elif case == "tabular_50k":
            row = large_case(args.repeat)
        else:
            raise SystemExit(f"unknown case {case!r}; choose from {list(TARGETS)}")
        row["ratio"] = row["labeljury_s"] / row["cleanlab_s"]
        row["cpu_ratio"] = row["labeljury_cpu"] / row["cleanlab_cpu"]
        row["target_s"] = TARGETS[case]
        row["load"] = os.getloadavg()[0]
        rows.append(row)
        print(
            " ".join(
                f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()
            ),
            flush=True,
        )
    from run_rounds import markdown

    print()
    print(markdown(pd.DataFrame(rows)))


if __name__ == "__main__":
    main()
