"""Property-based invariants of the whole aggregate path (hypothesis).

For random small crowds: permuting the annotation rows, renaming item / annotator
ids, renaming classes (order kept) or duplicating the data set changes nothing it
should not; every probability row sums to one; every score is in [0, 1]; the
output tables join back to the input one to one.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import labeljury
from labeljury import Annotations

PROPS = settings(
    max_examples=12, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
# one model-free method of each family; the classic methods' score ranges are checked
# against their references in tests/test_methods.py
METHODS = ["majority_vote", "dawid_skene", "jury", "wawa", "mace"]
# MACE's random restarts are drawn in the sorted order of the annotator ids (before,
# in code order, which follows the rows: a permutation moved its scores by up to 0.024),
# so it is order free too; the renaming below keeps the ids' sorted order
ORDER_FREE = ["majority_vote", "dawid_skene", "jury", "wawa", "mace"]
# EM methods stop at a tolerance, so a different row order may stop a hair apart
ATOL = 1e-4
SCORES = {
    "label_quality": ["consensus_quality_score", "annotator_agreement"],
    "detailed_label_quality": ["label_quality_score"],
    "annotator_stats": ["annotator_quality", "agreement_with_consensus"],
}


@st.composite
def crowds(draw: st.DrawFn) -> pd.DataFrame:
    n_items = draw(st.integers(2, 12))
    n_ann = draw(st.integers(2, 5))
    n_cls = draw(st.integers(2, 4))
    rows = []
    for i in range(n_items):
        who = draw(st.lists(st.integers(0, n_ann - 1), min_size=1, max_size=n_ann, unique=True))
        rows += [(f"i{i:03d}", f"w{a}", f"c{draw(st.integers(0, n_cls - 1))}") for a in who]
    df = pd.DataFrame(rows, columns=["item", "worker", "label"])
    if df["label"].nunique() < 2 or df["worker"].nunique() < 2:
        df.loc[len(df)] = ("i000", "w_extra", "c0" if df["label"].iloc[0] != "c0" else "c1")
    return df


def fit(df: pd.DataFrame, method: str) -> labeljury.Result:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return labeljury.aggregate(df, method=method)


def by_item(res: labeljury.Result) -> pd.DataFrame:
    return res.label_quality.set_index("item").sort_index()


@pytest.mark.parametrize("method", METHODS)
@PROPS
@given(df=crowds(), seed=st.integers(0, 2**16))
def test_invariants(method: str, df: pd.DataFrame, seed: int) -> None:
    res = fit(df, method)
    ann = res.annotations
    # probabilities: rows sum to one, in [0, 1]
    probas = res.method.probas_
    assert probas.shape == (ann.n_items, ann.n_classes)
    np.testing.assert_allclose(probas.sum(axis=1), 1.0, atol=1e-9)
    assert (probas >= -1e-12).all() and (probas <= 1 + 1e-12).all()
    # every score in [0, 1]
    for table, cols in SCORES.items():
        for col in cols:
            vals = getattr(res, table)[col].to_numpy(dtype=float)
            assert np.all((vals >= -1e-9) & (vals <= 1 + 1e-9)), (table, col, vals)
    # outputs join back one to one
    lq = res.label_quality
    assert lq["item"].is_unique and set(lq["item"]) == set(df["item"])
    assert len(res.detailed_label_quality) == len(df)
    pairs = res.detailed_label_quality[["item", "annotator", "label"]]
    assert sorted(map(tuple, pairs.to_numpy().tolist())) == sorted(
        map(tuple, df.to_numpy().tolist())
    )
    stats = res.annotator_stats
    assert stats["annotator"].is_unique and set(stats["annotator"]) == set(df["worker"])

    if method not in ORDER_FREE:
        return
    base = by_item(res)
    # permuting the rows changes nothing
    perm = df.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    shuffled = by_item(fit(perm, method))
    np.testing.assert_allclose(
        shuffled["consensus_quality_score"], base["consensus_quality_score"], atol=ATOL
    )
    clear = _clear(res)
    assert (shuffled["consensus_label"][clear] == base["consensus_label"][clear]).all()
    # renaming ids (and classes, keeping their order) changes nothing but the names
    renamed = df.assign(item="q-" + df["item"], worker=df["worker"] + "@x", label="k" + df["label"])
    ren = fit(renamed, method).label_quality
    ren = ren.assign(item=ren["item"].str[2:]).set_index("item").sort_index()
    np.testing.assert_allclose(
        ren["consensus_quality_score"], base["consensus_quality_score"], atol=ATOL
    )
    assert (ren["consensus_label"].str[1:] == base["consensus_label"]).all()


@pytest.mark.parametrize("method", ["majority_vote", "dawid_skene", "jury"])
@PROPS
@given(df=crowds())
def test_duplicated_data_set(method: str, df: pd.DataFrame) -> None:
    """Two copies of the data set: both copies get the same answer; MV's is unchanged."""
    twice = pd.concat(
        [df.assign(item=df["item"] + "/a"), df.assign(item=df["item"] + "/b")], ignore_index=True
    )
    lq = fit(twice, method).label_quality
    a = lq[lq["item"].str.endswith("/a")].assign(item=lambda t: t["item"].str[:-2])
    b = lq[lq["item"].str.endswith("/b")].assign(item=lambda t: t["item"].str[:-2])
    a, b = a.set_index("item").sort_index(), b.set_index("item").sort_index()
    np.testing.assert_allclose(
        a["consensus_quality_score"], b["consensus_quality_score"], atol=ATOL
    )
    assert (a["consensus_label"] == b["consensus_label"]).all()
    if method == "majority_vote":
        base = by_item(fit(df, method))
        assert (a["consensus_label"] == base["consensus_label"]).all()


