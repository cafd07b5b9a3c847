"""MultiLabelAnnotations and the long-table reader."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from labeljury.errors import (
    ClassError,
    DuplicateAnnotationError,
    EmptyInputError,
    InputError,
    MissingColumnError,
    MissingValueError,
)
from labeljury.multilabel import MultiLabelAnnotations, read_multilabel


def test_empty_set_is_kept_apart_from_not_seen():
    ann = MultiLabelAnnotations.from_sets(
        ["d1", "d1", "d2"], ["a", "b", "a"], [["x"], [], ["y", "x"]]
    )
    assert ann.n_judgements == 3  # b saw d1 and chose nothing
    assert ann.set_sizes.tolist() == [1, 0, 2]
    assert ann.judgements_per_annotator().tolist() == [2, 1]
    assert ann.votes().tolist() == [[1, 0], [1, 1]]
    assert ann.to_long()["label"].tolist() == ["x", "", "x|y"]


def test_ids_stay_text():
    df = pd.DataFrame({"item": ["007", "7"], "annotator": ["a", "a"], "label": ["x", "y"]})
    ann = read_multilabel(df)
    assert list(ann.items) == ["007", "7"]


def test_reader_sets_layout_with_sep_json_and_empty(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text('item,annotator,labels\n001,w1,sport;news\n001,w2,"[""news""]"\n002,w1,\n')
    ann = read_multilabel(p, sep=";", classes=["sport", "news", "tech"])
    assert list(ann.items) == ["001", "002"]
    assert list(ann.classes) == ["sport", "news", "tech"]
    assert ann.chosen().astype(int).tolist() == [[1, 1, 0], [0, 1, 0], [0, 0, 0]]


def test_reader_pairs_layout_merges_rows():
    df = pd.DataFrame(
        {
            "item": ["d", "d", "d", "e"],
            "annotator": ["a", "a", "b", "a"],
            "label": ["x", "y", None, "x"],
        }
    )
    ann = read_multilabel(df)
    assert ann.n_judgements == 3
    assert ann.to_long()["label"].tolist() == ["x|y", "", "x"]


def test_reader_errors(tmp_path):
    df = pd.DataFrame({"item": ["d", "d"], "annotator": ["a", "a"], "label": ["x|y", "x"]})
    with pytest.raises(DuplicateAnnotationError, match="set twice"):
        read_multilabel(df)
    df = pd.DataFrame({"item": ["d", "d"], "annotator": ["a", "a"], "label": ["x", "x"]})
    with pytest.raises(DuplicateAnnotationError, match="same class"):
        read_multilabel(df)
    p = tmp_path / "b.csv"
    p.write_text("item,annotator,label\nd,a,x|zz\n")
    with pytest.raises(ClassError, match=r"b.csv line 2.*'zz'"):
        read_multilabel(p, classes=["x", "y"])
    p.write_text("item,annotator,label\n,a,x\n")
    with pytest.raises(MissingValueError, match="line 2: no item id"):
        read_multilabel(p)
    with pytest.raises(MissingColumnError):
        read_multilabel(pd.DataFrame({"item": ["d"], "label": ["x"]}))
    with pytest.raises(InputError, match="JSON"):
        read_multilabel(pd.DataFrame({"item": ["d"], "annotator": ["a"], "label": ["[x"]}))
    with pytest.raises(EmptyInputError):
        read_multilabel(pd.DataFrame({"item": [], "annotator": [], "label": []}))
    with pytest.raises(ClassError, match="no classes"):
        read_multilabel(pd.DataFrame({"item": ["d"], "annotator": ["a"], "label": [""]}))


def test_single_label_method_refuses_multilabel_data():
    from labeljury.methods.majority_vote import MajorityVote

    ann = MultiLabelAnnotations.from_sets(["d"], ["a"], [["x"]])
    with pytest.raises(InputError, match="multi-label"):
        MajorityVote().fit(ann)


def test_from_dense_roundtrip():
    rng = np.random.default_rng(0)
    item = np.repeat(np.arange(20), 3)
    annotator = np.tile(np.arange(3), 20)
    chosen = rng.random((60, 4)) < 0.3
    ann = MultiLabelAnnotations.from_dense(item, annotator, chosen)
    assert (ann.chosen() == chosen).all()
    again = read_multilabel(ann.to_long(), classes=list(ann.classes), layout="sets")
    # text ids sort as text ("10" before "2"), so compare the tables, not the codes
    key = ["item", "annotator"]
    pd.testing.assert_frame_equal(
        again.to_long().sort_values(key, ignore_index=True),
        ann.to_long().sort_values(key, ignore_index=True),
    )
