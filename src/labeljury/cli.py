"""The ``labeljury`` command.

Examples
--------
>>> from labeljury.cli import main
>>> main(["methods", "--plain"])  # doctest: +ELLIPSIS
majority_vote ...
0
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .errors import InputError, LabeljuryError

__all__ = ["build_parser", "main"]

def _console(quiet: bool = False) -> Any:
    from rich.console import Console

    return Console(quiet=quiet, highlight=False)


def _parse_classes(values: Sequence[str] | None) -> list[Any] | None:
    """CLI classes arrive as text; numbers that are all integers become ints."""
    if not values:
        return None
    try:
        return [int(v) for v in values]
    except ValueError:
        return list(values)


def read_answers(args: argparse.Namespace) -> Any:
    """Read ANSWERS: a plain long/wide table, or a labeling tool's export (sniffed)."""
    from . import io as lj_io
    from .annotations import read_annotations

    fmt = getattr(args, "format", None) or "auto"
    if fmt == "auto":
        fmt = lj_io.sniff(args.answers)
    if fmt in ("table", "long", "wide"):
        return read_annotations(args.answers, layout=fmt if fmt != "table" else "auto",
                                item_col=args.item_col, annotator_col=args.annotator_col,
                                label_col=args.label_col, classes=_parse_classes(args.classes),
                                duplicates=args.duplicates)
    ann, summary = lj_io.read(args.answers, format=fmt, question=args.question,
                              keep_skipped=args.keep_skipped,
                              classes=_parse_classes(args.classes), return_summary=True)
    if not getattr(args, "quiet", False):
        _console().print(summary)
    return ann


def read_answers_with_gold(args: argparse.Namespace) -> Any:
    """:func:`read_answers`, then the ``--gold`` file's classes attached, if given."""
    ann = read_answers(args)
    return ann if not getattr(args, "gold", None) else read_gold(args.gold, ann)


def read_gold(path: str, ann: Any) -> Any:
    """Attach the known classes of a gold file to ``ann`` (``Annotations.with_gold``).

    The file is a table with an item id column (named like one, else the first
    column) and a class column (``gold``, ``truth``, ``true_label`` or a label-like
    name, else the other column). Rows with an empty class are ignored; an item
    listed twice with different classes, an unknown item or an unknown class is
    an error naming them.

    Examples
    --------
    >>> import os, tempfile
    >>> from labeljury import Annotations
    >>> ann = Annotations.from_arrays(["q1", "q1", "q2"], ["a", "b", "a"], ["cat", "dog", "dog"])
    >>> path = os.path.join(tempfile.mkdtemp(), "gold.csv")
    >>> _ = open(path, "w").write("item,gold\\nq1,cat\\n")
    >>> read_gold(path, ann).gold.tolist()
    [0, -1]
    """
    import pandas as pd

    from .annotations import ITEM_NAMES, LABEL_NAMES, _find_column, _read_table
    from .errors import preview
    from .review.reviews import as_gold_table

    df = as_gold_table(_read_table(path))  # a review app's reviews.csv: its decisions
    cols = list(df.columns)
    if len(cols) < 2:
        raise InputError(f"{path}: a gold file needs an item id column and a class column; "
                         f"found {cols}")
    item_col = _find_column(cols, ITEM_NAMES) or cols[0]
    label_col = _find_column(cols, ("gold", "truth", "true_label", "gold_label", *LABEL_NAMES),
                             exclude=[item_col]) or next(c for c in cols if c != item_col)
    df = df[[item_col, label_col]].dropna(subset=[label_col])
    if df.empty:
        raise InputError(f"{path}: no gold classes in column {label_col!r}")
    clash = df.groupby(item_col)[label_col].nunique()
    if (clash > 1).any():
        raise InputError(f"{path}: items with two different gold classes: "
                         f"{preview(clash.index[clash > 1].tolist())}")
    df = df.drop_duplicates(subset=[item_col])
    gold = pd.Series(df[label_col].to_numpy(), index=pd.Index(df[item_col].to_numpy()))
    try:
        return ann.with_gold(gold)
    except InputError as exc:
        raise type(exc)(f"{path}: {exc}") from exc


