"""``labeljury aggregate --multi-label`` and ``labeljury run --multi-label``.

``labeljury.cli`` adds the options and calls these when ``--multi-label`` is
given; everything multi-label is imported here, on use.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import IdMismatchError, InputError, MissingColumnError, PredProbsError, preview
from .data import MultiLabelAnnotations

__all__ = ["cmd_aggregate", "cmd_run", "load_pred_probs", "read_answers"]

# options of the single-label reader that mean nothing for sets
_SINGLE_ONLY = (
    ("gold", "--gold"),
    ("items", "--items"),
    ("class_names", "--class-names"),
)


def read_answers(args: argparse.Namespace) -> MultiLabelAnnotations:
    """Read ANSWERS as multi-label: a long table, or a tool export that carries several choices."""
    for attr, flag in _SINGLE_ONLY:
        if getattr(args, attr, None):
            raise InputError(f"{flag} is not supported with --multi-label yet")
    from .. import io as lj_io
    from .reader import read_multilabel

    classes = list(args.classes) if args.classes else None
    fmt = getattr(args, "format", None) or "auto"
    if fmt == "auto":
        fmt = lj_io.sniff(args.answers)
    if fmt in ("table", "long"):
        return read_multilabel(
            args.answers,
            item_col=args.item_col,
            annotator_col=args.annotator_col,
            label_col=args.label_col,
            classes=classes,
            sep=args.label_sep,
        )
    if fmt == "wide":
        raise InputError(
            f"{args.answers}: --multi-label reads a long table (item, annotator, "
            "label columns; the label cell holds the set) or a tool export, not a "
            "wide table; name the columns with --item-col, --annotator-col, "
            "--label-col if they were not recognised"
        )
    return _read_tool(args, fmt, classes)


def _read_tool(
    args: argparse.Namespace, fmt: str, classes: list[str] | None
) -> MultiLabelAnnotations:
    from .. import io as lj_io

    ann, summary = lj_io.read(
        args.answers,
        format=fmt,
        question=args.question,
        keep_skipped=args.keep_skipped,
        classes=classes,
        return_summary=True,
        multi_label=True,
    )
    if not getattr(args, "quiet", False):
        from rich.console import Console

        Console(highlight=False).print(summary)
    return ann


def load_pred_probs(path: str, ann: MultiLabelAnnotations, id_col: str | None = None) -> np.ndarray:
    """Per-class probabilities from a ``.npy`` (rows in sorted item-id order) or a table.

    A table has the item id column plus one column per class name (the layout
    of ``class_quality.csv``); rows are matched to items by id.
    """
    if str(path).lower().endswith(".npy"):
        try:
            arr = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise PredProbsError(f"{path}: cannot load as a .npy array ({exc})") from exc
        # items are text and kept sorted, so sorted-id order is items order
        return np.asarray(arr)
    from .reader import _read_text_table

    df = _read_text_table(os.fspath(path))
    cols = [str(c) for c in df.columns]
    df.columns = cols
    if id_col is None:
        id_col = next((c for c in cols if c.lower() in ("item", "id", "item_id", "task")), cols[0])
    if id_col not in cols:
        raise MissingColumnError(
            f"{path}: no id column {id_col!r}; columns are {preview(cols, 10)}"
        )
    missing = [c for c in ann.classes if c not in cols]
    if missing:
        raise MissingColumnError(
            f"{path}: no column for class(es) {preview(missing)}; a "
            "pred_probs table has the item id column and one column per "
            "class"
        )
    ids = df[id_col].astype(str)
    if ids.duplicated().any():
        raise IdMismatchError(
            f"{path}: item(s) listed twice: {preview(ids[ids.duplicated()].tolist())}"
        )
    table = df.set_index(ids)[list(ann.classes)]
    absent = ann.items.difference(table.index)
    if len(absent):
        raise IdMismatchError(f"{path}: no row for item(s) {preview(absent.tolist())}")
    try:
        return table.reindex(ann.items).to_numpy(dtype=float)
    except ValueError as exc:
        raise PredProbsError(f"{path}: non-numeric probabilities ({exc})") from exc


def _print(console: Any, res: Any) -> None:
    from rich.table import Table

    s = res.summary()
    console.print(
        f"[bold]{s['method']}[/bold] (multi-label): {s['items']:,} items, "
        f"{s['annotations']:,} annotations, {s['annotators']:,} annotators, "
        f"{s['classes']} classes; mean consensus set size {s['mean_set_size']:.2f}"
    )
    console.print(
        f"mean probability the consensus set is right "
        f"{s['mean_consensus_quality']:.3f}; {s['items_below_0.5_quality']:,} items "
        f"below 0.5; {s['unanimous_items']:,} unanimous"
    )
    worst = res.annotator_stats.head(5)
    table = Table(title="lowest-quality annotators", title_justify="left")
    cols = [
        "annotator",
        "annotator_quality",
        "agreement_with_consensus",
        "num_examples_labeled",
        "worst_class",
    ]
    for col in cols:
        table.add_column(col)
    for row in worst[cols].itertuples(index=False):
        table.add_row(
            str(row[0]), *(f"{v:.3f}" if isinstance(v, float) else str(v) for v in row[1:])
        )
    console.print(table)


def cmd_aggregate(args: argparse.Namespace) -> int:
    """``labeljury aggregate --multi-label``."""
    from rich.console import Console

    from .result import aggregate

    console = Console(quiet=args.quiet, highlight=False)
    if getattr(args, "report", False) and args.out is None:
        raise InputError("--report writes report.html into --out DIR; give --out too")
    ann = read_answers(args)
    pp = load_pred_probs(args.pred_probs, ann, args.pred_probs_id_col) if args.pred_probs else None
    res = aggregate(ann, method=args.method, pred_probs=pp, sep=args.label_sep)
    _print(console, res)
    if args.out is None:
        console.print("no --out DIR given: nothing written")
        return 0
    files = res.save(args.out, format=args.output_format)
    if getattr(args, "report", False):
        files.append(res.report(Path(args.out) / "report.html"))
    console.print(f"wrote {', '.join(str(f) for f in files)}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """``labeljury run --multi-label``: one-vs-rest model with cross-validation, then Jury."""
    from rich.console import Console

    from .run import run

    console = Console(quiet=args.quiet, highlight=False)
    ann = read_answers(args)
    if args.embeddings:
        try:
            features: Any = np.load(args.embeddings, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise InputError(f"{args.embeddings}: cannot load as a .npy array ({exc})") from exc
        id_col = None
    elif args.features:
        from .reader import _read_text_table

        # read as text so ids keep their form ("007"); run turns number columns to numbers
        features = _read_text_table(args.features)
        id_col = args.features_id_col or args.item_col
    else:
        raise InputError("labeljury run needs --features FILE or --embeddings FILE.npy")
    res = run(
        ann,
        features,
        features_id_col=id_col,
        text_cols=args.text_col,
        max_rounds=args.max_rounds,
        n_splits=args.folds,
        random_state=args.seed,
        sep=args.label_sep,
    )
    files = res.save(args.out, format=args.output_format)
    pp_path = Path(args.out) / f"pred_probs.{args.output_format}"
    files.append(_save_pred_probs(res, pp_path))
    if not getattr(args, "no_report", False):
        files.append(res.report(Path(args.out) / "report.html"))
    _print(console, res)
    console.print(res.history.to_string(index=False))
    console.print(f"wrote {', '.join(str(f) for f in files)}")
    return 0


def _save_pred_probs(res: Any, path: Path) -> Path:
    import pandas as pd

    from .._files import atomic_write

    ann = res.annotations
    df = pd.concat(
        [
            pd.DataFrame({"item": ann.items}),
            pd.DataFrame(res.pred_probs, columns=list(ann.classes)),
        ],
        axis=1,
    )
    if path.suffix == ".parquet":
        return atomic_write(path, lambda t: df.to_parquet(t, index=False))
    return atomic_write(path, lambda t: df.to_csv(t, index=False))
