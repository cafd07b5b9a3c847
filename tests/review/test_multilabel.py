"""The review app over a multi-label output folder: sets in the queue, the item screen, reviews."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from labeljury.review.app import create_app
from labeljury.review.data import QueueQuery, ReviewData
from labeljury.review.multilabel import MultiLabelReviewData, find_separator
from labeljury.review.reviews import read_reviews

from .conftest import ML_CLASSES, ML_XSS, client_for, make_multilabel_output

TOKEN, CSRF = "tok-ml", "csrf-ml"


@pytest.fixture
def ml_out(tmp_path: Path) -> tuple[Path, Path]:
    out = tmp_path / "out"
    return out, make_multilabel_output(out)


@pytest.fixture
def ml_client(ml_out: tuple[Path, Path]) -> Any:
    out, items = ml_out
    c = client_for(create_app(ReviewData.load(out, items), token=TOKEN, csrf=CSRF))
    c.get(f"/queue?token={TOKEN}")
    return c


def _sets(out: Path) -> dict[str, set[str]]:
    lq = pd.read_csv(out / "label_quality.csv", dtype=str, keep_default_na=False)
    return {
        i: set(s.split(";")) - {""} for i, s in zip(lq["item"], lq["consensus_label"], strict=True)
    }


def test_load_detects_sets_and_their_separator(ml_out: tuple[Path, Path]) -> None:
    out, _ = ml_out
    d = ReviewData.load(out)
    assert isinstance(d, MultiLabelReviewData) and d.multi_label
    assert d.sep == ";" and d.classes == ML_CLASSES
    truth = _sets(out)
    for i in range(d.n):
        assert set(d.item(i)["consensus_set"]) == truth[d.ids[i]]
    assert find_separator(["a b", "a"], ["a", "b"]) == " "


def test_queue_filters_by_class_in_the_set(ml_client: Any, ml_out: tuple[Path, Path]) -> None:
    out, _ = ml_out
    truth = _sets(out)
    r = ml_client.get("/api/queue", params={"cls": "news", "per_page": 500}).json()
    assert r["total"] == sum("news" in s for s in truth.values()) > 0
    assert all("news" in row["consensus_set"] for row in r["rows"])
    q = [row["consensus_quality_score"] for row in r["rows"]]
    assert q == sorted(q)
    page = ml_client.get("/queue", params={"cls": ML_XSS}).text
    assert ML_XSS not in page and '<span class="chip">&lt;b&gt;x&lt;/b&gt;</span>' in page
    assert "Class in set" in page


def test_item_screen_shows_sets_and_probabilities(ml_client: Any) -> None:
    d = ml_client.get("/api/queue", params={"cls": ML_XSS}).json()["rows"][0]["item"]
    it = ml_client.get("/api/item", params={"id": d}).json()
    assert len(it["labels"]) == 3 and all(isinstance(lab["set"], list) for lab in it["labels"])
    assert [p["class"] for p in it["class_probs"]] == ML_CLASSES
    assert {p["class"] for p in it["class_probs"] if p["in_consensus"]} == set(it["consensus_set"])
    html = ml_client.get("/item", params={"id": d}).text
    assert ML_XSS not in html
    assert html.count('type="checkbox" name="label"') == len(ML_CLASSES)
    assert "Class probabilities (consensus)" in html


def test_a_correction_is_a_set(ml_client: Any, ml_out: tuple[Path, Path]) -> None:
    out, items = ml_out
    ids = [r["item"] for r in ml_client.get("/api/queue").json()["rows"][:3]]
    h = {"X-CSRF-Token": CSRF}
    r = ml_client.post(
        "/api/decide",
        json={"item": ids[0], "action": "correct", "label": ["tech", ML_XSS]},
        headers=h,
    )
    assert r.status_code == 200 and r.json()["saved"]["label"] == f"{ML_XSS};tech"  # class order
    # the empty set is a correction too; the plain form posts its checked boxes
    assert (
        ml_client.post(
            "/api/decide", json={"item": ids[1], "action": "correct", "label": []}, headers=h
        ).status_code
        == 200
    )
    r = ml_client.post(
        "/decide",
        data={"csrf": CSRF, "item": ids[2], "action": "correct", "label": ["sport", "news"]},
        follow_redirects=False,
    )
    assert r.status_code == 303
    bad = ml_client.post(
        "/api/decide", json={"item": ids[0], "action": "correct", "label": ["nope"]}, headers=h
    )
    assert bad.status_code == 400 and "nope" in bad.json()["error"]
    rev = read_reviews(out / "reviews.csv")
    assert rev["label"].tolist() == [f"{ML_XSS};tech", "", "sport;news"]
    assert rev["action"].tolist() == ["correct"] * 3
    # a restart shows the sets decided; accepting records the consensus set itself
    d = ReviewData.load(out, items)
    assert d.item(d.position(ids[0]))["decision_set"] == [ML_XSS, "tech"]
    assert d.item(d.position(ids[1]))["decision_set"] == []
    row = d.decide(ids[1], "accept")
    assert row["label"] == d.consensus_text(d.position(ids[1]))
    assert d.page(QueueQuery(reviewed="yes"))["total"] == 3


def test_annotators_overview_and_export(ml_client: Any, ml_out: tuple[Path, Path]) -> None:
    out, _ = ml_out
    truth = _sets(out)
    o = ml_client.get("/api/overview").json()
    assert o["consensus_per_class"]["news"] == sum("news" in s for s in truth.values())
    a = ml_client.get("/api/annotator", params={"name": "w0"}).json()
    conf = np.array(a["confusion"])
    assert conf.shape == (len(ML_CLASSES), len(ML_CLASSES))
    # rows: classes of the consensus set; columns: classes w0 chose on the same item
    dlq = pd.read_csv(out / "detailed_label_quality.csv", dtype=str, keep_default_na=False)
    want = np.zeros_like(conf)
    for item, lab in zip(
        dlq["item"][dlq["annotator"] == "w0"], dlq["label"][dlq["annotator"] == "w0"], strict=True
    ):
        for r in truth[item]:
            for c in set(lab.split(";")) - {""}:
                want[ML_CLASSES.index(r), ML_CLASSES.index(c)] += 1
    assert (conf == want).all() and conf.sum() > 0
    assert ml_client.get("/annotators").status_code == 200
    assert ml_client.get("/overview").status_code == 200
    first = ml_client.get("/api/queue").json()["rows"][0]["item"]
    ml_client.post(
        "/api/decide", json={"item": first, "action": "relabel"}, headers={"X-CSRF-Token": CSRF}
    )
    from labeljury.review.export import label_studio_tasks

    tasks = label_studio_tasks(ReviewData.load(out))
    assert [t["data"]["labeljury_item"] for t in tasks] == [first]
    assert set(tasks[0]["meta"]["consensus_label"].split(";")) - {""} == truth[first]