def _add_read_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("answers", metavar="ANSWERS",
                   help="annotations: a long table (one row per annotation), a wide table (one "
                        "column per annotator), or a labeling-tool export")
    p.add_argument("--format", default="auto",
                   help="input format: auto (sniffed, default), table, long, wide, or a tool: "
                        "label_studio, mturk, sagemaker, prodigy, argilla, toloka, crowdflower, "
                        "labelbox, doccano (see docs/io.md)")
    p.add_argument("--question", default=None,
                   help="tool exports with several questions: the field that holds the class")
    p.add_argument("--item-col", default=None, help="item id column (default: recognised)")
    p.add_argument("--annotator-col", default=None,
                   help="annotator id column (default: recognised)")
    p.add_argument("--label-col", default=None, help="label column (default: recognised)")
    p.add_argument("--classes", nargs="+", default=None,
                   help="all classes in order, including ones nobody chose")
    p.add_argument("--keep-skipped", action="store_true",
                   help="tool exports: keep skipped, cancelled, rejected and draft annotations "
                        "that carry a label (excluded and counted by default)")
    p.add_argument("--gold", default=None, metavar="FILE",
                   help="known classes of some items (a table: item id, class); they are "
                        "pinned in the consensus and, with 20 or more, calibrate Jury's "
                        "consensus quality scores")
    p.add_argument("--duplicates", default="keep", choices=["keep", "first", "last", "error"],
                   help="an annotator labeling an item twice: keep both votes (default), keep "
                        "the first or last, or stop with an error")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``labeljury`` command."""
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="labeljury",
        description="Consensus labels, label quality and annotator quality for data labeled by "
                    "several annotators.")
    parser.add_argument("--version", action="version", version=f"labeljury {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    agg = sub.add_parser("aggregate", help="infer consensus labels and quality scores",
                         description="Infer consensus labels and write label_quality.csv, "
                                     "detailed_label_quality.csv and annotator_stats.csv.")
    _add_read_options(agg)
    agg.add_argument("--method", default="auto",
                     help="aggregation method (see `labeljury methods`); default 'auto' = "
                          "'jury', labeljury's own method, with or without --pred-probs")
    agg.add_argument("--pred-probs", default=None, metavar="FILE",
                     help="a model's out-of-sample probabilities: a .npy array with one row per "
                          "item in SORTED item-id order and one column per class in class order, "
                          "or a CSV/Parquet table with the item id column plus one column per "
                          "class name (rows matched by id)")
    agg.add_argument("--pred-probs-id-col", default=None,
                     help="item id column of a --pred-probs table (default: recognised)")
    agg.add_argument("--out", required=True, metavar="DIR", help="output folder")
    agg.add_argument("--output-format", default="csv", choices=["csv", "parquet"])
    agg.add_argument("--quiet", action="store_true", help="print nothing but errors")
    agg.set_defaults(func=cmd_aggregate)

    meth = sub.add_parser("methods", help="list the aggregation methods",
                          description="List the aggregation methods with one line each.")
    meth.add_argument("--plain", action="store_true", help="plain text, no table")
    meth.set_defaults(func=cmd_methods)

    demo = sub.add_parser("demo", help="run the built-in demo",
                          description="The classic multi-annotator tutorial (labeljury trains "
                                      "its own model), then every method on a built-in real "
                                      "data set with accuracy against its gold labels.")
    demo.add_argument("--out", default="demo-output", metavar="DIR",
                      help="where the tutorial's tables and HTML report go (default "
                           "demo-output)")
    demo.add_argument("--seed", type=int, default=0, help="seed of the tutorial data")
    demo.set_defaults(func=cmd_demo)

    runp = sub.add_parser("run", help="train a model and iterate model-aware consensus",
                          description="Majority vote -> train a classifier with cross-validation "
                                      "-> model-aware consensus -> retrain -> ... until stable. "
                                      "Writes the aggregate tables, pred_probs.csv and "
                                      "report.html.")
    _add_read_options(runp)
    runp.add_argument("--features", default=None, metavar="FILE",
                      help="a table (CSV/TSV/Parquet) with the item id column (named as in "
                           "ANSWERS, or --features-id-col) and one column per feature: numeric, "
                           "categorical or text; rows are matched to items by id")
    runp.add_argument("--features-id-col", default=None, help="item id column of --features")
    runp.add_argument("--text-col", action="append", default=None, metavar="C",
                      help="a text column of --features to model with TF-IDF (repeatable)")
    runp.add_argument("--embeddings", default=None, metavar="FILE.npy|FILE.npz",
                      help="precomputed features with one row per item in SORTED item-id "
                           "order: a .npy array (embeddings) or a scipy sparse .npz matrix "
                           "(TF-IDF, bag of words; scipy.sparse.save_npz)")
    runp.add_argument("--method", default="auto",
                      help="model-aware method: auto (= jury, default) or crowdlab")
    runp.add_argument("--max-rounds", type=int, default=5)
    runp.add_argument("--folds", type=int, default=5, help="cross-validation folds")
    runp.add_argument("--seed", type=int, default=0)
    runp.add_argument("--out", required=True, metavar="DIR", help="output folder")
    runp.add_argument("--output-format", default="csv", choices=["csv", "parquet"])
    runp.add_argument("--no-report", action="store_true", help="skip report.html")
    runp.add_argument("--quiet", action="store_true", help="print nothing but errors")
    runp.set_defaults(func=cmd_run)

    from .bench.cli import add_commands as add_bench
    from .io.cli import add_commands as add_io
    from .review.cli import add_commands as add_review

    add_io(sub)
    add_bench(sub)
    add_review(sub)
    return parser


def cmd_aggregate(args: argparse.Namespace) -> int:
    """``labeljury aggregate``."""
    from .result import aggregate

    console = _console(args.quiet)
    ann = read_answers_with_gold(args)
    res = aggregate(ann, method=args.method, pred_probs=args.pred_probs,
                    pred_probs_id_col=args.pred_probs_id_col)
    files = res.save(args.out, format=args.output_format)
    _print_summary(console, res)
    console.print(f"wrote {', '.join(str(f) for f in files)}")
    return 0


def _gold_pinning_methods() -> list[str]:
    """The registered methods that pin gold items (those with a ``use_gold`` setting)."""
    import inspect

    from .methods import METHODS, method_class

    return [name for name in METHODS
            if "use_gold" in inspect.signature(method_class(name)).parameters]


def _join(names: list[str]) -> str:
    """``a, b and c``."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _print_summary(console: Any, res: Any) -> None:
    from rich.table import Table

    s = res.summary()
    console.print(f"[bold]{s['method']}[/bold]: {s['items']:,} items, {s['annotations']:,} "
                  f"annotations, {s['annotators']:,} annotators, {s['classes']} classes")
    console.print(f"mean consensus quality {s['mean_consensus_quality']:.3f}; "
                  f"{s['items_below_0.5_quality']:,} items below 0.5; "
                  f"{s['unanimous_items']:,} unanimous")
    if s["gold_items"] and not s["gold_pinned"]:
        console.print(f"{s['gold_items']:,} gold items, not used by {s['method']} "
                      f"({_join(_gold_pinning_methods())} pin them)")
    elif s["gold_items"]:
        calibrated = s["scores_calibrated_on_gold"]
        chosen = s["annotator_model_chosen_on_gold"]
        console.print(f"{s['gold_items']:,} gold items pinned to their class; "
                      + ("consensus quality scores calibrated on them" if calibrated else
                         "scores not calibrated on them (jury does with 20 or more)")
                      + (f"; annotator model chosen on them: {chosen}" if chosen else ""))
    elif hasattr(res.method, "gold_calibration_items_"):
        # the labels cannot show a mistake the whole crowd shares; gold items can
        console.print("[dim]tip: --gold FILE with 20 or more checked items (5-10% of them is "
                      "better) calibrates the consensus quality scores against mistakes the "
                      "whole crowd shares; see docs/jury.md[/dim]")
    worst = res.annotator_stats.head(5)
    table = Table(title="lowest-quality annotators", title_justify="left")
    cols = ["annotator", "annotator_quality", "agreement_with_consensus",
            "num_examples_labeled", "worst_class"]
    # Jury's spam rows: how often each annotator spams and what they click then
    cols += [c for c in ("spam_share", "spam_answer") if c in worst.columns]
    for col in cols:
        table.add_column(col)
    for row in worst[cols].itertuples(index=False):
        table.add_row(str(row[0]), *(f"{v:.3f}" if isinstance(v, float) else str(v)
                                     for v in row[1:]))
    console.print(table)


