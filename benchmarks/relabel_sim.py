"""Simulate buying extra labels: labeljury's relabel priority against cleanlab's ActiveLab.

Start from one annotation per item (the others are hidden), then buy labels in
batches; each strategy picks which items get one more (revealed) annotation:

* ``labeljury``: :func:`labeljury.relabel_priority` (lowest score first);
* ``activelab``: cleanlab's ``get_active_learning_scores`` (lowest first);
* ``labeljury+ens`` / ``activelab+ens``: the same with an ensemble of two models'
  probabilities (``relabel_priority(ann, np.array([pp1, pp2]))`` and cleanlab's
  ``get_active_learning_scores_ensemble``);
* ``random``: items in a seeded random order; ``fewest``: fewest labels first.

After each batch every strategy's consensus is scored against gold with the
same yardstick: Jury (or ``--consensus``) with out-of-fold pred_probs of the
first model, retrained on the current majority vote (ties at random) each
batch. Every strategy sees the same models, the same reveal order of the hidden
labels and the same seed. Writes
``relabel.csv`` and ``relabel.png`` and prints the mean accuracy per batch.

Data sets with a model: ``features.csv`` (numeric; models: logistic regression,
then 15-nearest neighbours) or ``items.csv`` (text; TF-IDF logistic regression,
then TF-IDF naive Bayes)::

    python benchmarks/relabel_sim.py --data ../shared/datasets/music_genre --out bench-output
"""

from __future__ import annotations

import argparse
import platform
import time
import warnings
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from labeljury import Annotations
from labeljury.active import relabel_priority
from labeljury.datasets import load_folder
from labeljury.methods import get_method
from labeljury.model import out_of_fold_pred_probs

STRATEGIES = ("labeljury", "activelab", "labeljury+ens", "activelab+ens", "random", "fewest")


def load_features(folder: Path, items: pd.Index) -> tuple[object, list[object]]:
    """The features in ``items`` order and the ensemble's two models."""
    from sklearn.pipeline import make_pipeline

    if (folder / "features.csv").is_file():
        from sklearn.neighbors import KNeighborsClassifier
        from sklearn.preprocessing import StandardScaler

        feats = pd.read_csv(folder / "features.csv").set_index("item")
        knn = make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=15))
        return feats.loc[items].reset_index(drop=True), ["logistic", knn]
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.naive_bayes import ComplementNB

    table = pd.read_csv(folder / "items.csv").set_index("item").loc[items]
    text_cols = [c for c in table.columns if not pd.api.types.is_numeric_dtype(table[c])]
    text = table[text_cols].fillna("").astype(str).agg(" ".join, axis=1).reset_index(drop=True)
    nb = make_pipeline(TfidfVectorizer(sublinear_tf=True, min_df=2), ComplementNB())
    return text, ["tfidf_logistic", nb]


def _reveal_order(ann: Annotations, rng: np.random.Generator) -> list[np.ndarray]:
    """Per item, its annotation rows in a random order (the order they are revealed)."""
    perm = rng.permutation(ann.n_annotations)
    order = perm[np.argsort(ann.item[perm], kind="stable")]
    bounds = np.r_[0, np.cumsum(ann.annotations_per_item())]
    return [order[bounds[i] : bounds[i + 1]] for i in range(ann.n_items)]


class Reveal:
    """The simulation's state: how many of each item's annotations are revealed so far.

    Every item starts with one label; ``current()`` is the data a strategy sees,
    ``can()`` the items that still have a hidden label, ``buy(items)`` reveals one
    more for each. The other scripts (``relabel_diagnose.py``, ``jury/collapse.py``)
    replay the same states through it.
    """

    def __init__(self, ann: Annotations, rng: np.random.Generator) -> None:
        self.ann = ann
        self.queues = _reveal_order(ann, rng)
        self.shown = np.ones(ann.n_items, dtype=int)
        self.sizes = np.array([len(q) for q in self.queues])

    def current(self) -> Annotations:
        keep = np.concatenate([q[:s] for q, s in zip(self.queues, self.shown, strict=True)])
        return self.ann.take(np.sort(keep))  # every item keeps >= 1 label: items stay aligned

    def can(self) -> np.ndarray:
        return np.flatnonzero(self.shown < self.sizes)

    def buy(self, items: np.ndarray) -> None:
        self.shown[items] += 1


def mv_targets(cur: Annotations, seed: int) -> np.ndarray:
    """The model's training target: majority vote with random ties (seeded), so that no
    class collects the 1-1 ties relabeling creates (the first class would)."""
    return get_method("majority_vote", tie_break="random", random_state=seed).fit(cur).labels_


