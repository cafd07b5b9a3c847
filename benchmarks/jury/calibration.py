"""Calibration of Jury's consensus quality scores, without gold and with 10% of items gold.

    python benchmarks/jury/calibration.py [--seed N] [--gold 0.1] [--data DIR] [--no-real]

On the generalization protocol's data (``labeljury.bench.families``: the real set
variants and the simulated families, drawn from ``--seed``, fresh by default) it
fits Jury and CROWDLAB and prints, per kind of data, the mean expected calibration
error (ECE, 10 bins) of the consensus quality score against the consensus being
right and the mean wrong-label AUROC of the per-annotation quality score. On the
real sets Jury is also fitted with a random ``--gold`` share of the items given as
gold (``Annotations.with_gold``; pinned, and the score temperature fitted on them),
scored on the other items only. Issue-15 targets: ECE <= 0.03 on the simulated
families without gold, <= 0.035 on the real sets with 10% gold, and AUROC at least
CROWDLAB's on average.
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np

from labeljury.bench.datasets import discover, find_data_root
from labeljury.bench.families import draw_seed, family_sets, real_sets
from labeljury.bench.metrics import auroc, expected_calibration_error
from labeljury.methods import CrowdLab, Jury


def scores(est, ann, gold: np.ndarray, rows: np.ndarray) -> tuple[float, float]:
    """ECE of the consensus quality on items ``rows`` and wrong-label AUROC on their labels."""
    quality = getattr(est, "consensus_quality_", None)
    if quality is None:
        quality = est.probas_[np.arange(ann.n_items), est.labels_]
    ece = expected_calibration_error(quality[rows], est.labels_[rows] == gold[rows])
    on = np.isin(ann.item, rows)
    wrong = ann.label[on] != gold[ann.item[on]]
    return ece, auroc(wrong, est.label_quality_scores_[on])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--gold", type=float, default=0.1, help="share of real items given as gold")
    ap.add_argument("--data", default=None, help="data set folder (default ../shared/datasets)")
    ap.add_argument("--no-real", action="store_true")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    seed = draw_seed() if args.seed is None else args.seed
    print(f"# seed {seed}, gold share {args.gold}")
    sets = family_sets(seed)
    root = args.data or find_data_root()
    if not args.no_real and root is not None:
        sets = real_sets(discover([root]), seed) + sets
    rows: dict[str, list[tuple[float, ...]]] = {}
    rng = np.random.default_rng(seed)
    for s in sets:
        ann, gold, probs = s.data.annotations, s.data.gold, s.data.pred_probs
        known = np.flatnonzero(gold >= 0)
        jury = scores(Jury().fit(ann, probs), ann, gold, known)
        crowdlab = (
            scores(CrowdLab().fit(ann, probs), ann, gold, known)
            if probs is not None
            else (np.nan, np.nan)
        )
        line = [*jury, *crowdlab]
        if s.kind == "real":
            chosen = rng.choice(known, max(1, int(args.gold * len(known))), replace=False)
            with_gold = ann.with_gold(
                dict(zip(ann.items[chosen], ann.classes[gold[chosen]], strict=True))
            )
            rest = np.setdiff1d(known, chosen)
            line.append(scores(Jury().fit(with_gold, probs), ann, gold, rest)[0])
        rows.setdefault(s.kind, []).append(tuple(line))
        print(f"{s.name:40s} " + " ".join(f"{v:.3f}" for v in line), flush=True)
    print(
        "\nkind       sets  ECE jury  ECE jury+gold  | with a model: sets  ECE jury  "
        "ECE crowdlab  AUROC jury  AUROC crowdlab"
    )
    for kind, values in rows.items():
        v = np.array([r + (np.nan,) * (5 - len(r)) for r in values], float)
        m = v[~np.isnan(v[:, 2])]  # the sets CROWDLAB ran on (those with a model)
        print(
            f"{kind:10s} {len(v):>4}  {np.nanmean(v[:, 0]):8.3f}  {np.nanmean(v[:, 4]):13.3f}  "
            f"| {len(m):>18}  {np.nanmean(m[:, 0]):8.3f}  {np.nanmean(m[:, 2]):12.3f}  "
            f"{np.nanmean(m[:, 1]):10.3f}  {np.nanmean(m[:, 3]):14.3f}"
        )


if __name__ == "__main__":
    main()
