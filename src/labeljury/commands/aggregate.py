"""``labeljury aggregate``: consensus labels and quality tables from the annotations alone."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import InputError
from . import console
from ._read import read_answers_with_gold
from .summary import print_summary

__all__ = ["cmd_aggregate", "method_params", "print_written"]


def method_params(pairs: list[str]) -> dict[str, object]:
    """``["max_iter=100", "tie_break=first"]`` -> ``{"max_iter": 100, "tie_break": "first"}``.

    A value is read as JSON when it parses (``100``, ``0.5``, ``true``, ``null``,
    ``[1, 2]``), else kept as text, so ``--param tie_break=first`` needs no quotes.
    The method checks names and values (an unknown name is a ParameterError).

    Examples
    --------
    >>> method_params(["max_iter=100", "tie_break=first", "tol=1e-6"])
    {'max_iter': 100, 'tie_break': 'first', 'tol': 1e-06}
    """
    import json

    params: dict[str, object] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise InputError(f"--param {pair!r}: expected NAME=VALUE, e.g. --param max_iter=100")
        if name in params:
            raise InputError(f"--param {name} given twice")
        try:
            params[name] = json.loads(value)
        except ValueError:
            params[name] = value
    return params


def print_written(out: object, files: list) -> None:
    """``wrote DIR/: a.csv, b.csv`` (one folder, then the file names: short, never wrapped)."""
    from pathlib import Path

    names = ", ".join(Path(f).name for f in files)
    out.print(f"wrote {Path(files[0]).parent}/: {names}" if files else "wrote nothing")


def _report_inputs(args: argparse.Namespace) -> tuple[object, object] | None:
    """``--items`` and ``--class-names``, read up front with ``--report``; else a warning
    that they are ignored (a file the user named is never dropped without a word)."""
    if args.report:
        from ._report_inputs import class_names, item_table

        return item_table(args), class_names(args)
    unused = [
        flag
        for flag, name in (("--items", "items"), ("--class-names", "class_names"))
        if getattr(args, name, None)
    ]
    if unused:
        import warnings

        from ..errors import InputWarning

        warnings.warn(
            f"{' and '.join(unused)} only serve report.html: ignored without --report",
            InputWarning,
            stacklevel=2,
        )
    return None


def cmd_aggregate(args: argparse.Namespace) -> int:
    """``labeljury aggregate``: print the summary; with ``--out``, write the tables."""
    if getattr(args, "multi_label", False):
        from ..multilabel.cli import cmd_aggregate as multi_label_aggregate

        return multi_label_aggregate(args)
    out = console(args.quiet)
    if getattr(args, "engine", "memory") == "dask":
        from ..engines.dask.cli import cmd_aggregate_dask

        return cmd_aggregate_dask(args, out)
    from ..result import aggregate

    if args.report and args.out is None:
        raise InputError("--report writes report.html into --out DIR; give --out too")
    report_inputs = _report_inputs(args)  # a bad --items file stops before any work
    ann = read_answers_with_gold(args)
    res = aggregate(
        ann,
        method=args.method,
        pred_probs=args.pred_probs,
        pred_probs_id_col=args.pred_probs_id_col,
        **method_params(getattr(args, "param", [])),
    )
    print_summary(out, res)
    if args.out is None:
        out.print(
            "[dim]nothing written; --out DIR writes label_quality, "
            "detailed_label_quality and annotator_stats[/dim]"
        )
        return 0
    files = res.save(args.out, format=args.output_format)
    if report_inputs is not None:
        items, names = report_inputs
        files.append(res.report(Path(args.out) / "report.html", items=items, class_names=names))
    print_written(out, files)
    return 0
