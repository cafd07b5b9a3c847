"""``labeljury run``: train a model, iterate model-aware consensus, write everything."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..errors import InputError
from . import console
from ._read import read_answers_with_gold
from .aggregate import print_written
from .summary import frame_table, print_summary

__all__ = ["cmd_run"]


def cmd_run(args: argparse.Namespace) -> int:
    """``labeljury run``: train a model, iterate model-aware consensus, write everything."""
    if getattr(args, "multi_label", False):
        from ..multilabel.cli import cmd_run as multi_label_run

        return multi_label_run(args)
    import numpy as np

    from .._columns import _read_table
    from ..pipeline import run
    from ..pred_probs import sorted_item_order

    out = console(args.quiet)
    ann = read_answers_with_gold(args)
    if args.embeddings:
        sparse = str(args.embeddings).lower().endswith(".npz")
        try:
            if sparse:
                import scipy.sparse as sp

                emb = sp.load_npz(args.embeddings).tocsr()
            else:
                emb = np.load(args.embeddings, allow_pickle=False)
        except Exception as exc:  # numpy/scipy/zipfile each raise their own kind
            kind = "a scipy sparse .npz matrix" if sparse else "a .npy array"
            raise InputError(f"{args.embeddings}: cannot load as {kind} ({exc})") from exc
        if emb.dtype.kind not in "fiub":
            raise InputError(
                f"{args.embeddings}: an array of {emb.dtype} values; embeddings are "
                "numbers (for text or categories pass a table with --features)"
            )
        if emb.ndim not in (1, 2):
            raise InputError(
                f"{args.embeddings}: an array of shape {emb.shape}; it needs one "
                "row per item, in sorted item-id order"
            )
        if emb.shape[0] != ann.n_items:
            raise InputError(
                f"{args.embeddings}: {emb.shape[0]} rows for {ann.n_items} items "
                "(one row per item, in sorted item-id order)"
            )
        # row r of the file is the r-th item in sorted order, item order[r]; sparse
        # matrices and arrays alike take the inverse permutation
        features: Any = emb[np.argsort(sorted_item_order(ann))]
        id_col = None
    elif args.features:
        features = _read_table(args.features)
        id_col = args.features_id_col or args.item_col or _default_id_col(features, ann)
    else:
        raise InputError("labeljury run needs --features FILE or --embeddings FILE.npy")
    res = run(
        ann,
        features,
        method=args.method,
        text_cols=args.text_col,
        features_id_col=id_col,
        max_rounds=args.max_rounds,
        n_splits=args.folds,
        random_state=args.seed,
        progress=not args.quiet,
    )
    files = res.save(args.out, format=args.output_format, with_pred_probs=True)
    if not args.no_report:
        from ._report_inputs import class_names, item_table

        table = item_table(args, features if id_col is not None else None, id_col)
        files.append(
            res.report(Path(args.out) / "report.html", items=table, class_names=class_names(args))
        )
    print_summary(out, res)
    from .. import pipeline

    # how the rounds ended and the model's cross-validated metrics, where run() says so
    for line in getattr(pipeline, "run_lines", lambda res: [])(res):
        out.print(line)
    if res.history is not None:
        out.print(rounds_table(res.history))
    print_written(out, files)
    return 0


#: the history columns the terminal shows, with titles that fit 80 columns (all of them
#: are in ``Result.history``)
ROUND_COLUMNS = {
    "round": "round",
    "labels_changed": "changed",
    "consensus_change": "moved",
    "damped": "damped",
    "model_cv_accuracy": "model acc.",
    "heldout_loglik": "held-out ll",
    "seconds": "seconds",
    "kept": "kept",
}


def rounds_table(history: Any) -> Any:
    """The rounds as a rich table narrow enough for an 80-column terminal."""
    df = history[list(ROUND_COLUMNS)].rename(columns=ROUND_COLUMNS)
    return frame_table(df, "rounds")


def _default_id_col(features: Any, ann: Any) -> Any:
    """The features column holding item ids: named like an id, or the first column."""
    from .._columns import ITEM_NAMES, _find_column

    col = _find_column(list(features.columns), ITEM_NAMES)
    return col if col is not None else features.columns[0]