def _clear(res: labeljury.Result) -> pd.Series:
    """Items whose top class is not tied (tie-breaks may depend on row order)."""
    p = np.sort(res.method.probas_, axis=1)
    clear = p[:, -1] - p[:, -2] > 1e-6
    return pd.Series(clear, index=res.annotations.items).sort_index()


def test_annotations_round_trip_properties() -> None:
    ann = Annotations.from_arrays(["b", "a", "b"], ["x", "x", "y"], ["1", "0", "1"])
    assert ann.to_long().equals(ann.to_long())  # deterministic


# ids are text: "NA", "null", "?" are ids like any other (only an empty cell is missing)
_ID = st.one_of(
    st.text(
        alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "S"]),
        min_size=1,
        max_size=8,
    ),
    st.sampled_from(["NA", "N/A", "null", "None", "nan", "?", "<NA>", "#N/A", "missing"]),
).filter(lambda s: s.strip() != "" and s == s.strip())


@PROPS
@given(
    ids=st.lists(_ID, min_size=2, max_size=8, unique=True),
    workers=st.lists(_ID, min_size=2, max_size=3, unique=True),
)
def test_ids_round_trip_through_a_file_exactly(tmp_path_factory, ids: list, workers: list) -> None:
    """Any printable id text is read back exactly and written back exactly (CLI)."""
    import unicodedata

    from labeljury.cli import main

    ids = list(dict.fromkeys(unicodedata.normalize("NFC", i) for i in ids))
    workers = list(dict.fromkeys(unicodedata.normalize("NFC", w) for w in workers))
    if len(ids) < 2 or len(workers) < 2:
        return
    rows = [(i, w, f"c{(k + j) % 2}") for k, i in enumerate(ids) for j, w in enumerate(workers)]
    d = tmp_path_factory.mktemp("ids")
    df = pd.DataFrame(rows, columns=["item", "worker", "label"])
    df.to_csv(d / "a.csv", index=False)
    ann = labeljury.read_annotations(d / "a.csv")
    assert ann.items.tolist() == ids and ann.annotators.tolist() == workers
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert (
            main(
                [
                    "aggregate",
                    str(d / "a.csv"),
                    "--method",
                    "majority_vote",
                    "--quiet",
                    "--out",
                    str(d / "out"),
                ]
            )
            == 0
        )
    back = pd.read_csv(d / "out" / "label_quality.csv", dtype=str, keep_default_na=False)
    assert back["item"].tolist() == ids


def test_mace_is_row_order_free_on_a_larger_crowd() -> None:
    """Its random restarts follow the sorted annotator ids, not the rows' order."""
    from labeljury.synth import make_mace

    ann, _, _ = make_mace(300, 12, labels_per_item=3, random_state=3)
    df = ann.to_long().assign(annotator=lambda t: "w" + t["annotator"].astype(str))
    perm = df.sample(frac=1.0, random_state=1).reset_index(drop=True)
    a, b = by_item(fit(df, "mace")), by_item(fit(perm, "mace"))
    assert Annotations.from_long(perm).annotators[0] != Annotations.from_long(df).annotators[0]
    score = "consensus_quality_score"
    np.testing.assert_allclose(a[score], b[score], atol=1e-8)
    assert (a["consensus_label"] == b["consensus_label"]).all()