def oof(features: object, labels: np.ndarray, k: int, model: object, seed: int) -> np.ndarray:
    """Out-of-fold probabilities of ``model`` trained on ``labels``."""
    kind = "text" if isinstance(features, pd.Series) and isinstance(model, str) else "auto"
    probs, _ = out_of_fold_pred_probs(
        features, labels, n_classes=k, model=model, kind=kind, random_state=seed, refit=False
    )
    return probs


def ranked(
    strategy: str,
    cur: Annotations,
    probs: list[np.ndarray],
    can: np.ndarray,
    shown: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Items that can get another label, most useful first."""
    ens = strategy.endswith("+ens")
    if strategy.startswith("labeljury"):
        pr = relabel_priority(cur, np.array(probs) if ens else probs[0])
        pos = cur.items.get_indexer(pr["item"])
        return pos[np.isin(pos, can)]
    if strategy.startswith("activelab"):
        import cleanlab.multiannotator as cm

        # cleanlab's wide table holds one label per (item, annotator): repeats keep the last
        wide = cur.deduplicate("last").to_wide().astype(float)
        if ens:
            scores, _ = cm.get_active_learning_scores_ensemble(wide, np.array(probs))
        else:
            scores, _ = cm.get_active_learning_scores(wide, probs[0].copy())
        return can[np.lexsort((np.arange(len(can)), scores[can]))]
    if strategy == "fewest":
        return can[np.lexsort((rng.random(len(can)), shown[can]))]
    return rng.permutation(can)


def simulate(
    ann: Annotations,
    gold: np.ndarray,
    features: object,
    models: list[object],
    strategy: str,
    batch: int,
    n_batches: int,
    seed: int,
    consensus: str = "jury",
) -> list[dict[str, object]]:
    """Accuracy of one strategy's consensus after each batch of bought labels."""
    rng = np.random.default_rng(seed)
    state = Reveal(ann, rng)
    rows = []
    for step in range(n_batches + 1):
        cur = state.current()
        mv = mv_targets(cur, seed)
        used = models if strategy.endswith("+ens") else models[:1]
        probs = [oof(features, mv, ann.n_classes, m, seed) for m in used]
        fitted = get_method(consensus).fit(cur, probs[0])
        known = gold >= 0
        rows.append(
            {
                "strategy": strategy,
                "seed": seed,
                "labels_bought": step * batch,
                "accuracy": float(np.mean(fitted.labels_[known] == gold[known])),
            }
        )
        if step == n_batches:
            break
        state.buy(ranked(strategy, cur, probs, state.can(), state.shown, rng)[:batch])
    return rows


def main(argv: list[str] | None = None) -> None:
    """Run the strategies over the seeds, print the table, write CSV and plot."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default="../shared/datasets/music_genre")
    ap.add_argument("--out", default="bench-output")
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--batches", type=int, default=8)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--first-seed", type=int, default=0, help="seeds first-seed .. +seeds-1")
    ap.add_argument("--strategies", nargs="*", default=list(STRATEGIES), choices=STRATEGIES)
    ap.add_argument(
        "--consensus",
        default="jury",
        help="the yardstick method, fitted with the first model's pred_probs",
    )
    args = ap.parse_args(argv)
    ds = load_folder(args.data)
    features, models = load_features(Path(args.data), ds.annotations.items)
    rows = []
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            for strategy in args.strategies:
                rows += simulate(
                    ds.annotations,
                    ds.gold,
                    features,
                    models,
                    strategy,
                    args.batch,
                    args.batches,
                    seed,
                    args.consensus,
                )
    df = pd.DataFrame(rows)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    df.to_csv(out / f"relabel_{ds.name}.csv", index=False)
    table = df.groupby(["labels_bought", "strategy"])["accuracy"].mean().unstack("strategy")
    print(
        f"# {ds.name}: {platform.node()} {platform.machine()}, "
        f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {args.seeds} seeds, "
        f"consensus {args.consensus}, "
        f"{time.perf_counter() - t0:.0f} s"
    )
    print(table[[s for s in args.strategies if s in table]].round(4).to_string())
    print(
        "mean over batches: "
        + ", ".join(f"{s} {table[s].iloc[1:].mean():.4f}" for s in args.strategies if s in table)
    )

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for strategy, g in df.groupby("strategy"):
        m = g.groupby("labels_bought")["accuracy"]
        ax.errorbar(m.mean().index, m.mean(), yerr=m.std(), label=strategy, capsize=3)
    ax.set_xlabel("extra labels bought")
    ax.set_ylabel(f"consensus accuracy ({args.consensus})")
    ax.set_title(f"Active relabeling on {ds.name} ({args.seeds} seeds)")
    ax.legend()
    fig.savefig(out / f"relabel_{ds.name}.png", dpi=110, bbox_inches="tight")


if __name__ == "__main__":
    main()
