"""``labeljury.run``: majority vote -> train -> model-aware consensus -> retrain -> ...

Each round is one cross-validated fit of a classifier on the current soft
consensus (the features vectorised once, the model chosen once in round 1,
each fold warm-started where the learner allows: see
:class:`labeljury.model.CrossValModel`), then the model-aware method on its
out-of-fold probabilities. Rounds stop when the soft consensus stops moving,
are damped where they oscillate, and the round kept is chosen on annotations
held out from the fits that score them (the rules are in :mod:`labeljury._rounds`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from ._features import align_features, prepare_features
from ._rounds import (
    PATIENCE,
    Clock,
    Damper,
    RunProgress,
    best_so_far,
    choose_round,
    consensus_change,
    console_printer,
    describe_fold,
    heldout_loglik,
    holdout_halves,
)
from .annotations import read_annotations
from .errors import InputError, ParameterError
from .methods.base import Aggregator
from .result import Result, aggregate, resolve_method
from .validation import check_values

__all__ = ["align_features", "run", "run_lines"]


def run(
    annotations: Any,
    features: Any = None,
    *,
    method: str | Aggregator = "auto",
    model: Any = "auto",
    text_cols: Any = None,
    features_id_col: Any = None,
    max_rounds: int = 5,
    n_splits: int = 5,
    random_state: int = 0,
    progress: bool | Callable[[RunProgress], None] = True,
    pred_probs: Any = None,
    tol: float = 2e-3,
    n_jobs: int | None = None,
) -> Result:
    """Infer consensus labels with a model trained on the data, iterating until stable.

    Parameters
    ----------
    annotations : Annotations or anything :func:`labeljury.read_annotations` reads
    features : DataFrame, ndarray, scipy sparse matrix or path
        One row per item: a table of numeric / categorical / text columns
        (matched to items by ``features_id_col`` or its index), an array of
        embeddings or a sparse matrix (e.g. TF-IDF) in ``annotations.items``
        order, or a table file (CSV/TSV/Parquet, as ``labeljury run
        --features`` reads it: the id column is ``features_id_col``, else one
        named like an item id, else the first).
    method : str or Aggregator, default "auto"
        A model-aware method (takes ``pred_probs``): ``"auto"`` = ``"jury"``,
        or ``"crowdlab"``.
    model : "auto", str or scikit-learn classifier
        See :class:`labeljury.model.CrossValModel`; ``"auto"`` picks the model
        once, in round 1, by cross-validated log loss.
    text_cols : list of str, optional
        Columns of ``features`` holding free text (TF-IDF features).
    features_id_col : column name, optional
        Id column of a features table.
    max_rounds : int, default 5
        Train/aggregate rounds at most (one round = one cross-validated fit).
    n_splits : int, default 5
        Cross-validation folds.
    random_state : int, default 0
        Seeds the folds, the models and the held-out annotations: same inputs,
        same result.
    progress : bool or callable, default True
        ``True`` prints a line per round (and a live line per fold on a
        terminal) to stderr; a callable receives every
        :class:`~labeljury._rounds.RunProgress` event (rounds and folds out of
        their totals, with the estimated time left) instead.
    pred_probs : array, optional
        Start from these probabilities instead of training in round 1.
    tol : float, default 0.002
        Stop when the mean total-variation distance between two rounds'
        posteriors falls below this.
    n_jobs : int, optional
        Folds fitted side by side; default: the cores idle now
        (:func:`labeljury.model.idle_cores`).

    Returns
    -------
    Result
        With ``pred_probs`` (the kept round's, out-of-fold), ``model`` (refit
        on the kept consensus), ``model_metrics`` (the kept round's
        cross-validated accuracy, log loss and ECE against the consensus it
        was trained on, the model's name and the candidates' log losses),
        ``rounds`` (rounds run, kept round and why, how it stopped:
        ``"converged"``, ``"no held-out gain"`` after :data:`~labeljury._rounds.PATIENCE`
        rounds without a better held-out score, ``"round limit"``, or ``"no features to
        retrain on"`` with ``pred_probs`` and no features) and
        ``history`` (one row per round: ``round``, ``labels_changed``,
        ``consensus_change``, ``damped``, ``model_cv_accuracy``,
        ``model_log_loss``, ``heldout_loglik``, ``model_weight`` (the method's
        ``describe()["model_weight"]``; NaN if it has none), ``seconds``,
        ``cpu_seconds``, ``kept``).

    Examples
    --------
    >>> from labeljury.synth import make_tutorial_data
    >>> data = make_tutorial_data(random_state=0)
    >>> res = run(data.annotations, data.features, max_rounds=2, progress=False)
    >>> res.history.columns.tolist()[:4]
    ['round', 'labels_changed', 'consensus_change', 'damped']
    >>> res.rounds["stopped"] in ("converged", "round limit")
    True
    """
    from sklearn.base import clone

    from .model import CrossValModel, idle_cores

    check_values(
        "run",
        {
            "max_rounds": max_rounds,
            "n_splits": n_splits,
            "random_state": random_state,
            "tol": tol,
            "n_jobs": n_jobs,
        },
    )
    if not (isinstance(progress, bool) or callable(progress)):
        raise ParameterError(
            f"run(progress={progress!r}): progress must be True, False or a function "
            "called with each RunProgress"
        )
    started = time.perf_counter()
    ann = read_annotations(annotations)
    if max_rounds < 1:
        raise InputError(f"max_rounds must be at least 1, got {max_rounds}")
    est = resolve_method(method, pred_probs=True)
    if not est.uses_pred_probs:
        raise InputError(
            f"method {type(est).__name__} does not use a model's pred_probs; run() "
            "needs a model-aware method such as 'crowdlab'"
        )
    if features is None and pred_probs is None:
        raise InputError("run() needs features to train a model on (or pred_probs)")
    feats, text_cols = prepare_features(features, ann, features_id_col, text_cols)

    cvm = (
        None
        if feats is None
        else CrossValModel(
            feats,
            n_classes=ann.n_classes,
            model=model,
            n_splits=n_splits,
            random_state=random_state,
            kind="text" if text_cols else "auto",
            n_jobs=idle_cores() if n_jobs is None else n_jobs,
        )
    )
    report = console_printer() if progress is True else (progress or None)
    clock = Clock(max_rounds, n_splits)
    halves = holdout_halves(ann, random_state)
    held = halves[0] | halves[1]
    # per half: the annotations its fit sees, and the held-out ones it is scored on
    splits = [
        (ann.take(~h, drop_unused=False), (ann.item[h], ann.annotator[h], ann.label[h]))
        for h in halves
    ]

    mv = aggregate(ann, method="majority_vote").method
    labels, targets, posterior = mv.labels_, mv.labels_, mv.probas_  # round 0: majority vote
    damper = Damper()
    history: list[dict[str, Any]] = []
    kept: list[dict[str, Any]] = []  # per round: what the kept round needs
    scores: list[np.ndarray] = []
    stopped = "round limit"
    for rnd in range(1, max_rounds + 1):
        t0, c0 = time.perf_counter(), time.process_time()
        info = None
        if rnd > 1 and cvm is None:
            stopped = "no features to retrain on"
            break
        if rnd == 1 and pred_probs is not None:
            from .pred_probs import align_pred_probs

            probs = align_pred_probs(pred_probs, ann)
        else:
            assert cvm is not None

            on_fold = _fold_reporter(report, clock, cvm, rnd, max_rounds, started)
            raw, info = cvm.fit_oof(targets, on_fold=on_fold)
            probs = damper.mix(raw, kept[-1]["probs"] if kept else None)
        t_fit = time.perf_counter()
        est = clone(resolve_method(method, probs)).fit(ann, probs)
        changed = int(np.sum(est.labels_ != labels))
        change = consensus_change(est.probas_, posterior)
        damped = damper.on and info is not None and len(kept) > 0
        if rnd > 1:
            damper.observe(change)
        # the same fit without each half's held-out annotations scores this round honestly
        scored = []
        for train, test in splits:
            val = clone(resolve_method(method, probs)).fit(train, probs)
            scored.append(heldout_loglik(val.probas_, train, *test))
        scores.append(np.concatenate(scored))
        metrics = {} if info is None else info.metrics
        history.append(
            {
                "round": rnd,
                "labels_changed": changed,
                "consensus_change": change,
                "damped": damped,
                "model_cv_accuracy": metrics.get("cv_accuracy", np.nan),
                "model_log_loss": metrics.get("cv_log_loss", np.nan),
                "heldout_loglik": float(scores[-1].mean()) if len(scores[-1]) else np.nan,
                "model_weight": float(est.describe().get("model_weight", np.nan)),
                "seconds": time.perf_counter() - t0,
                # CPU seconds of this process (all its threads): on a shared machine the
                # wall clock also counts the other jobs
                "cpu_seconds": time.process_time() - c0,
                "kept": False,
            }
        )
        kept.append({"probs": probs, "info": info, "targets": targets, "est": est})
        clock.round_overhead.append(time.perf_counter() - t_fit)
        if report:
            h = history[-1]
            report(
                RunProgress(
                    event="round",
                    round=rnd,
                    max_rounds=max_rounds,
                    fold=0,
                    n_folds=n_splits,
                    model=getattr(cvm, "chosen_", None) or "given pred_probs",
                    elapsed=time.perf_counter() - started,
                    eta=clock.eta(rnd, 0),
                    message=f"round {rnd}/{max_rounds}: {changed} labels changed, consensus "
                    f"moved {change:.4f} (stop below {tol:g})"
                    + (f", model accuracy {h['model_cv_accuracy']:.3f}" if info else "")
                    + (", damped" if damped else "")
                    + f", held-out log-lik {h['heldout_loglik']:.4f}",
                )
            )
        labels, targets, posterior = est.labels_, est.probas_, est.probas_
        if rnd > 1 and change < tol:
            stopped = "converged"
            break
        if rnd - best_so_far(scores) >= PATIENCE:
            stopped = "no held-out gain"
            break
    best, why = choose_round(scores)
    history[best - 1]["kept"] = True
    choice = kept[best - 1]
    res = aggregate(ann, method=method, pred_probs=choice["probs"])
    res.history = pd.DataFrame(history)
    res.rounds = {
        "rounds": len(history),
        "max_rounds": max_rounds,
        "stopped": stopped,
        "final_change": history[-1]["consensus_change"],
        "tol": tol,
        "kept_round": best,
        "kept_because": why,
        "heldout_annotations": int(held.sum()),
    }
    info = choice["info"]
    if info is not None and cvm is not None:
        # the model that made the kept round's probabilities, refit on every item
        res.model = cvm.refit(choice["targets"])
        res.model_metrics = {
            "model": info.model_name,
            "kind": info.kind,
            **info.metrics,
            "temperature": info.temperature,
            "candidates_log_loss": dict(kept[0]["info"].cv_log_loss),
            "trained_on_round": best - 1,
        }
    res.extra["model_info"] = info
    if report and progress is True:
        report(
            RunProgress(
                event="round",
                round=len(history),
                max_rounds=max_rounds,
                fold=0,
                n_folds=n_splits,
                model=getattr(cvm, "chosen_", None) or "",
                elapsed=time.perf_counter() - started,
                eta=0.0,
                message=f"{stopped} after {len(history)} round(s) in "
                f"{time.perf_counter() - started:.1f} s; kept round "
                f"{best}: {why}",
            )
        )
    return res


def _fold_reporter(
    report: Any, clock: Clock, cvm: Any, rnd: int, max_rounds: int, started: float
) -> Any:
    """The ``on_fold`` callback of one round: times the fold, reports it with the time left."""

    def on_fold(name: str, fold: int, n_folds: int, seconds: float) -> None:
        clock.fold_seconds.append(seconds)
        if not report:
            return
        left = n_folds - fold - 1
        if cvm.chosen_ is None:  # round 1: the candidates after this one are still to come
            names = cvm.candidates
            left += n_folds * (len(names) - 1 - names.index(name))
        p = {
            "event": "fold",
            "round": rnd,
            "max_rounds": max_rounds,
            "fold": fold + 1,
            "n_folds": n_folds,
            "model": name,
            "elapsed": time.perf_counter() - started,
            "eta": clock.eta(rnd, left),
        }
        report(RunProgress(**p, message=describe_fold(p)))

    return on_fold


def run_lines(res: Result) -> list[str]:
    """What :func:`run` did, in a few plain lines for the terminal (the CLI prints them).

    Examples
    --------
    >>> from labeljury.synth import make_tutorial_data
    >>> data = make_tutorial_data(random_state=0)
    >>> res = run(data.annotations, data.features, max_rounds=1, progress=False)
    >>> run_lines(res)[0]
    'rounds: 1 of at most 1, stopped at the round limit with the consensus still moving ...'
    """
    lines = []
    r, m = res.rounds, res.model_metrics
    if r is not None:
        how = {
            "converged": "the consensus converged",
            "no held-out gain": f"the held-out score stopped improving for {PATIENCE} rounds",
        }.get(
            r["stopped"],
            f"stopped at the round limit with the consensus still moving "
            f"(mean change {r['final_change']:.4f}, tolerance {r['tol']:g}; "
            "raise --max-rounds to go on)",
        )
        lines.append(f"rounds: {r['rounds']} of at most {r['max_rounds']}, {how}")
        lines.append(f"kept round {r['kept_round']}: {r['kept_because']}")
    if m is not None:
        lines.append(
            f"model: {m['model']} ({m['kind']}), cross-validated against the consensus it "
            f"learned: accuracy {m['cv_accuracy']:.3f}, log loss {m['cv_log_loss']:.3f}, "
            f"calibration error (ECE) {m['cv_ece']:.3f}"
        )
    return lines
