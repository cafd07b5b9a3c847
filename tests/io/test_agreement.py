"""Agreement statistics against published textbook values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from labeljury import Annotations
from labeljury.agreement import agreement, fleiss_kappa

NAN = np.nan
# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: four observers
# A-D, twelve units, values 1-5, missing data; published nominal alpha = 0.743.
KRIPP_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
    [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
]

# Fleiss (1971), Table 1: 30 patients, 6 psychiatrists each, 5 diagnoses (1 depression,
# 2 personality disorder, 3 schizophrenia, 4 neurosis, 5 other); published kappa = 0.430
# (R irr::kappam.fleiss(diagnoses) = 0.4302445).
FLEISS_1971 = [
    [4, 4, 4, 4, 4, 4],
    [2, 2, 2, 5, 5, 5],
    [2, 3, 3, 3, 3, 5],
    [5, 5, 5, 5, 5, 5],
    [2, 2, 2, 4, 4, 4],
    [1, 1, 3, 3, 3, 3],
    [3, 3, 3, 3, 5, 5],
    [1, 1, 3, 3, 3, 4],
    [1, 1, 4, 4, 4, 4],
    [5, 5, 5, 5, 5, 5],
    [1, 4, 4, 4, 4, 4],
    [1, 2, 4, 4, 4, 4],
    [2, 2, 2, 3, 3, 3],
    [1, 4, 4, 4, 4, 4],
    [2, 2, 4, 4, 4, 5],
    [3, 3, 3, 3, 3, 5],
    [1, 1, 1, 4, 5, 5],
    [1, 1, 1, 1, 1, 2],
    [2, 2, 4, 4, 4, 4],
    [1, 3, 3, 5, 5, 5],
    [5, 5, 5, 5, 5, 5],
    [2, 4, 4, 4, 4, 4],
    [2, 2, 4, 5, 5, 5],
    [1, 1, 4, 4, 4, 4],
    [1, 4, 4, 4, 4, 5],
    [2, 2, 2, 2, 2, 4],
    [1, 1, 1, 1, 5, 5],
    [2, 2, 4, 4, 4, 4],
    [1, 3, 3, 3, 3, 3],
    [5, 5, 5, 5, 5, 5],
]

# The worked Fleiss' kappa example of Wikipedia (10 subjects x 14 raters, 5 categories, counts
# per category), kappa = 0.210; often quoted next to Fleiss (1971), whose own table is above.
FLEISS_WIKI = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]


def from_counts(counts: list[list[int]]) -> Annotations:
    """One annotation per counted label; raters are anonymous, so ids are 'r<k>' per item."""
    items, raters, labels = [], [], []
    for i, row in enumerate(counts):
        k = 0
        for c, n in enumerate(row):
            for _ in range(n):
                items.append(i)
                raters.append(f"r{k}")
                labels.append(c + 1)
                k += 1
    return Annotations.from_arrays(items, raters, labels)


def test_krippendorff_2011_nominal_alpha() -> None:
    data = np.array(KRIPP_2011)
    obs, unit = np.nonzero(~np.isnan(data))
    ann = Annotations.from_arrays(unit, np.array(list("ABCD"))[obs], data[obs, unit].astype(int))
    rep = agreement(ann, min_shared=1)
    assert round(rep.krippendorff_alpha, 3) == 0.743
    assert rep.n_items_pairable == 11  # unit 12 has a single value: not pairable
    assert rep.fleiss_kappa is None and "between 1 and 4" in rep.fleiss_kappa_reason
    # pairwise Cohen's kappa is scikit-learn's on the items both observers coded
    row = rep.pairwise.set_index(["annotator_a", "annotator_b"]).loc[("A", "B")]
    both = ~np.isnan(data[0]) & ~np.isnan(data[1])
    assert row["n_shared"] == both.sum()
    assert row["cohen_kappa"] == pytest.approx(cohen_kappa_score(data[0, both], data[1, both]))


def test_fleiss_1971_kappa() -> None:
    table = np.array(FLEISS_1971)
    items = np.repeat(np.arange(len(table)), 6)
    raters = np.tile([f"rater{k}" for k in range(1, 7)], len(table))
    rep = agreement(Annotations.from_arrays(items, raters, table.ravel()))
    assert round(rep.fleiss_kappa, 3) == 0.430
    assert rep.fleiss_kappa == pytest.approx(0.4302445, abs=1e-7)
    # Fleiss (1971) also reports kappa per category: 0.245, 0.245, 0.520, 0.471, 0.566
    assert np.round(rep.per_class["fleiss_kappa"].to_numpy(), 3).tolist() == [
        0.245,
        0.245,
        0.520,
        0.471,
        0.566,
    ]
    assert len(rep.pairwise) == 15  # 6 raters, all share the 30 items


def test_fleiss_kappa_wikipedia_example() -> None:
    kappa, _ = fleiss_kappa(np.array(FLEISS_WIKI))
    assert round(kappa, 3) == 0.210
    rep = agreement(from_counts(FLEISS_WIKI))
    assert round(rep.fleiss_kappa, 3) == 0.210
    # mean per-item agreement P-bar = 0.378 in the same example
    assert round(rep.percent_agreement, 3) == 0.378


def test_percent_and_specific_agreement_by_hand() -> None:
    ann = Annotations.from_arrays([0, 0, 0, 1, 1, 2], list("abcabc"), list("xxyyyx"))
    rep = agreement(ann, min_shared=1)
    # item 0: 2 of 6 ordered pairs agree, item 1: all agree, item 2 has one label
    assert rep.percent_agreement == pytest.approx((2 / 6 + 1) / 2)
    per = rep.per_class.set_index("class")
    assert per.loc["x", "specific_agreement"] == pytest.approx(2 / 4)
    assert per.loc["y", "specific_agreement"] == pytest.approx(2 / 4)
    assert per["n_labels"].tolist() == [3, 3]


def test_pairwise_threshold_and_report_printing() -> None:
    rng = np.random.default_rng(0)
    items = np.repeat(np.arange(30), 3)
    who = np.tile(["a", "b", "c"], 30)
    who[who == "c"] = np.where(np.arange(30) < 5, "c", "d")  # c shares only 5 items
    ann = Annotations.from_arrays(items, who, rng.integers(0, 3, 90))
    rep = agreement(ann)
    pairs = set(map(tuple, rep.pairwise[["annotator_a", "annotator_b"]].to_numpy()))
    assert ("a", "c") not in pairs and ("a", "b") in pairs and ("a", "d") in pairs
    from rich.console import Console

    console = Console(record=True, width=120)
    console.print(rep)
    assert "Per class" in console.export_text()
    assert set(rep.summary()) >= {"krippendorff_alpha", "fleiss_kappa", "percent_agreement"}
    assert isinstance(rep.per_class, pd.DataFrame)
