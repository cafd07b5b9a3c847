"""One data set's rows of the benchmark: its variants (the full data, then the
sparsity levels and seeds), the ``pred_probs`` of its model, and each contender
run in-process or in a forked child, skipped by its predicted time, or rescored
from a fit on the same annotations (the rules are in :mod:`~labeljury.bench.runner`'s
docstring).

Shared by the suite's loop (:func:`~labeljury.bench.runner.run_suite`) and the
generalization protocol (:mod:`~labeljury.bench.protocol`), which carry a
:class:`_State` from one data set to the next.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..annotations import Annotations
from . import metrics as M
from .config import BenchConfig
from .datasets import BenchData, subsample_per_item
from .execute import _rescored, _run_forked, _run_here
from .models import _model_pred_probs
from .peers import Contender, MethodOutput, peer_available


def _log(cfg: BenchConfig, msg: str) -> None:
    if cfg.progress:
        print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _variants(cfg: BenchConfig, data: BenchData) -> list[tuple[str, int]]:
    out = [("full", 0)]
    if data.annotations.n_annotations > 500_000:  # the scale scenario: full data only
        return out
    per_item = data.annotations.annotations_per_item().max()
    for r in cfg.sparsity:
        if r < per_item:
            out += [(str(r), s) for s in range(cfg.seeds)]
    return out


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
