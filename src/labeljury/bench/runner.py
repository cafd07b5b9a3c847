"""Run contenders x data sets x sparsity levels and collect one row per fit.

Protocol, per data set:

1. the *full* data: every contender once (seed 0), timed with
   :func:`time.perf_counter`, then run again under :mod:`tracemalloc` for its
   peak memory (Python and numpy allocations; skipped when the timed run took
   longer than ``trace_max_seconds``);
2. the *sparsity* levels: for each ``r`` in ``sparsity`` and each seed, at most
   ``r`` random annotations kept per item (:func:`~.datasets.subsample_per_item`),
   the contenders of ``sparsity_methods`` run again (timed only).

``pred_probs`` for model-aware contenders come from the data set's features
(out-of-fold, :func:`labeljury.model.out_of_fold_pred_probs`, trained on the
majority vote of exactly the annotations the contenders see) or from its
simulated model (synthetic scenarios); the same array goes to every contender.
Real data sets without features get one ``n/a`` row per model-aware contender
that cannot run without ``pred_probs`` (labeljury's model-aware methods that can,
such as ``jury``, run on the annotations alone there).

A contender that raises becomes a ``failed`` row with its message. A contender
whose best time per annotation so far (measured on the smaller data sets run
before) predicts more than ``skip_margin`` times ``max_fit_seconds``
(``sparsity_max_seconds`` for sparsity runs) is not run and becomes a ``skipped``
row saying so: data sets run from the smallest to the largest, so the rates are
known before the large ones. The margin is there because the prediction is rough
(a best rate measured on a busy machine, on other data): with no margin, crowd-kit's
GLAD and MACE on adult (predicted 31 and 38 s against 30 s; 68 and 20 s when run)
ran in one run and were skipped in the next, and the tables changed with them.

That prediction is linear in the number of annotations and misses peers whose
time grows faster, so fits on ``isolate_min_annotations`` annotations or more
also run in a forked child process with a hard wall-clock limit (``fit_timeout``,
default ``skip_margin`` times ``max_fit_seconds``): a child still running then is
killed and the row becomes ``timeout``; a child that dies (killed for memory,
a crash in native code) becomes a ``failed`` row saying how it ended. Smaller
fits run in-process, where forking would cost more than the fit.

Data sets that share one annotation set (``synth_hardest`` with its three
simulated models) fit the contenders that use no model once per variant; the
other data sets rescore that fit, since the majority-vote label behind the
``*_mv`` metrics breaks ties with the model.

The configuration and the contenders by name are in :mod:`~labeljury.bench.config`
(re-exported here), one data set's rows in :mod:`~labeljury.bench.dataset_run`.

The suite runs with ``threads`` BLAS/OpenMP threads (1 by default): every
contender single-threaded, which on a shared two-core machine is also the
fastest -- idle worker threads spin against other processes and made small
numpy/scikit-learn fits 10 to 100 times slower.
"""

from __future__ import annotations

import contextlib
import os
import platform
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from threadpoolctl import threadpool_limits

from ..errors import InputError
from .config import QUICK, BenchConfig, default_contenders
from .dataset_run import _run_dataset, _State
from .datasets import (
    DATA_ENV,
    SCENARIOS,
    BenchData,
    discover,
    find_data_root,
    load_real,
    make_scenario,
)
from .execute import evaluate
from .peers import Contender

__all__ = ["QUICK", "BenchConfig", "default_contenders", "evaluate", "run_benchmark", "run_suite"]


