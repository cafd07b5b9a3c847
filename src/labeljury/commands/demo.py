"""``labeljury demo``: the classic tutorial with labeljury's own model, then real data."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import LabeljuryError
from . import console

__all__ = ["cmd_demo", "tutorial_demo"]


def tutorial_demo(
    seed: int = 0, out: str | None = "demo-output", *, max_rounds: int = 5, progress: bool = False
) -> dict[str, float]:
    """The classic multi-annotator tutorial, run locally with labeljury's own model.

    Returns the headline numbers (and writes tables + HTML report to ``out``).
    """
    import numpy as np

    from ..pipeline import run
    from ..result import aggregate
    from ..synth import make_tutorial_data

    data = make_tutorial_data(random_state=seed)
    ann, truth = data.annotations, np.asarray(data.true_labels)
    mv = aggregate(ann, method="majority_vote").method.labels_
    res = run(ann, data.features, max_rounds=max_rounds, progress=progress, random_state=seed)
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

    from ..datasets import load_builtin
    from ..methods import METHODS, method_class
    from ..result import aggregate

    out = console()
    out.rule("[bold]1. The classic multi-annotator tutorial[/bold]")
    out.print(
        "300 examples, 3 classes (2-D Gaussians), 50 annotators labeling ~10% each; "
        "A0046-A0050 are much noisier. labeljury trains its own model with "
        "cross-validation and iterates model <-> consensus."
    )
    n = tutorial_demo(args.seed, args.out, progress=True)
    table = Table("", "value")
    table.add_row("majority-vote accuracy", f"{n['majority_vote_accuracy']:.3f}")
    table.add_row("labeljury consensus accuracy", f"{n['consensus_accuracy']:.3f}")
    table.add_row(
        "accuracy of the 15 lowest-quality consensus labels", f"{n['worst15_accuracy']:.3f}"
    )
    table.add_row("accuracy of the other consensus labels", f"{n['rest_accuracy']:.3f}")
    table.add_row("mean annotator quality, A0046-A0050", f"{n['noisy_annotator_quality']:.3f}")
    table.add_row("mean annotator quality, the other 45", f"{n['other_annotator_quality']:.3f}")
    out.print(table)
    if args.out:
        out.print(f"tables, pred_probs and report.html written to {args.out}/")

    out.rule("[bold]2. A real data set: every annotator-only method[/bold]")
    ds = load_builtin("weather_sentiment_amt")
    ann = ds.annotations
    out.print(
        f"{ds.name} (built in, Apache-2.0): {ann.n_items} tweets, "
        f"{ann.n_annotations} annotations by {ann.n_annotators} annotators, "
        f"{ann.n_classes} classes, gold labels for every item"
    )
    table = Table("method", "accuracy vs gold", "seconds")
    for name in METHODS:
        cls = method_class(name)
        if cls.uses_pred_probs and name not in ("jury", "shrunk_dawid_skene"):
            continue  # needs a model's pred_probs; this data set has no features
        if cls.needs_gold:
            continue  # it would weigh annotators by the very gold it is scored on
        t0 = time.perf_counter()
        try:
            res = aggregate(ann, method=name)
        except LabeljuryError as exc:
            table.add_row(name, "n/a: " + str(exc).split(";")[0].split(" (")[0], "")
            continue
        table.add_row(
            name, f"{ds.accuracy(res.method.labels_):.4f}", f"{time.perf_counter() - t0:.3f}"
        )
    out.print(table)
    return 0