def cmd_methods(args: argparse.Namespace) -> int:
    """``labeljury methods``."""
    from .methods import METHODS, method_class

    rows = [(name, method_class(name).summary) for name in METHODS]
    if args.plain:
        for name, summary in rows:
            print(f"{name:<24} {summary}")
        return 0
    from rich.table import Table

    table = Table("method", "what it does")
    for name, summary in rows:
        table.add_row(name, summary)
    _console().print(table)
    return 0


def tutorial_demo(seed: int = 0, out: str | None = "demo-output", *, max_rounds: int = 5,
                  progress: bool = False) -> dict[str, float]:
    """The classic multi-annotator tutorial, run locally with labeljury's own model.

    Returns the headline numbers (and writes tables + HTML report to ``out``).
    """
    import numpy as np

    from .pipeline import run
    from .result import aggregate
    from .synth import make_tutorial_data

    data = make_tutorial_data(random_state=seed)
    ann, truth = data.annotations, np.asarray(data.true_labels)
    mv = aggregate(ann, method="majority_vote").method.labels_
    res = run(ann, data.features, max_rounds=max_rounds, progress=progress,
              random_state=seed)
    lq = res.label_quality
    correct = lq["consensus_label"].to_numpy() == ann.classes.take(truth).to_numpy()
    worst = np.argsort(lq["consensus_quality_score"].to_numpy(), kind="stable")[:15]
    rest = np.setdiff1d(np.arange(len(lq)), worst)
    st = res.annotator_stats.set_index("annotator")["annotator_quality"]
    noisy = [f"A{i:04d}" for i in range(46, 51)]
    numbers = {
        "majority_vote_accuracy": float(np.mean(mv == truth)),
        "consensus_accuracy": float(np.mean(correct)),
        "worst15_accuracy": float(np.mean(correct[worst])),
        "rest_accuracy": float(np.mean(correct[rest])),
        "noisy_annotator_quality": float(st.reindex(noisy).mean()),
        "other_annotator_quality": float(st.drop(noisy, errors="ignore").mean()),
    }
    if out:
        res.save(out, with_pred_probs=True)
        res.report(Path(out) / "report.html", title="labeljury: the classic tutorial data")
    return numbers


