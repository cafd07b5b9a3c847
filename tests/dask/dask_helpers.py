"""Comparisons shared by the Dask engine's tests."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

import labeljury

#: scores of the two engines may differ by float summation order only
ATOL = 1e-8


def in_memory(df: pd.DataFrame, method: str, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return labeljury.aggregate(df, method=method, gold_folds=0, **kw)


def assert_same(res, mem, *, check_iter: bool = True) -> None:
    """Same consensus per item, scores within ATOL, same annotator table, same iterations."""
    lq = res.label_quality.compute().set_index("item")
    ref = mem.label_quality.set_index("item")
    assert len(lq) == len(ref) and lq.index.is_unique
    lq = lq.loc[ref.index]
    assert (lq["consensus_label"] == ref["consensus_label"]).all()
    for col in ("consensus_quality_score", "annotator_agreement"):
        np.testing.assert_allclose(lq[col], ref[col], rtol=0, atol=ATOL)
    assert (lq["num_annotations"] == ref["num_annotations"]).all()

    det = res.detailed_label_quality.compute()
    keys = ["item", "annotator", "label"]
    mref = mem.detailed_label_quality
    assert len(det) == len(mref)
    # an annotation's score depends on its (item, annotator, label) only: sorted by them,
    # repeated annotations line up too
    a = det.sort_values(keys, kind="stable").reset_index(drop=True)
    b = mref.sort_values(keys, kind="stable").reset_index(drop=True)
    for k in keys:
        assert (a[k].to_numpy() == b[k].to_numpy()).all()
    np.testing.assert_allclose(
        a["label_quality_score"], b["label_quality_score"], rtol=0, atol=ATOL
    )

    st = res.annotator_stats.set_index("annotator")
    sref = mem.annotator_stats.set_index("annotator")
    st = st.loc[sref.index]
    for col in ("annotator_quality", "agreement_with_consensus"):
        np.testing.assert_allclose(st[col], sref[col], rtol=0, atol=ATOL)
    assert (st["num_examples_labeled"] == sref["num_examples_labeled"]).all()
    assert (st["worst_class"] == sref["worst_class"]).all()
    if check_iter:
        assert res.n_iter_ == getattr(mem.method, "n_iter_", 1)