def _load_all(cfg: BenchConfig) -> tuple[list[BenchData], list[str]]:
    """The data sets to run, and the names asked for that were found nowhere.

    A real data set named in ``cfg.datasets`` but absent from ``cfg.data`` is
    read from labeljury's built-in copy when it ships one
    (:data:`labeljury.datasets.BUILTIN`), and otherwise reported missing.
    """
    from ..datasets import BUILTIN

    folders = discover(cfg.data) if cfg.data else []
    wanted = set(cfg.datasets) if cfg.datasets else None
    real = []
    for f in folders:
        if wanted is None or f.name in wanted:
            real.append(load_real(f))
    found = {d.name for d in real}
    missing = []
    if wanted is not None:
        scenario_like = [
            w for w in wanted if any(w == s or w.startswith(s + "_") for s in SCENARIOS)
        ]
        for name in sorted(wanted - found - set(scenario_like)):
            if name in BUILTIN:
                real.append(load_real(Path(__file__).parent.parent / "data" / name))
            else:
                missing.append(name)
    real.sort(key=lambda d: d.annotations.n_annotations)
    synth: list[BenchData] = []
    for s in cfg.scenarios:
        if wanted is not None and not any(w == s or w.startswith(s + "_") for w in wanted):
            continue  # not built at all: synth_large alone takes seconds and 100s of MB
        for d in make_scenario(s, 0):
            if wanted is None or d.name in wanted or s in wanted:
                synth.append(d)
    synth.sort(key=lambda d: d.annotations.n_annotations)
    return real + synth, missing


def run_suite(
    cfg: BenchConfig,
    contenders: Sequence[Contender] | None = None,
    *,
    checkpoint: Path | None = None,
) -> pd.DataFrame:
    """Run the benchmark described by ``cfg``; one row per (data set, variant, contender).

    Returns
    -------
    DataFrame
        Columns: ``dataset``, ``kind``, ``variant`` (``"full"`` or ``r``),
        ``seed``, ``method``, ``family``, ``uses_model``, ``status`` (``ok``,
        ``failed``, ``skipped``, ``timeout``, ``n/a``), ``message``, sizes (``n_items``,
        ``n_annotators``, ``n_annotations``, ``n_classes``, ``labels_per_item``,
        ``n_gold``), ``model`` and ``model_accuracy`` (of ``argmax(pred_probs)``
        on gold), the metrics of :func:`evaluate`, ``time_s`` and ``peak_mb``.
        Read a saved copy with ``keep_default_na=False`` so that the status
        ``n/a`` stays a string.

    Other Parameters
    ----------------
    checkpoint : Path, optional
        CSV rewritten after each data set with the rows so far.
    """
    contenders = list(contenders) if contenders is not None else default_contenders(cfg.methods)
    datasets, missing = _load_all(cfg)
    if missing:
        where = ", ".join(str(d) for d in cfg.data) or "no data folder"
        print(
            f"[bench] real data sets not found ({where}; pass --data DIR or set "
            f"{DATA_ENV}): {', '.join(missing)}",
            file=sys.stderr,
            flush=True,
        )
    if not datasets:
        raise InputError(
            "no data sets to run: pass --data DIR (or set LABELJURY_DATA) or "
            "keep the synthetic scenarios"
        )
    st = _State(
        sparse_names=None
        if cfg.sparsity_methods is None
        else {c.name for c in default_contenders(cfg.sparsity_methods)}
    )
    uses = Counter(id(d.annotations) for d in datasets)
    rows: list[dict[str, Any]] = []
    limits = (
        threadpool_limits(limits=cfg.threads)
        if cfg.threads is not None
        else contextlib.nullcontext()
    )
    with limits:
        for data in datasets:
            if data.annotations is not st.fits_of:
                st.fits.clear()  # fits are kept only while their annotations are shared
                st.fits_of = data.annotations if uses[id(data.annotations)] > 1 else None
            rows += _run_dataset(cfg, data, contenders, st)
            st.text_cache.pop(data.name, None)
            if checkpoint is not None:
                pd.DataFrame(rows).to_csv(checkpoint, index=False)
    results = pd.DataFrame(rows)
    # the report and `labeljury bench` say which asked-for data sets were not run
    results.attrs["missing_datasets"] = missing
    return results


