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
before) predicts more than ``max_fit_seconds`` (``sparsity_max_seconds`` for sparsity
runs) is not run and becomes a ``skipped`` row saying so: data sets run from
the smallest to the largest, so the rates are known before the large ones.
"""

from __future__ import annotations

import os
import platform
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..annotations import Annotations
from ..errors import InputError
from . import metrics as M
from .datasets import (
    SCENARIOS,
    BenchData,
    discover,
    find_data_root,
    load_real,
    make_scenario,
    subsample_per_item,
)
from .peers import PEERS, Contender, MethodOutput, labeljury_contender, peer_available

__all__ = ["QUICK", "BenchConfig", "default_contenders", "evaluate", "run_benchmark",
           "run_suite"]

LIFT_T = (10, 50, 100)

#: contenders run at the sparsity levels by default (all run on the full data)
SPARSITY_METHODS = ("labeljury", "crowdkit:DawidSkene", "cleanlab:crowdlab")

#: the --quick configuration: small data sets, a few methods and peers, one seed
QUICK = {
    "datasets": ("temp", "possent", "weather_sentiment_amt"),
    "scenarios": ("synth_tutorial",),
    "methods": ("majority_vote", "dawid_skene", "crowdlab", "jury", "dawid_skene+model",
                "crowdkit:MajorityVote", "crowdkit:DawidSkene", "crowdkit:Wawa",
                "cleanlab:majority_vote", "cleanlab:crowdlab"),
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
        Per-fit time budgets (predicted from measured rates) above which a
        contender is skipped and recorded as such.
    trace_max_seconds : float
        Memory is traced only for fits faster than this.
    memory : bool
        Measure peak memory on the full data.
    """

    data: list[Path] = field(default_factory=list)
    datasets: list[str] | None = None
    scenarios: list[str] = field(default_factory=lambda: list(SCENARIOS))
    methods: list[str] | None = None
    sparsity: tuple[int, ...] = (1, 2, 3, 5)
    seeds: int = 3
    sparsity_methods: list[str] | None = field(
        default_factory=lambda: list(SPARSITY_METHODS))
    max_fit_seconds: float = 30.0
    sparsity_max_seconds: float = 5.0
    trace_max_seconds: float = 2.0
    memory: bool = True
    quick: bool = False
    progress: bool = True


# ------------------------------------------------------------------ contenders
def _all_contender_names() -> list[str]:
    from ..methods import METHODS

    return [*METHODS, "dawid_skene+model", "glad+model", *PEERS]


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
    from ..methods import METHODS, _canonical

    wanted = list(names) if names is not None else _all_contender_names()
    out: list[Contender] = []
    for raw in wanted:
        name = raw.strip()
        group = name.lower()
        if group in ("labeljury", "ours"):
            out += default_contenders([*METHODS, "dawid_skene+model", "glad+model"])
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


# ------------------------------------------------------------------ evaluation
def evaluate(out: MethodOutput, ann: Annotations, gold: np.ndarray, mv_labels: np.ndarray
             ) -> dict[str, float]:
    """Every quality metric of one fit (see :mod:`labeljury.bench.metrics`).

    ``*_own``: the method's consensus quality score against its own label
    being wrong; ``*_mv``: the method's quality score *of the majority-vote
    label* against the majority-vote label being wrong (the CROWDLAB paper's
    protocol, same target for every method). Only items with a gold label count.
    """
    known = gold >= 0
    g = gold[known]
    labels = out.labels[known]
    wrong_own = labels != g
    q_own = out.quality[known]
    mvq = out.mv_quality if out.mv_quality is not None else \
        out.probas[np.arange(len(mv_labels)), mv_labels]
    wrong_mv = mv_labels[known] != g
    q_mv = np.asarray(mvq, float)[known]
    row: dict[str, float] = {"accuracy": M.accuracy(out.labels, gold)}
    for tag, target, score in (("own", wrong_own, q_own), ("mv", wrong_mv, q_mv)):
        row[f"auroc_{tag}"] = M.auroc(target, score)
        row[f"auprc_{tag}"] = M.auprc(target, score)
        for t in LIFT_T:
            row[f"lift{t}_{tag}"] = M.lift_at(target, score, t)
    fitted = out.annotations if out.annotations is not None else ann
    full_gold = gold
    if fitted.n_items != len(gold):  # never happens: model-annotator keeps the items
        raise InputError("annotations and gold disagree on the number of items")
    acc = M.annotator_accuracy(fitted.item, fitted.annotator, fitted.label, full_gold,
                               fitted.n_annotators)
    has = ~np.isnan(acc)
    scores = np.asarray(out.annotator_scores, float)
    row["spearman"] = M.spearman(scores[has], acc[has]) if has.sum() >= 3 else float("nan")
    row["ece"] = M.expected_calibration_error(q_own, ~wrong_own)
    row["ece_floor"] = M.ece_floor(q_own)
    return row


