"""Tables of the generalization protocol, from :func:`~.protocol.run_protocol`'s rows.

* :func:`scores` -- one row per (data set, contender): a candidate's chosen
  setting or a peer;
* :func:`per_set` -- accuracy of each contender, the best reference (best peer
  that ran), each candidate's gap to it and to the baseline, in points;
* :func:`summary` -- per contender: mean and worst gap to the best reference,
  mean gap to CROWDLAB (where it ran) and to the baseline, mean wrong-label
  AUROC and consensus-quality ECE (:mod:`~.metrics`, via the runner), and the
  fit-time ratio to CROWDLAB (total time over total CROWDLAB time, on the sets
  where both ran);
* :func:`per_family` -- mean accuracy per group;
* :func:`render` -- all of it as Markdown.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .protocol import BASELINE
from .tables import to_markdown

__all__ = ["per_family", "per_set", "render", "scores", "summary"]

CROWDLAB = "cleanlab:crowdlab"
#: peers shown in the per-family table (with every candidate)
FAMILY_PEERS = ("crowdkit:MajorityVote", "crowdkit:DawidSkene", "crowdkit:GLAD", CROWDLAB)
#: statuses counted as "did not run" (``n/a``, a model-aware peer without a model, is not)
_FAILED = ("failed", "timeout", "skipped")


def scores(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per (dataset, contender) with ``contender``, ``is_peer`` and the metrics."""
    cand = rows[rows.chosen].assign(contender=lambda d: d.candidate, is_peer=False)
    peer = rows[rows.candidate == ""].assign(contender=lambda d: d.method, is_peer=True)
    out = pd.concat([cand, peer], ignore_index=True)
    for c in ("accuracy", "auroc_own", "ece", "time_s"):
        out[c] = pd.to_numeric(out[c], errors="coerce")
    out.loc[out.status != "ok", ["accuracy", "auroc_own", "ece", "time_s"]] = np.nan
    return out


def _candidates(rows: pd.DataFrame) -> list[str]:
    names = list(dict.fromkeys(rows.loc[rows.candidate != "", "candidate"]))
    return sorted(names, key=lambda n: n != BASELINE)


def per_set(rows: pd.DataFrame) -> pd.DataFrame:
    """Accuracy per data set and contender, best reference and the candidates' gaps (points)."""
    sc = scores(rows)
    acc = sc.pivot_table(index="dataset", columns="contender", values="accuracy", sort=False)
    order = list(dict.fromkeys(rows.dataset))
    acc = acc.reindex(order)
    peers = [p for p in dict.fromkeys(sc.loc[sc.is_peer, "contender"]) if p in acc]
    cands = [c for c in _candidates(rows) if c in acc]
    ref = acc[peers].dropna(axis=1, how="all")
    out = pd.DataFrame(index=acc.index)
    out["group"] = rows.drop_duplicates("dataset").set_index("dataset").loc[order, "group"]
    out["kind"] = rows.drop_duplicates("dataset").set_index("dataset").loc[order, "set_kind"]
    out[cands + peers] = acc[cands + peers]
    # a set where no reference ran (say CROWDLAB without a model, the only peer) has
    # no best reference: its gaps are missing, not an error (idxmax refuses all-NaN rows)
    ran = ref.notna().any(axis=1)
    out["best_ref"] = pd.Series(pd.NA, index=out.index, dtype=object)
    out.loc[ran, "best_ref"] = ref[ran].idxmax(axis=1)
    out["best_ref_acc"] = ref.max(axis=1)
    for c in cands:
        out[f"gap_ref:{c}"] = 100 * (acc[c] - out["best_ref_acc"])
        out[f"gap_base:{c}"] = 100 * (acc[c] - acc[BASELINE])
    return out


