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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from ..annotations import Annotations
from ..errors import InputError
from . import metrics as M
from .datasets import (
    DATA_ENV,
    SCENARIOS,
    BenchData,
    discover,
    find_data_root,
    load_real,
    make_scenario,
    subsample_per_item,
)
from .execute import _rescored, _run_forked, _run_here, evaluate
from .models import _model_pred_probs
from .peers import PEERS, Contender, MethodOutput, labeljury_contender, peer_available

__all__ = ["QUICK", "BenchConfig", "default_contenders", "evaluate", "run_benchmark", "run_suite"]

#: contenders run at the sparsity levels by default (all run on the full data)
SPARSITY_METHODS = ("labeljury", "crowdkit:DawidSkene", "cleanlab:crowdlab")

#: the --quick configuration: small data sets, a few methods and peers, one seed
QUICK = {
    "datasets": ("temp", "possent", "weather_sentiment_amt"),
    "scenarios": ("synth_tutorial",),
    "methods": (
        "majority_vote",
        "dawid_skene",
        "crowdlab",
        "jury",
        "dawid_skene+model",
        "crowdkit:MajorityVote",
        "crowdkit:DawidSkene",
        "crowdkit:Wawa",
        "cleanlab:majority_vote",
        "cleanlab:crowdlab",
    ),
    "sparsity": (1, 3),
    "seeds": 1,
}


@dataclass
class BenchConfig:
    """Everything that decides a benchmark run (recorded in the report).

    Attributes
    ----------
    data : list of path
        Data set folders, or folders of them.
    datasets : list of str, optional
        Keep only these data set names (real or synthetic).
    scenarios : list of str
        Synthetic scenarios from :data:`~.datasets.SCENARIOS`.
    methods : list of str, optional
        Contender names (see :func:`default_contenders`); None = all.
    sparsity : tuple of int
        Annotations kept per item in the sparsity protocol.
    sparsity_methods : list of str, optional
        Contenders (names or groups) also run at the sparsity levels; None =
        all. Default: labeljury's methods and the main peers (crowd-kit
        Dawid-Skene, cleanlab CROWDLAB), to keep the suite under 30 minutes.
    seeds : int
        Seeds per sparsity level.
    max_fit_seconds, sparsity_max_seconds : float
        Per-fit time budgets. A contender whose predicted time (from measured
        rates) is over ``skip_margin`` times its budget is skipped and recorded
        as such.
    skip_margin : float
        How far over its budget a prediction must be to skip the fit, so that
        timing noise does not decide which contenders run (>= 1).
    fit_timeout : float, optional
        Hard wall-clock limit, in seconds, for one fit (and its evaluation)
        on ``isolate_min_annotations`` annotations or more; None =
        ``skip_margin * max_fit_seconds``. A fit over it is killed: status
        ``timeout``.
    isolate_min_annotations : int
        Fits on at least this many annotations run in a forked child process
        under ``fit_timeout``; smaller ones run in-process, unlimited.
    trace_max_seconds : float
        Memory is traced only for fits faster than this.
    memory : bool
        Measure peak memory on the full data.
    threads : int, optional
        BLAS/OpenMP threads for the whole suite (threadpoolctl); None = the
        libraries' defaults.
    """

    data: list[Path] = field(default_factory=list)
    datasets: list[str] | None = None
    scenarios: list[str] = field(default_factory=lambda: list(SCENARIOS))
    methods: list[str] | None = None
    sparsity: tuple[int, ...] = (1, 2, 3, 5)
    seeds: int = 3
    sparsity_methods: list[str] | None = field(default_factory=lambda: list(SPARSITY_METHODS))
    max_fit_seconds: float = 30.0
    sparsity_max_seconds: float = 5.0
    skip_margin: float = 2.0
    fit_timeout: float | None = None
    isolate_min_annotations: int = 100_000
    trace_max_seconds: float = 2.0
    memory: bool = True
    threads: int | None = 1
    quick: bool = False
    progress: bool = True

    def __post_init__(self) -> None:
        if not self.skip_margin >= 1:
            raise InputError(f"skip_margin must be at least 1, got {self.skip_margin!r}")

    @property
    def timeout_seconds(self) -> float:
        """The hard limit per isolated fit: ``fit_timeout``, else the skip limit."""
        if self.fit_timeout is None:
            return float(self.skip_margin * self.max_fit_seconds)
        return float(self.fit_timeout)