def run_benchmark(
    data: Sequence[str | os.PathLike[str]] | None = None,
    *,
    methods: Sequence[str] | None = None,
    quick: bool = False,
    seeds: int | None = None,
    out: str | os.PathLike[str] | None = None,
    datasets: Sequence[str] | None = None,
    scenarios: Sequence[str] | None = None,
    sparsity: Sequence[int] | None = None,
    memory: bool = True,
    progress: bool = True,
    write_docs: str | os.PathLike[str] | None = None,
    command: str | None = None,
    timeout: float | None = None,
    threads: int | None = 1,
) -> pd.DataFrame:
    """Run the benchmark and, with ``out``, write results, tables, plots and the report.

    Parameters
    ----------
    data : list of path, optional
        Data set folders or folders of them; default: :func:`~.datasets.find_data_root`.
    methods : list of str, optional
        Contender names or groups (see :func:`default_contenders`); default all
        (``--quick``: a few).
    quick : bool
        The small configuration :data:`QUICK` (under two minutes).
    seeds : int, optional
        Seeds per sparsity level (default 3; 1 with ``quick``).
    out : path, optional
        Folder for ``results.csv``, ``summary.csv``, ``tables.md``, PNG plots and
        ``benchmarks.md``.
    datasets, scenarios, sparsity : optional
        Restrict data set names, choose scenarios, choose ``r`` levels.
    memory : bool
        Measure peak memory (tracemalloc) on the full data.
    progress : bool
        Log progress to stderr.
    write_docs : path, optional
        Also write the report there (e.g. ``docs/benchmarks.md``).
    command : str, optional
        The command line to record in the report.
    timeout : float, optional
        Hard limit in seconds per fit on large inputs (``BenchConfig.fit_timeout``;
        default ``max_fit_seconds``).
    threads : int or None, default 1
        BLAS/OpenMP threads (``BenchConfig.threads``; None = the libraries'
        defaults).

    Returns
    -------
    DataFrame
        The results (see :func:`run_suite`).
    """
    if data:
        roots = [Path(d) for d in data]
    else:
        root = find_data_root()
        roots = [root] if root is not None else []
    cfg = BenchConfig(data=roots, progress=progress, memory=memory, quick=quick, threads=threads)
    if quick:
        cfg.datasets = list(QUICK["datasets"]) + list(QUICK["scenarios"])
        cfg.scenarios = list(QUICK["scenarios"])
        cfg.methods = list(QUICK["methods"])
        cfg.sparsity = tuple(QUICK["sparsity"])
        cfg.seeds = int(QUICK["seeds"])
        cfg.sparsity_methods = None
    if datasets is not None:
        cfg.datasets = list(datasets)
    if scenarios is not None:
        cfg.scenarios = list(scenarios)
    if methods is not None:
        cfg.methods = list(methods)
    if sparsity is not None:
        cfg.sparsity = tuple(int(r) for r in sparsity)
    if seeds is not None:
        cfg.seeds = int(seeds)
    if timeout is not None:
        cfg.fit_timeout = float(timeout)
    t0 = time.perf_counter()
    checkpoint = None
    if out is not None:
        Path(out).mkdir(parents=True, exist_ok=True)
        checkpoint = Path(out) / "results.partial.csv"
    results = run_suite(cfg, checkpoint=checkpoint)
    if checkpoint is not None:
        checkpoint.unlink(missing_ok=True)
    wall = time.perf_counter() - t0
    if out is not None:
        from .report import write_outputs

        write_outputs(
            results, Path(out), cfg=cfg, wall_seconds=wall, command=command, docs_path=write_docs
        )
    return results


def machine_info() -> dict[str, str]:
    """Machine, Python and library versions, for the report."""
    import importlib.metadata as md

    info = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": str(os.cpu_count()),
    }
    for pkg in (
        "labeljury",
        "numpy",
        "scipy",
        "pandas",
        "scikit-learn",
        "crowd-kit",
        "cleanlab",
        "matplotlib",
    ):
        try:
            info[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            info[pkg] = "not installed"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["processor"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return info
