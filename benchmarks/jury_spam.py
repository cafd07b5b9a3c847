"""Jury's spam rows (``spam=True``) against its usual rows, and the choice by gold ("auto").

    python benchmarks/jury_spam.py                        # 0%, 5%, 10% gold, 3 seeds
    python benchmarks/jury_spam.py --fractions 0.1 --datasets rte zencrowd_us
    python benchmarks/jury_spam.py --all                  # data sets without a model too
    python benchmarks/jury_spam.py --all --choose-without-model   # "auto" chooses there too

Builds the inputs of ``labeljury bench`` (see ``jury_ablations.py``; data sets with a
model only unless ``--all``), hands Jury the gold class of a random fraction of the
items (as ``jury_calibration.py`` does: the same draws) and scores, on the *other*
items, the accuracy and ECE of Jury with its usual rows (``spam=False``), with spam
rows (``spam=True``) and with the rows the gold items prefer (``spam="auto"``, the
default: the usual rows when there are fewer than 20 gold items). Also prints, for
the fits without gold, the difference of the held-out label log-likelihood
(``heldout_loglik_``, spam minus usual rows): a criterion from the labels alone
would have to be negative where spam rows lose accuracy.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from jury_calibration import add_gold_args, gold_inputs
from labeljury.bench.metrics import expected_calibration_error
from labeljury.methods import jury as jury_module
from labeljury.methods.jury import Jury

_SETTINGS = {"usual": False, "spam": True, "auto": "auto"}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_gold_args(ap, [0.0, 0.05, 0.1])
    ap.add_argument("--choose-without-model", action="store_true",
                    help="let 'auto' choose on gold without pred_probs too (off in Jury)")
    args = ap.parse_args(argv)
    jury_module._CHOOSE_WITHOUT_MODEL = args.choose_without_model
    warnings.simplefilter("ignore")
    rows = []
    for case, frac, ann, _, held in gold_inputs(args):
        gold = case["gold"]
        for name, spam in _SETTINGS.items():
            if frac == 0 and name == "auto":
                continue  # without gold "auto" is the usual rows
            jury = Jury(spam=spam).fit(ann, case["pp"])
            right = jury.labels_[held] == gold[held]
            rows.append({"dataset": case["dataset"], "variant": str(case["variant"]),
                         "model": case["pp"] is not None,
                         "seed": case["seed"], "fraction": frac, "rows": name,
                         "accuracy": right.mean() * 100, "spam_used": jury.spam_,
                         "ece": expected_calibration_error(
                             jury.consensus_quality_[held], right),
                         "heldout": jury.heldout_loglik_})
    df = pd.DataFrame(rows)
    df["kind"] = np.where(df["dataset"].str.startswith("synth"), "synthetic", "real")
    pd.set_option("display.width", 220)
    acc = df.pivot_table(index=["dataset", "variant"], columns=["fraction", "rows"],
                         values="accuracy", aggfunc="mean")
    print("Accuracy on the non-gold items (mean over seeds), by gold fraction and rows:")
    print(acc.round(1).to_string())
    print()
    if (df["fraction"] == 0).any():
        _without_gold(df)
    summary = df.pivot_table(index=["kind", "model", "rows"], columns="fraction",
                             values=["accuracy", "ece"], aggfunc="mean")
    print("Mean over data sets, levels and seeds (model: with pred_probs or without):")
    print(summary.round(4).to_string())
    picked = df[df["rows"] == "auto"].groupby("fraction")["spam_used"].mean()
    print("share of fits where 'auto' chose spam rows, by gold fraction:")
    print(picked.round(3).to_string())



def _without_gold(df: pd.DataFrame) -> None:
    """Spam minus usual rows without gold: accuracy, and what the held-out labels say."""
    no_gold = df[df["fraction"] == 0].pivot_table(index=["dataset", "variant"], columns="rows",
                                                  values=["accuracy", "heldout"],
                                                  aggfunc="mean")
    gap = pd.DataFrame({
        "accuracy spam - usual": no_gold[("accuracy", "spam")] - no_gold[("accuracy", "usual")],
        "heldout spam - usual": no_gold[("heldout", "spam")] - no_gold[("heldout", "usual")]})
    print("Without gold: spam minus usual rows, accuracy (points) and held-out label "
          "log-likelihood (nats per label):")
    print(gap.round(4).to_string())
    wrong_way = gap[(gap["accuracy spam - usual"] < -0.3) & (gap["heldout spam - usual"] > 0)]
    print(f"rows where spam rows lose > 0.3 points but the held-out labels prefer them: "
          f"{len(wrong_way)} of {len(gap.dropna())}")
    print()


if __name__ == "__main__":
    main()