# ------------------------------------------------------------------ contenders
def _benchmarked_methods() -> list[str]:
    """Every labeljury method but those that need gold: the benchmark withholds it."""
    from ..methods import METHODS, method_class

    return [name for name in METHODS if not method_class(name).needs_gold]


def _all_contender_names() -> list[str]:
    return [*_benchmarked_methods(), "dawid_skene+model", "glad+model", *PEERS]


def default_contenders(names: Iterable[str] | None = None) -> list[Contender]:
    """Contenders by name; None = every labeljury method, the two "+ model"
    baselines and every peer.

    Names: a labeljury method (``"dawid_skene"``), its "+ model" baseline
    (``"glad+model"``), a peer (``"crowdkit:GLAD"``, ``"cleanlab:crowdlab"``), or
    a group: ``"labeljury"``, ``"peers"``, ``"crowdkit"``, ``"cleanlab"``.

    Examples
    --------
    >>> [c.name for c in default_contenders(["mv", "cleanlab"])]
    ['majority_vote', 'cleanlab:majority_vote', 'cleanlab:crowdlab']
    """
    from ..methods import _canonical

    wanted = list(names) if names is not None else _all_contender_names()
    out: list[Contender] = []
    for raw in wanted:
        name = raw.strip()
        group = name.lower()
        if group in ("labeljury", "ours"):
            out += default_contenders([*_benchmarked_methods(), "dawid_skene+model", "glad+model"])
        elif group == "peers":
            out += list(PEERS.values())
        elif group in ("crowdkit", "crowd-kit", "cleanlab"):
            fam = "cleanlab" if group == "cleanlab" else "crowdkit"
            out += [c for n, c in PEERS.items() if n.startswith(fam + ":")]
        elif name in PEERS:
            out.append(PEERS[name])
        elif name.endswith("+model"):
            out.append(labeljury_contender(_canonical(name[:-6]), model_as_annotator=True))
        else:
            out.append(labeljury_contender(_canonical(name)))
    seen: set[str] = set()
    return [c for c in out if not (c.name in seen or seen.add(c.name))]


# ------------------------------------------------------------------ the loop
def _log(cfg: BenchConfig, msg: str) -> None:
    if cfg.progress:
        print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


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


def _variants(cfg: BenchConfig, data: BenchData) -> list[tuple[str, int]]:
    out = [("full", 0)]
    if data.annotations.n_annotations > 500_000:  # the scale scenario: full data only
        return out
    per_item = data.annotations.annotations_per_item().max()
    for r in cfg.sparsity:
        if r < per_item:
            out += [(str(r), s) for s in range(cfg.seeds)]
    return out


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


@dataclass
class _State:
    """What the suite carries from one data set to the next.

    Attributes
    ----------
    rate : dict
        Contender -> best seconds per annotation so far (a timeout sets a
        lower bound instead).
    sparse_names : set of str, optional
        Contenders run at the sparsity levels (None = all).
    needs_model : set of str
        Model-aware labeljury methods found unable to run without pred_probs.
    text_cache : dict
        Data set -> TF-IDF matrix and classifier, for its 13 variants.
    fits : dict
        ``(variant, seed)`` -> contender -> (output, time and memory) of the
        in-process fits of model-free contenders on ``fits_of``: data sets
        sharing one annotation set (synth_hardest with three simulated
        models) fit those contenders once and only rescore them, since the
        majority-vote label, hence the ``*_mv`` metrics, breaks ties with the
        model.
    """

    rate: dict[str, float] = field(default_factory=dict)
    sparse_names: set[str] | None = None
    needs_model: set[str] = field(default_factory=set)
    text_cache: dict[str, Any] = field(default_factory=dict)
    fits: dict[tuple[str, int], dict[str, tuple[MethodOutput, dict[str, float]]]] = field(
        default_factory=dict
    )
    fits_of: Annotations | None = None
    t_start: float = field(default_factory=time.perf_counter)