def summary(rows: pd.DataFrame, kind: str | None = None) -> pd.DataFrame:
    """Per contender, over the data sets of ``kind`` (None: all); gaps in points."""
    sc = scores(rows)
    if kind is not None:
        sc = sc[sc.set_kind == kind]
    ps = per_set(rows)
    ps = ps[ps.kind == kind] if kind is not None else ps
    acc = sc.pivot_table(index="dataset", columns="contender", values="accuracy", sort=False)
    acc = acc.reindex(ps.index)
    tm = sc.pivot_table(index="dataset", columns="contender", values="time_s", sort=False)
    tm = tm.reindex(ps.index)
    names = _candidates(rows) + list(dict.fromkeys(sc.loc[sc.is_peer, "contender"]))
    recs = []
    for n in names:
        if n not in acc:
            continue
        gap = 100 * (acc[n] - ps["best_ref_acc"])
        worst = gap.idxmin() if gap.notna().any() else ""
        both = tm[n].notna() & tm.get(CROWDLAB, pd.Series(np.nan, tm.index)).notna()
        ratio = tm.loc[both, n].sum() / tm.loc[both, CROWDLAB].sum() if both.any() else np.nan
        one = sc[sc.contender == n]
        recs.append(
            {
                "contender": n,
                "n_sets": int(acc[n].notna().sum()),
                "mean_acc": 100 * acc[n].mean(),
                "mean_gap_ref": gap.mean(),
                "worst_gap_ref": gap.min(),
                "worst_set": worst,
                "mean_gap_crowdlab": (100 * (acc[n] - acc[CROWDLAB])).mean()
                if CROWDLAB in acc
                else np.nan,
                "mean_gap_baseline": (100 * (acc[n] - acc[BASELINE])).mean(),
                "auroc": one.auroc_own.mean(),
                "ece": one.ece.mean(),
                "time_vs_crowdlab": ratio,
                "failed": int(one.status.isin(_FAILED).sum()),
            }
        )
    return pd.DataFrame(recs).set_index("contender")


def per_family(rows: pd.DataFrame) -> pd.DataFrame:
    """Mean accuracy (percent) per group for every candidate and the main peers."""
    sc = scores(rows)
    keep = _candidates(rows) + [p for p in FAMILY_PEERS if p in set(sc.contender)]
    sc = sc[sc.contender.isin(keep)]
    tab = sc.pivot_table(
        index=["set_kind", "group"], columns="contender", values="accuracy", sort=False
    )
    return 100 * tab[[k for k in keep if k in tab]]


def _md(df: pd.DataFrame, digits: int = 2) -> str:
    """``df`` as a Markdown table: floats to ``digits`` places, the index as leading columns."""
    fmt = df.copy()
    for c in fmt.columns:
        if pd.api.types.is_float_dtype(fmt[c]):
            fmt[c] = fmt[c].map(lambda v: "" if pd.isna(v) else f"{v:.{digits}f}")
    return to_markdown(fmt.reset_index(), index=False)


def render(rows: pd.DataFrame, *, header: Sequence[str] = ()) -> str:
    """The whole report as Markdown: summaries (all, real, simulated), families, sets."""
    parts = [*header]
    failed = rows[rows.status.isin(_FAILED)]
    kinds = set(rows.set_kind)
    for kind, title in (
        (None, "all data sets"),
        ("real", "real data sets (LODO)"),
        ("simulated", "simulated families"),
    ):
        if (kind is None and len(kinds) < 2) or (kind is not None and kind not in kinds):
            continue
        parts += [
            f"\n## Summary: {title}\n",
            "Gaps in accuracy points; `worst_gap_ref` is "
            "the lowest over the data sets; `auroc` = wrong-label AUROC of the consensus "
            "quality score, `ece` its calibration error.\n",
            _md(summary(rows, kind), 3),
        ]
    parts += ["\n## Mean accuracy per family (%)\n", _md(per_family(rows))]
    ps = per_set(rows).drop(columns=["group"])
    acc_cols = [
        c
        for c in ps.columns
        if not c.startswith("gap") and c not in ("kind", "best_ref", "best_ref_acc")
    ]
    ps[[*acc_cols, "best_ref_acc"]] *= 100
    parts += ["\n## Per data set (accuracy %, gaps in points)\n", _md(ps)]
    chosen = rows[rows.chosen & (rows.candidate != "")]
    grids = chosen.groupby("candidate").params.nunique()
    if (grids > 1).any():
        parts += [
            "\n## Settings chosen (LODO)\n",
            _md(
                chosen.pivot_table(
                    index="group", columns="candidate", values="params", aggfunc="first"
                )
            ),
        ]
    if len(failed):
        why = failed.groupby("method").message.first().str.slice(0, 120)
        parts += [
            "\n## Fits that did not run (failed, timed out or skipped for time)\n",
            _md(
                pd.DataFrame(
                    {
                        "sets": failed.groupby("method").size(),
                        "status": failed.groupby("method").status.first(),
                        "message": why,
                    }
                )
            ),
        ]
    return "\n".join(parts) + "\n"