# ------------------------------------------------------------------ measuring
def _timed(fn: Callable[[], MethodOutput]) -> tuple[MethodOutput, float]:
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def _peak_mb(fn: Callable[[], Any]) -> float:
    tracemalloc.start()
    try:
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


def _model_pred_probs(data: BenchData, ann: Annotations, mv_labels: np.ndarray, seed: int,
                      full: bool = True) -> tuple[np.ndarray | None, str]:
    """Simulated pred_probs, or out-of-fold ones trained on ``mv_labels``.

    On the full data the model is chosen by cross-validated log loss among the
    built-in candidates; at the sparsity levels tabular features use the
    logistic candidate only (gradient-boosted trees on 10 classes, 13 times
    per data set, would dominate the suite's time).
    """
    if data.pred_probs is not None:
        return data.pred_probs, data.model
    if data.features is None:
        return None, "none"
    from ..model import out_of_fold_pred_probs

    model = "logistic" if not full and data.model == "oof:tabular" else "auto"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pp, info = out_of_fold_pred_probs(data.features, mv_labels, n_classes=ann.n_classes,
                                          random_state=seed, model=model)
    return pp, f"{data.model} ({info.model_name}, trained on majority vote)"


# ------------------------------------------------------------------ the loop
def _log(cfg: BenchConfig, msg: str) -> None:
    if cfg.progress:
        print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _load_all(cfg: BenchConfig) -> list[BenchData]:
    folders = discover(cfg.data) if cfg.data else []
    wanted = set(cfg.datasets) if cfg.datasets else None
    real = []
    for f in folders:
        if wanted is None or f.name in wanted:
            real.append(load_real(f))
    real.sort(key=lambda d: d.annotations.n_annotations)
    synth: list[BenchData] = []
    for s in cfg.scenarios:
        for d in make_scenario(s, 0):
            if wanted is None or d.name in wanted or s in wanted:
                synth.append(d)
    synth.sort(key=lambda d: d.annotations.n_annotations)
    return real + synth


def _variants(cfg: BenchConfig, data: BenchData) -> list[tuple[str, int]]:
    out = [("full", 0)]
    if data.annotations.n_annotations > 500_000:  # the scale scenario: full data only
        return out
    per_item = data.annotations.annotations_per_item().max()
    for r in cfg.sparsity:
        if r < per_item:
            out += [(str(r), s) for s in range(cfg.seeds)]
    return out