def _run_dataset(
    cfg: BenchConfig, data: BenchData, contenders: Sequence[Contender], st: _State
) -> list[dict[str, Any]]:
    """The rows of one data set, every variant (updates ``st``)."""
    from ..methods import MajorityVote

    rate, needs_model = st.rate, st.needs_model
    rows: list[dict[str, Any]] = []
    _log(cfg, f"{data.name}: {data.annotations} ({data.kind}, model: {data.model})")
    for variant, seed in _variants(cfg, data):
        if variant == "full":
            ann = data.annotations
        else:
            ann = data.annotations.take(subsample_per_item(data.annotations, int(variant), seed))
        gold = data.gold  # items are kept, in order, by subsampling
        mv_plain = MajorityVote().fit(ann).labels_
        t_model = time.perf_counter()
        pp, model_note = _model_pred_probs(
            data, ann, mv_plain, seed, variant == "full", st.text_cache
        )
        t_model = time.perf_counter() - t_model
        mv_labels = MajorityVote().fit(ann, pp).labels_ if pp is not None else mv_plain
        base = {
            "dataset": data.name,
            "kind": data.kind,
            "variant": variant,
            "seed": seed,
            "n_items": ann.n_items,
            "n_annotators": ann.n_annotators,
            "n_annotations": ann.n_annotations,
            "n_classes": ann.n_classes,
            "labels_per_item": ann.n_annotations / ann.n_items,
            "n_gold": int((gold >= 0).sum()),
            "model": model_note,
            "model_accuracy": M.accuracy(pp.argmax(axis=1), gold)
            if pp is not None
            else float("nan"),
        }
        budget = cfg.max_fit_seconds if variant == "full" else cfg.sparsity_max_seconds
        isolate = ann.n_annotations >= cfg.isolate_min_annotations
        trace_max = cfg.trace_max_seconds if cfg.memory and variant == "full" else None
        kept = st.fits.setdefault((variant, seed), {}) if st.fits_of is not None else None
        n_reused = 0
        for c in contenders:
            row = {
                **base,
                "method": c.name,
                "family": c.family,
                "uses_model": c.uses_model,
                "status": "ok",
                "message": "",
                "time_s": float("nan"),
                "peak_mb": float("nan"),
            }
            if not peer_available(c.package):
                if variant == "full":
                    rows.append(
                        {**row, "status": "n/a", "message": f"n/a: {c.package} is not installed"}
                    )
                continue
            if (
                c.uses_model
                and pp is None
                and (c.family != "labeljury" or c.name in needs_model or c.name.endswith("+model"))
            ):
                if variant == "full":
                    rows.append({**row, "status": "n/a", "message": "n/a: no features"})
                continue
            if variant != "full" and st.sparse_names is not None and c.name not in st.sparse_names:
                continue
            predicted = rate.get(c.name, 0.0) * ann.n_annotations
            if predicted > cfg.skip_margin * budget:
                rows.append(
                    {
                        **row,
                        "status": "skipped",
                        "message": f"skipped: predicted {predicted:.0f} s > "
                        f"{cfg.skip_margin:g} x {budget:.0f} s per fit (rate measured "
                        "on smaller data)",
                    }
                )
                continue
            arg = pp if c.uses_model else None
            if isolate:
                _log(cfg, f"    {c.name} on {ann.n_annotations:,} annotations")
                status, res, msg = _run_forked(
                    c, ann, arg, gold, mv_labels, trace_max, cfg.timeout_seconds
                )
            elif kept is not None and not c.uses_model and c.name in kept:
                status, res, msg = _rescored(kept[c.name], ann, gold, mv_labels)
                n_reused += 1
            else:
                status, res, msg = _run_here(
                    c, ann, arg, gold, mv_labels, trace_max, None if c.uses_model else kept
                )
            if status == "ok":
                rate[c.name] = min(rate.get(c.name, np.inf), res["time_s"] / ann.n_annotations)
            elif status == "timeout":
                # a lower bound on its rate: larger data later is skipped, not waited for
                rate[c.name] = max(rate.get(c.name, 0.0), cfg.timeout_seconds / ann.n_annotations)
            elif c.uses_model and pp is None and "pred_probs" in msg:
                # a model-aware labeljury method that cannot run without a model
                needs_model.add(c.name)
                if variant == "full":
                    rows.append({**row, "status": "n/a", "message": "n/a: no features"})
                continue
            if status == "failed" and msg.split(": ", 1)[-1].startswith("skipped"):
                status = "skipped"
            elif status == "failed" and c.family == "labeljury" and msg.startswith("ClassError"):
                # one of ours that is defined for fewer classes (KOS: two) is not
                # applicable to this data, not a failure
                status, msg = "n/a", f"n/a: {msg.split(': ', 1)[-1]}"
            row.update(res)
            row.update(status=status, message=msg[:300])
            rows.append(row)
        reused = f", {n_reused} fits reused" if n_reused else ""
        _log(
            cfg,
            f"  {data.name} variant={variant} seed={seed} done "
            f"({time.perf_counter() - st.t_start:.0f} s so far; model {t_model:.1f} s"
            f"{reused})",
        )
    return rows


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
