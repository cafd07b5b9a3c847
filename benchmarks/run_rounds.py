"""Does iterating pay? ``labeljury.run`` against one pass of the same method and model.

For every data set with features (the shared real sets with gold, and
simulated families drawn fresh per seed: ``tutorial``, ``ds_gauss``,
``ds_gauss10``), three consensus labels are scored
against the truth:

* ``aggregate``: the method without a model (``labeljury.aggregate``);
* ``one pass``: majority vote -> model -> the model-aware method, once
  (``run(max_rounds=1)``: the same first model as ``run``'s round 1);
* ``run``: the default rounds (stop on the soft consensus, damping, the round
  kept by held-out annotations);
* ``last``: the same rounds with the last one kept instead of the validated
  one (what the held-out choice protects against; a diagnostic, not an option).

Prints one row per data set with the rounds run, how they stopped, the round
kept, and the accuracy difference run - one pass. Usage::

    python benchmarks/run_rounds.py [--data /work/shared/datasets] [--seeds 3]
        [--sets music_genre rte ...] [--first-seed 0] [--csv out.csv]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import labeljury
from labeljury import Annotations
from labeljury.synth import make_tutorial_data
from labeljury.synth.generative import make_dawid_skene

#: real sets: features file and the text columns to model (None: detect)
REAL = {
    "music_genre": ("features.csv", None),
    "rte": ("items.csv", ["text", "hypothesis"]),
    "sentiment_polarity": ("items.csv", ["text"]),
    "zencrowd_all": ("items.csv", ["task"]),
    "zencrowd_in": ("items.csv", ["task"]),
    "zencrowd_us": ("items.csv", ["task"]),
}


def simulated_tabular(
    n_items: int,
    n_features: int,
    n_classes: int,
    seed: int,
    *,
    separation: float = 1.0,
    labels_per_item: int = 3,
    n_annotators: int = 30,
) -> tuple[Annotations, pd.DataFrame, np.ndarray]:
    """A Dawid-Skene crowd over items with Gaussian class-conditional features.

    Class means are drawn ``N(0, separation^2)`` per feature, items add unit
    noise: a model can learn the classes but not perfectly.
    """
    ann, truth, _ = make_dawid_skene(
        n_items,
        n_annotators,
        n_classes,
        labels_per_item=labels_per_item,
        accuracy=(0.45, 0.85),
        random_state=seed,
    )
    rng = np.random.default_rng(seed + 10_000)
    means = rng.normal(0, separation, size=(n_classes, n_features))
    x = means[truth] + rng.normal(size=(n_items, n_features))
    feats = pd.DataFrame(
        x, columns=[f"f{j}" for j in range(n_features)], index=pd.Index(ann.items, name="item")
    )
    return ann, feats, truth[np.asarray(ann.items, dtype=int)]


def inputs(
    data: Path | None, sets: list[str] | None, seeds: int, first_seed: int = 0
) -> Iterator[tuple[str, Annotations, Any, Any, np.ndarray]]:
    """``(name, annotations, features, text_cols, truth in items order)`` per data set."""
    for name, (file, text_cols) in REAL.items():
        if sets and name not in sets:
            continue
        if data is None or not (data / name).exists():
            print(f"# {name}: not found under {data}; skipped")
            continue
        ann = labeljury.read_annotations(data / name / "answers.csv")
        gold = pd.read_csv(data / name / "gold.csv", dtype={"item": str}).set_index("item")
        # item ids are text in Annotations: match the gold by the same text
        truth = ann.classes.get_indexer(gold["label"].reindex(ann.items).to_numpy())
        if (truth < 0).all():
            raise SystemExit(f"{name}: no gold label matches an item id; check gold.csv")
        feats = pd.read_csv(data / name / file)
        feats = feats.set_index("item")
        if text_cols:
            feats = feats[text_cols]
        yield name, ann, feats, text_cols, truth
    for seed in range(first_seed, first_seed + seeds):
        if not sets or "tutorial" in sets:
            d = make_tutorial_data(random_state=seed)
            yield f"tutorial/{seed}", d.annotations, d.features, None, np.asarray(d.true_labels)
        if not sets or "ds_gauss" in sets:
            ann, feats, truth = simulated_tabular(1000, 10, 4, seed, separation=0.6)
            yield f"ds_gauss/{seed}", ann, feats, None, truth
        if not sets or "ds_gauss10" in sets:
            # music_genre's shape: 10 classes, about 4 labels per item
            ann, feats, truth = simulated_tabular(
                700, 30, 10, seed, separation=0.5, labels_per_item=4
            )
            yield f"ds_gauss10/{seed}", ann, feats, None, truth


@contextlib.contextmanager
def keep_last() -> Iterator[None]:
    """Within the block, ``run`` keeps its last round (the held-out choice bypassed)."""
    import labeljury.pipeline as pipeline

    original = pipeline.choose_round
    pipeline.choose_round = lambda scores: (len(scores), "last round (diagnostic)")
    try:
        yield
    finally:
        pipeline.choose_round = original


def markdown(df: pd.DataFrame) -> str:
    """A pipe table (floats to 4 places), without the optional tabulate package."""
    cells = [
        [f"{v:.4f}" if isinstance(v, float) else str(v) for v in row]
        for row in df.itertuples(index=False)
    ]
    lines = [
        "| " + " | ".join(map(str, df.columns)) + " |",
        "|" + "|".join("---" for _ in df.columns) + "|",
    ]
    return "\n".join(lines + ["| " + " | ".join(c) + " |" for c in cells])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--data", type=Path, default=Path(os.environ.get("LABELJURY_DATA", "/work/shared/datasets"))
    )
    parser.add_argument("--sets", nargs="*", default=None)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--csv", default=None)
    args = parser.parse_args()
    print(
        f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, "
        f"load {os.getloadavg()[0]:.1f}"
    )
    rows = []
    data = inputs(args.data, args.sets, args.seeds, args.first_seed)
    for name, ann, feats, text_cols, truth in data:
        row: dict[str, Any] = {"data": name, "items": ann.n_items, "classes": ann.n_classes}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            agg = labeljury.aggregate(ann)
            row["aggregate"] = float(np.mean(agg.method.labels_ == truth))
            one = labeljury.run(ann, feats, text_cols=text_cols, max_rounds=1, progress=False)
            row["one_pass"] = float(np.mean(one.method.labels_ == truth))
            t0 = time.perf_counter()
            res = labeljury.run(ann, feats, text_cols=text_cols, progress=False)
            row["seconds"] = time.perf_counter() - t0
        row["run"] = float(np.mean(res.method.labels_ == truth))
        with warnings.catch_warnings(), keep_last():
            warnings.simplefilter("ignore")
            last = labeljury.run(ann, feats, text_cols=text_cols, progress=False)
        row["last"] = float(np.mean(last.method.labels_ == truth))
        row["run-one"] = row["run"] - row["one_pass"]
        row.update(
            rounds=res.rounds["rounds"],
            stopped=res.rounds["stopped"],
            kept=res.rounds["kept_round"],
            model=res.model_metrics["model"],
            damped=bool(res.history["damped"].any()),
        )
        rows.append(row)
        print(
            " ".join(
                f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()
            ),
            flush=True,
        )
    df = pd.DataFrame(rows)
    if args.csv:
        df.to_csv(args.csv, index=False)
    print()
    print(markdown(df))
    print(
        f"\nrun - one pass: mean {df['run-one'].mean():+.4f}, worst {df['run-one'].min():+.4f}"
        f", sets where run is worse: {int((df['run-one'] < 0).sum())} of {len(df)}"
    )
    last = df["last"] - df["one_pass"]
    print(f"last round - one pass: mean {last.mean():+.4f}, worst {last.min():+.4f}")


if __name__ == "__main__":
    main()