def run_suite(cfg: BenchConfig, contenders: Sequence[Contender] | None = None, *,
              checkpoint: Path | None = None) -> pd.DataFrame:
    """Run the benchmark described by ``cfg``; one row per (data set, variant, contender).

    Returns
    -------
    DataFrame
        Columns: ``dataset``, ``kind``, ``variant`` (``"full"`` or ``r``),
        ``seed``, ``method``, ``family``, ``uses_model``, ``status`` (``ok``,
        ``failed``, ``skipped``, ``n/a``), ``message``, sizes (``n_items``,
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
    contenders = list(contenders) if contenders is not None else \
        default_contenders(cfg.methods)
    datasets = _load_all(cfg)
    if not datasets:
        raise InputError("no data sets to run: pass --data DIR (or set LABELJURY_DATA) or "
                         "keep the synthetic scenarios")
    rate: dict[str, float] = {}  # contender -> seconds per annotation, last measured
    sparse_names = None if cfg.sparsity_methods is None else \
        {c.name for c in default_contenders(cfg.sparsity_methods)}
    needs_model: set[str] = set()  # model-aware methods found unable to run without one
    rows: list[dict[str, Any]] = []
    t_start = time.perf_counter()
    from ..methods import MajorityVote

    for data in datasets:
        _log(cfg, f"{data.name}: {data.annotations} ({data.kind}, model: {data.model})")
        for variant, seed in _variants(cfg, data):
            if variant == "full":
                ann = data.annotations
            else:
                ann = data.annotations.take(subsample_per_item(data.annotations, int(variant),
                                                               seed))
            gold = data.gold  # items are kept, in order, by subsampling
            mv_plain = MajorityVote().fit(ann).labels_
            pp, model_note = _model_pred_probs(data, ann, mv_plain, seed, variant == "full")
            mv_labels = MajorityVote().fit(ann, pp).labels_ if pp is not None else mv_plain
            base = {"dataset": data.name, "kind": data.kind, "variant": variant, "seed": seed,
                    "n_items": ann.n_items, "n_annotators": ann.n_annotators,
                    "n_annotations": ann.n_annotations, "n_classes": ann.n_classes,
                    "labels_per_item": ann.n_annotations / ann.n_items,
                    "n_gold": int((gold >= 0).sum()), "model": model_note,
                    "model_accuracy": M.accuracy(pp.argmax(axis=1), gold) if pp is not None
                    else float("nan")}
            budget = cfg.max_fit_seconds if variant == "full" else cfg.sparsity_max_seconds
            for c in contenders:
                row = {**base, "method": c.name, "family": c.family,
                       "uses_model": c.uses_model, "status": "ok", "message": "",
                       "time_s": float("nan"), "peak_mb": float("nan")}
                if not peer_available(c.package):
                    if variant == "full":
                        rows.append({**row, "status": "n/a",
                                     "message": f"n/a: {c.package} is not installed"})
                    continue
                if c.uses_model and pp is None and (c.family != "labeljury" or c.name in
                                                    needs_model or c.name.endswith("+model")):
                    if variant == "full":
                        rows.append({**row, "status": "n/a", "message": "n/a: no features"})
                    continue
                if variant != "full" and sparse_names is not None and \
                        c.name not in sparse_names:
                    continue
                predicted = rate.get(c.name, 0.0) * ann.n_annotations
                if predicted > budget:
                    rows.append({**row, "status": "skipped", "message":
                                 f"skipped: predicted {predicted:.0f} s > {budget:.0f} s per "
                                 "fit (rate measured on smaller data)"})
                    continue
                arg = pp if c.uses_model else None
                if ann.n_annotations >= 100_000:
                    _log(cfg, f"    {c.name} on {ann.n_annotations:,} annotations")
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        out, secs = _timed(lambda c=c, arg=arg, ann=ann: c.run(ann, arg))
                        row["time_s"] = secs
                        per_ann = secs / ann.n_annotations
                        rate[c.name] = min(rate.get(c.name, np.inf), per_ann)
                        if cfg.memory and variant == "full" and secs <= cfg.trace_max_seconds:
                            row["peak_mb"] = _peak_mb(
                                lambda c=c, arg=arg, ann=ann: c.run(ann, arg))
                    row.update(evaluate(out, ann, gold, mv_labels))
                except Exception as exc:  # a peer's failure is a result, not a crash
                    msg = f"{type(exc).__name__}: {exc}".replace("\n", " ")
                    if c.uses_model and pp is None and "pred_probs" in str(exc):
                        # a model-aware labeljury method that cannot run without a model
                        needs_model.add(c.name)
                        if variant == "full":
                            rows.append({**row, "status": "n/a", "message": "n/a: no features"})
                        continue
                    row.update(status="failed" if not str(exc).startswith("skipped") else
                               "skipped", message=msg[:300])
                rows.append(row)
            _log(cfg, f"  {data.name} variant={variant} seed={seed} done "
                      f"({time.perf_counter() - t_start:.0f} s so far)")
        if checkpoint is not None:
            pd.DataFrame(rows).to_csv(checkpoint, index=False)
    return pd.DataFrame(rows)


def run_benchmark(data: Sequence[str | os.PathLike[str]] | None = None, *,
                  methods: Sequence[str] | None = None, quick: bool = False,
                  seeds: int | None = None, out: str | os.PathLike[str] | None = None,
                  datasets: Sequence[str] | None = None,
                  scenarios: Sequence[str] | None = None,
                  sparsity: Sequence[int] | None = None, memory: bool = True,
                  progress: bool = True, write_docs: str | os.PathLike[str] | None = None,
                  command: str | None = None) -> pd.DataFrame:
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
    cfg = BenchConfig(data=roots, progress=progress, memory=memory, quick=quick)
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

        write_outputs(results, Path(out), cfg=cfg, wall_seconds=wall, command=command,
                      docs_path=write_docs)
    return results


def machine_info() -> dict[str, str]:
    """Machine, Python and library versions, for the report."""
    import importlib.metadata as md

    info = {"python": platform.python_version(), "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "cpus": str(os.cpu_count())}
    for pkg in ("labeljury", "numpy", "scipy", "pandas", "scikit-learn", "crowd-kit",
                "cleanlab", "matplotlib"):
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