def cmd_demo(args: argparse.Namespace) -> int:
    """``labeljury demo``: the classic tutorial, then every method on real data."""
    import time

    from rich.table import Table

    from .datasets import load_builtin
    from .methods import METHODS, method_class
    from .result import aggregate

    console = _console()
    console.rule("[bold]1. The classic multi-annotator tutorial[/bold]")
    console.print("300 examples, 3 classes (2-D Gaussians), 50 annotators labeling ~10% each; "
                  "A0046-A0050 are much noisier. labeljury trains its own model with "
                  "cross-validation and iterates model <-> consensus.")
    n = tutorial_demo(args.seed, args.out, progress=True)
    table = Table("", "value")
    table.add_row("majority-vote accuracy", f"{n['majority_vote_accuracy']:.3f}")
    table.add_row("labeljury consensus accuracy", f"{n['consensus_accuracy']:.3f}")
    table.add_row("accuracy of the 15 lowest-quality consensus labels",
                  f"{n['worst15_accuracy']:.3f}")
    table.add_row("accuracy of the other consensus labels", f"{n['rest_accuracy']:.3f}")
    table.add_row("mean annotator quality, A0046-A0050", f"{n['noisy_annotator_quality']:.3f}")
    table.add_row("mean annotator quality, the other 45", f"{n['other_annotator_quality']:.3f}")
    console.print(table)
    if args.out:
        console.print(f"tables, pred_probs and report.html written to {args.out}/")

    console.rule("[bold]2. A real data set: every annotator-only method[/bold]")
    ds = load_builtin("weather_sentiment_amt")
    ann = ds.annotations
    console.print(f"{ds.name} (built in, Apache-2.0): {ann.n_items} tweets, "
                  f"{ann.n_annotations} annotations by {ann.n_annotators} annotators, "
                  f"{ann.n_classes} classes, gold labels for every item")
    table = Table("method", "accuracy vs gold", "seconds")
    for name in METHODS:
        cls = method_class(name)
        if cls.uses_pred_probs and name != "jury":
            continue  # needs a model's pred_probs; this data set has no features
        t0 = time.perf_counter()
        try:
            res = aggregate(ann, method=name)
        except LabeljuryError as exc:
            table.add_row(name, f"n/a ({exc})".split(";")[0][:60], "")
            continue
        table.add_row(name, f"{ds.accuracy(res.method.labels_):.4f}",
                      f"{time.perf_counter() - t0:.3f}")
    console.print(table)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """``labeljury run``: train a model, iterate model-aware consensus, write everything."""
    import numpy as np

    from .annotations import _read_table
    from .pipeline import run
    from .pred_probs import sorted_item_order

    console = _console(args.quiet)
    ann = read_answers_with_gold(args)
    if args.embeddings:
        sparse = str(args.embeddings).lower().endswith(".npz")
        try:
            if sparse:
                import scipy.sparse as sp

                emb = sp.load_npz(args.embeddings).tocsr()
            else:
                emb = np.load(args.embeddings, allow_pickle=False)
        except (OSError, ValueError) as exc:
            kind = "a scipy sparse .npz matrix" if sparse else "a .npy array"
            raise InputError(f"{args.embeddings}: cannot load as {kind} ({exc})") from exc
        if emb.ndim not in (1, 2):
            raise InputError(f"{args.embeddings}: an array of shape {emb.shape}; it needs one "
                             "row per item, in sorted item-id order")
        if emb.shape[0] != ann.n_items:
            raise InputError(f"{args.embeddings}: {emb.shape[0]} rows for {ann.n_items} items "
                             "(one row per item, in sorted item-id order)")
        # row r of the file is the r-th item in sorted order, item order[r]; sparse
        # matrices and arrays alike take the inverse permutation
        features: Any = emb[np.argsort(sorted_item_order(ann))]
        id_col = None
    elif args.features:
        features = _read_table(args.features)
        id_col = args.features_id_col or args.item_col or _default_id_col(features, ann)
    else:
        raise InputError("labeljury run needs --features FILE or --embeddings FILE.npy")
    res = run(ann, features, method=args.method, text_cols=args.text_col,
              features_id_col=id_col, max_rounds=args.max_rounds, n_splits=args.folds,
              random_state=args.seed, progress=not args.quiet)
    files = res.save(args.out, format=args.output_format, with_pred_probs=True)
    if not args.no_report:
        files.append(res.report(Path(args.out) / "report.html"))
    _print_summary(console, res)
    console.print(res.history.to_string(index=False))
    console.print(f"wrote {', '.join(str(f) for f in files)}")
    return 0


def _default_id_col(features: Any, ann: Any) -> Any:
    """The features column holding item ids: named like an id, or the first column."""
    from .annotations import ITEM_NAMES, _find_column

    col = _find_column(list(features.columns), ITEM_NAMES)
    return col if col is not None else features.columns[0]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status (2 for input errors, with a one-line message)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 1
    try:
        return int(args.func(args) or 0)
    except LabeljuryError as exc:
        print(f"labeljury: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
