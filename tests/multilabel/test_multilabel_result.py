"""Multi-label quality tables and saving."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from labeljury.errors import InputError
from labeljury.multilabel import MultiLabelAnnotations
from labeljury.multilabel.result import aggregate
from labeljury.multilabel.synth import make_multilabel_crowd


def test_tables_on_a_small_example(tmp_path):
    ann = MultiLabelAnnotations.from_sets(
        ["d", "d", "d", "e", "e"],
        ["a", "b", "c", "a", "b"],
        [["x", "y"], ["x", "y"], ["x"], [], []],
        classes=["y", "x", "z"],
    )
    res = aggregate(ann, "majority_vote", sep=";")
    lq = res.label_quality
    assert lq["consensus_label"].tolist() == ["y;x", ""]  # class order, empty for none
    assert lq["annotator_agreement"].tolist() == pytest.approx([2 / 3, 1.0])
    assert lq["num_annotations"].tolist() == [3, 2]
    cq = res.class_quality
    assert list(cq.columns) == ["item", "y", "x", "z"]
    assert cq.loc[0, "y"] == pytest.approx(2 / 3)
    d = res.detailed_label_quality
    assert d["label"].tolist() == ["y;x", "y;x", "x", "", ""]
    # MV probas of d: y 2/3, x 1, z 0 -> a's set {y, x} is right with prob 2/3
    assert d["label_quality_score"].iloc[0] == pytest.approx(2 / 3)
    assert d["label_quality_score"].iloc[2] == pytest.approx(1 / 3)
    assert d["hamming_quality"].iloc[2] == pytest.approx((1 / 3 + 1 + 1) / 3)
    st = res.annotator_stats
    assert {"sensitivity:x", "specificity:z", "worst_class"} <= set(st.columns)
    assert st["annotator_quality"].is_monotonic_increasing
    # c judged only d: {x} against the consensus {y, x} agrees on 2 of 3 classes
    assert st.set_index("annotator").loc["c", "agreement_with_consensus"] == pytest.approx(2 / 3)
    files = res.save(tmp_path / "out")
    assert [f.name for f in files] == [
        "label_quality.csv",
        "class_quality.csv",
        "detailed_label_quality.csv",
        "annotator_stats.csv",
    ]
    back = pd.read_csv(files[0], keep_default_na=False)
    assert back["consensus_label"].tolist() == ["y;x", ""]
    s = res.summary()
    assert s["items"] == 2 and s["unanimous_items"] == 1 and s["classes"] == 3


def test_set_quality_is_calibrated_on_a_simulated_crowd():
    c = make_multilabel_crowd(3000, 6, 80, 3.0, random_state=4)
    res = aggregate(c.annotations)
    right = (res.method.labels_ == c.truth).all(axis=1)
    score = res.label_quality["consensus_quality_score"].to_numpy()
    # mean predicted set quality close to the share of right sets
    assert abs(score.mean() - right.mean()) < 0.06
    # the worst-scored tenth holds far more wrong sets than the rest
    worst = np.argsort(score)[: len(score) // 10]
    assert (~right[worst]).mean() > 2 * (~right).mean()


def test_aggregate_refuses_single_label_data_and_bad_format(tmp_path):
    from labeljury import Annotations

    with pytest.raises(InputError, match="labeljury.aggregate"):
        aggregate(Annotations.from_arrays(["d", "d"], ["a", "b"], ["x", "y"]))
    ann = MultiLabelAnnotations.from_sets(["d"], ["a"], [["x"]])
    with pytest.raises(InputError, match="csv"):
        aggregate(ann).save(tmp_path, format="xlsx")
