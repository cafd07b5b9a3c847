"""Can the labels alone tell Jury whether to use one-coin or free confusion rows?

    python benchmarks/jury_row_choice.py                     # every data set, 3 seeds
    python benchmarks/jury_row_choice.py --datasets rte zencrowd_in --seeds 1
    python benchmarks/jury_row_choice.py --useless-model     # pred_probs shuffled

Builds the inputs of ``labeljury bench`` (see ``jury_ablations.py``; r >= 2 only,
since with one label per item no criterion below exists) and fits Jury with one-coin
rows (``strength=inf``, the default with a model) and with free rows (``strength=4``,
the default without one), usual rows both (``spam=False``). For each fit it computes
three criteria from the labels alone, higher meaning "better":

* ``heldout``: ``heldout_loglik_``, the mean log-probability of each label predicted
  from the other labels of its item (the criterion of ``jury_spam.py``);
* ``loo``: how often a label equals the argmax of its item's posterior without it
  (hard agreement, so that modelling an annotator's own bias earns nothing);
* ``half``: the annotators split at random into two halves (two splits), Jury fitted
  on each half and its labels compared with the *other* half's raw labels: the
  agreement of an estimate with an independent noisy reference, which ranks two
  estimates like their accuracies when the reference's errors are independent of
  theirs.

Prints, per data set and level, the gold accuracy of both row families and which
family each criterion prefers; then, for each criterion, on how many rows whose gold
accuracies differ by more than 0.3 points it prefers the winner, and the mean accuracy
of choosing the rows by it in every fit, against either family always (one-coin rows
are the default with a model, free rows without) and against an oracle.

``--useless-model`` shuffles each input's pred_probs rows across items (a model with
realistic confidences and no information; data sets with a model only). It tests the
rule "when the model is silenced (learned weight w near 0), use the rows Jury uses
without a model": rte is the one data set whose model is at chance (w 0 to 0.56 at
r >= 2), and free rows gain there; the rule holds only if they gain on the other
data sets once their model is made useless too.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from jury_ablations import add_input_args, inputs
from labeljury import Annotations
from labeljury.methods.jury import Jury

_FAMILIES = {"one_coin": np.inf, "free": 4.0}
_CRITERIA = ("heldout", "loo", "half")


def loo_agreement(jury: Jury, ann: Annotations) -> float:
    """Share of labels (on items with two or more) equal to the argmax of their item's
    posterior with that label's own likelihood term removed."""
    per_item = np.bincount(ann.item, minlength=ann.n_items)
    keep = per_item[ann.item] >= 2
    item, annotator, label = ann.item[keep], ann.annotator[keep], ann.label[keep]
    log_post = np.log(np.maximum(jury.probas_[item], 1e-300))
    own = np.log(np.maximum(jury.confusion_matrices_[annotator, :, label], 1e-300))
    return float(np.mean(np.argmax(log_post - own, axis=1) == label))


def half_agreement(ann: Annotations, pred_probs: np.ndarray | None, strength: float,
                   splits: int = 2) -> float:
    """Agreement of Jury's labels fitted on one random half of the annotators with the
    other half's raw labels, both ways, averaged over ``splits`` random splits."""
    out = []
    for split in range(splits):
        side = np.random.default_rng(split).random(ann.n_annotators) < 0.5
        in_half = side[ann.annotator]
        hits = total = 0
        for mask in (in_half, ~in_half):
            covered = np.bincount(ann.item[mask], minlength=ann.n_items) > 0
            pp = None if pred_probs is None else pred_probs[covered]
            fit = Jury(strength=strength, spam=False).fit(ann.take(mask), pp)
            labels = np.full(ann.n_items, -1)
            labels[covered] = fit.labels_
            other = ~mask & (labels[ann.item] >= 0)
            hits += int(np.sum(labels[ann.item[other]] == ann.label[other]))
            total += int(other.sum())
        out.append(hits / total)
    return float(np.mean(out))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_input_args(ap)
    ap.add_argument("--useless-model", action="store_true",
                    help="shuffle pred_probs across items (data sets with a model only)")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    rows = []
    for case in inputs(args.datasets, args.seeds, args.data):
        if str(case["variant"]) == "1":
            continue
        ann, pp, gold = case["ann"], case["pp"], case["gold"]
        if args.useless_model:
            if pp is None:
                continue
            pp = pp[np.random.default_rng(case["seed"]).permutation(len(pp))]
        scored = gold >= 0
        for family, strength in _FAMILIES.items():
            jury = Jury(strength=strength, spam=False).fit(ann, pp)
            rows.append({"dataset": case["dataset"], "variant": str(case["variant"]),
                         "seed": case["seed"], "model": pp is not None, "family": family,
                         "accuracy": float(np.mean(jury.labels_[scored] == gold[scored])),
                         "w": jury.model_weight_,
                         "heldout": jury.heldout_loglik_, "loo": loo_agreement(jury, ann),
                         "half": half_agreement(ann, pp, strength)})
    df = pd.DataFrame(rows)
    wide = df.pivot_table(index=["dataset", "variant", "seed", "model"], columns="family",
                          values=["accuracy", "w", *_CRITERIA])
    fits = pd.DataFrame({"gain": wide["accuracy", "free"] - wide["accuracy", "one_coin"],
                         "w": wide["w", "one_coin"]})
    for c in _CRITERIA:
        fits[c] = wide[c, "free"] > wide[c, "one_coin"]  # True: the criterion picks free rows
        fits[c + "_acc"] = np.where(fits[c], wide["accuracy", "free"],
                                    wide["accuracy", "one_coin"])
    fits["one_coin_acc"] = wide["accuracy", "one_coin"]
    fits["free_acc"] = wide["accuracy", "free"]
    fits["oracle_acc"] = np.maximum(wide["accuracy", "one_coin"], wide["accuracy", "free"])

    per_row = fits.groupby(level=["dataset", "variant", "model"]).mean()
    pd.set_option("display.width", 200)
    print("gain = free minus one-coin accuracy (points); w = the one-coin fit's model "
          "weight; criterion columns: share of fits in which it picks free rows")
    print((per_row[["gain", "w", *_CRITERIA]] * [100, 1, 1, 1, 1]).round(2).to_string())
    print()
    decided = per_row[np.abs(per_row["gain"]) > 0.003]
    for c in _CRITERIA:
        right = int(np.sum((decided[c] > 0.5) == (decided["gain"] > 0)))
        print(f"{c:8s} prefers the winner on {right} of {len(decided)} rows whose accuracies "
              f"differ by > 0.3 points")
    print()
    for group, sub in [("with a model", per_row[per_row.index.get_level_values("model")]),
                       ("without", per_row[~per_row.index.get_level_values("model")])]:
        if sub.empty:
            continue
        accs = ", ".join(f"{c} {sub[c + '_acc'].mean() * 100:.2f}" for c in _CRITERIA)
        print(f"mean accuracy {group} ({len(sub)} rows): one-coin "
              f"{sub['one_coin_acc'].mean() * 100:.2f}, free {sub['free_acc'].mean() * 100:.2f}, "
              f"chosen by {accs}, oracle {sub['oracle_acc'].mean() * 100:.2f}")


if __name__ == "__main__":
    main()
