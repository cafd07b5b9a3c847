"""The review app through its HTTP interface: screens, decisions, security, gold, export."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from labeljury.cli import main
from labeljury.review.app import MAX_BODY, create_app
from labeljury.review.data import QueueQuery, ReviewData
from labeljury.review.reviews import append_review, read_reviews

from .conftest import XSS, client_for

TOKEN, CSRF = "tok-123", "csrf-456"


@pytest.fixture
def client(review_out: tuple[Path, Path]) -> Any:
    out, items = review_out
    c = client_for(
        create_app(ReviewData.load(out, items, reviewer="tester"), token=TOKEN, csrf=CSRF)
    )
    r = c.get(f"/queue?token={TOKEN}", follow_redirects=False)
    assert r.status_code == 303 and "token" not in r.headers["location"]
    return c


def decide(c: Any, **body: object) -> object:
    return c.post("/api/decide", json=body, headers={"X-CSRF-Token": CSRF})


# ------------------------------------------------------------------ security
def test_no_token_is_refused(review_out: tuple[Path, Path]) -> None:
    out, items = review_out
    c = client_for(create_app(ReviewData.load(out, items), token=TOKEN, csrf=CSRF))
    for path in ("/queue", "/api/queue", "/item?id=i001", "/static/review.js", "/image?id=i001"):
        assert c.get(path).status_code == 401, path
    assert c.get("/queue?token=wrong").status_code == 403
    assert decide(c, item="i001", action="accept").status_code == 401
    assert not (out / "reviews.csv").exists()
    from starlette.websockets import WebSocketDisconnect

    with pytest.raises(WebSocketDisconnect), c.websocket_connect("/queue"):
        pass


def test_post_without_csrf_is_403(client: Any, review_out: tuple[Path, Path]) -> None:
    out, _ = review_out
    assert client.post("/api/decide", json={"item": "i001", "action": "accept"}).status_code == 403
    r = client.post(
        "/api/decide", json={"item": "i001", "action": "accept"}, headers={"X-CSRF-Token": "guess"}
    )
    assert r.status_code == 403
    r = client.post("/decide", data={"item": "i001", "action": "accept", "csrf": "guess"})
    assert r.status_code == 403
    assert not (out / "reviews.csv").exists()


def test_xss_label_and_text_stay_text(client: Any) -> None:
    for path in (
        "/queue?sort=priority",
        "/item?id=i000",
        "/annotators",
        "/overview",
        "/annotator?name=w5",
    ):
        html = client.get(path).text
        assert "<script>alert" not in html, path
    html = client.get("/queue?per_page=500").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>bold?</b>" not in html
    headers = client.get("/queue").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"


def test_image_cannot_leave_its_folder(client: Any) -> None:
    assert client.get("/image?id=i001").status_code == 200  # img/a.png beside items.csv
    assert client.get("/image?id=i002").status_code == 404  # ../secret.png
    assert client.get("/image?id=i003").status_code == 404  # no image
    assert client.get("/image?id=../secret.png").status_code == 404
    assert client.get("/static/../app.py").status_code == 404


def test_request_size_is_bounded(client: Any) -> None:
    r = client.post(
        "/api/decide",
        content=b"x" * (MAX_BODY + 1),
        headers={"X-CSRF-Token": CSRF, "content-type": "application/json"},
    )
    assert r.status_code == 413


# ------------------------------------------------------------------- screens
def test_queue_orders_filters_and_pages(client: Any) -> None:
    full = client.get("/api/queue?per_page=500").json()
    assert full["total"] == 120
    q = [r["consensus_quality_score"] for r in full["rows"]]
    assert q == sorted(q)
    pr = client.get("/api/queue?sort=priority&per_page=500").json()["rows"]
    assert [r["relabel_priority"] for r in pr] == sorted(r["relabel_priority"] for r in pr)
    cat = client.get("/api/queue?cls=cat&per_page=500").json()
    assert cat["total"] == sum(r["consensus_label"] == "cat" for r in full["rows"]) > 0
    assert {r["consensus_label"] for r in cat["rows"]} == {"cat"}
    dis = client.get("/api/queue?disagree=1&per_page=500").json()["rows"]
    assert dis and all(r["annotator_agreement"] < 1 for r in dis)
    w5 = client.get("/api/queue?annotator=w5&per_page=500").json()
    labeled_by_w5 = client.get("/api/annotator?name=w5").json()["stats"]["num_examples_labeled"]
    assert w5["total"] == labeled_by_w5
    assert client.get("/api/queue?q=i017").json()["rows"][0]["item"] == "i017"
    assert client.get("/api/queue?q=item 11").json()["total"] == 11  # 11, 110..119
    p2 = client.get("/api/queue?per_page=50&page=2").json()
    assert [r["item"] for r in p2["rows"]] == [r["item"] for r in full["rows"][50:100]]
    assert client.get("/api/queue?page=99").json()["page"] == 3


def test_item_screen_shows_everything(client: Any) -> None:
    it = client.get("/api/item?id=i001").json()
    assert len(it["labels"]) == 3
    assert {"annotator", "label", "label_quality_score", "annotator_quality"} <= set(
        it["labels"][0]
    )
    assert len(it["pred_probs"]) == 3 and abs(sum(p["p"] for p in it["pred_probs"]) - 1) < 1e-9
    html = client.get("/item?id=i001").text
    assert 'src="/image?id=i001"' in html and "Text of item 1:" in html
    assert client.get("/item?id=nope").status_code == 404


def test_decisions_are_appended_and_shown(client: Any, review_out: tuple[Path, Path]) -> None:
    out, _ = review_out
    first = client.get("/api/queue?reviewed=no").json()["rows"][0]["item"]
    r = decide(client, item=first, action="correct", label="dog", nav={"reviewed": "no"})
    assert r.status_code == 200
    body = r.json()
    assert body["saved"]["label"] == "dog" and body["saved"]["reviewer"] == "tester"
    # the next item is the one after it in the queue it left
    nxt = client.get("/api/queue?reviewed=no").json()["rows"][0]["item"]
    assert body["next_url"] == f"/item?id={nxt}&reviewed=no"
    assert decide(client, item=nxt, action="relabel").status_code == 200
    r = client.post(
        "/decide", data={"item": "i005", "csrf": CSRF, "label": "cat"}, follow_redirects=False
    )  # a class button of the plain form
    assert r.status_code == 303
    reviews = read_reviews(out / "reviews.csv")
    assert reviews[["item", "action"]].values.tolist() == [
        [
            first,
            "correct"
            if client.get(f"/api/item?id={first}").json()["consensus_label"] != "dog"
            else "accept",
        ],
        [nxt, "relabel"],
        [
            "i005",
            "correct"
            if client.get("/api/item?id=i005").json()["consensus_label"] != "cat"
            else "accept",
        ],
    ]
    assert client.get(f"/api/item?id={first}").json()["decision_label"] == "dog"
    assert client.get("/api/queue?reviewed=yes").json()["total"] == 3
    assert client.get("/api/overview").json()["reviewed"] == 3
    assert decide(client, item="i001", action="correct", label="horse").status_code == 400
    assert decide(client, item="zzz", action="accept").status_code == 404


def test_decisions_survive_a_restart(review_out: tuple[Path, Path]) -> None:
    out, items = review_out
    d = ReviewData.load(out, items)
    d.decide("i010", "relabel")
    d.decide("i011", "correct", XSS)
    again = ReviewData.load(out, items)
    assert again.item(again.position("i010"))["decision"] == "relabel"
    assert again.item(again.position("i011"))["decision_label"] == XSS
    assert again.page(QueueQuery(reviewed="yes"))["total"] == 2


def _append_many(args: tuple[str, int]) -> None:
    path, k = args
    for j in range(100):
        append_review(path, f"item-{k}-{j}", "correct", 'a,"quoted"\nlabel', reviewer=f"p{k}")


def test_concurrent_writers_never_corrupt(tmp_path: Path) -> None:
    path = str(tmp_path / "reviews.csv")
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(4) as pool:
        pool.map(_append_many, [(path, k) for k in range(4)])
    df = read_reviews(path)
    assert len(df) == 400 and set(df["label"]) == {'a,"quoted"\nlabel'}
    assert df.groupby("reviewer").size().tolist() == [100] * 4


def test_annotators_and_overview(client: Any) -> None:
    rows = client.get("/api/annotators").json()["rows"]
    assert rows[0]["annotator"] == "w5"  # the random clicker is worst
    a = client.get("/api/annotator?name=w1").json()
    conf = a["confusion"]
    assert sum(map(sum, conf)) == a["stats"]["num_examples_labeled"]
    o = client.get("/api/overview").json()
    assert o["items"] == 120 and sum(o["quality_histogram"]["counts"]) == 120
    assert sum(o["consensus_per_class"].values()) == 120


# ------------------------------------------------------------ gold and export
def test_reviews_csv_is_gold_for_aggregate(review_out: tuple[Path, Path], tmp_path: Path) -> None:
    out, _ = review_out
    answers = tmp_path / "answers.csv"
    dlq = pd.read_csv(out / "detailed_label_quality.csv")
    dlq[["item", "annotator", "label"]].to_csv(answers, index=False)
    reviews = out / "reviews.csv"
    append_review(reviews, "i000", "correct", "cat", "r")
    append_review(reviews, "i001", "accept", "dog", "r")
    append_review(reviews, "i002", "accept", "cat", "r")
    append_review(reviews, "i002", "relabel", None, "r")  # the latest decision wins: not gold
    append_review(reviews, "i003", "correct", "dog", "r")
    append_review(reviews, "i003", "correct", "cat", "r")
    res_dir = tmp_path / "again"
    assert (
        main(
            [
                "aggregate",
                str(answers),
                "--gold",
                str(reviews),
                "--method",
                "jury",
                "--out",
                str(res_dir),
                "--quiet",
            ]
        )
        == 0
    )
    lq = pd.read_csv(res_dir / "label_quality.csv").set_index("item")["consensus_label"]
    assert lq[["i000", "i001", "i003"]].tolist() == ["cat", "dog", "cat"]  # pinned gold


def test_export_relabel_label_studio(
    review_out: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, items = review_out
    d = ReviewData.load(out, items)
    d.decide("i004", "relabel")
    d.decide("i007", "relabel")
    d.decide("i007", "accept")  # taken back
    d.decide("i009", "relabel")
    target = tmp_path / "tasks.json"
    assert (
        main(
            [
                "export",
                str(out),
                "--relabel",
                "--format",
                "label_studio",
                "--data",
                str(items),
                "--out",
                str(target),
            ]
        )
        == 0
    )
    assert "2 task(s)" in capsys.readouterr().out
    tasks = json.loads(target.read_text())
    assert sorted(t["data"]["labeljury_item"] for t in tasks) == ["i004", "i009"]
    assert tasks[0]["data"]["text"].startswith("Text of item")
    assert {"consensus_label", "consensus_quality_score", "flagged_by"} <= set(tasks[0]["meta"])
    # Label Studio imports a JSON list of {"data": {...}} tasks; every task has that shape
    assert all(set(t) == {"data", "meta"} and isinstance(t["data"], dict) for t in tasks)
    assert main(["export", str(tmp_path / "missing"), "--relabel"]) == 2


# ----------------------------------------------------------------- the command
def test_review_command_warns_off_loopback(
    review_out: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import labeljury.review.server as server

    calls = []
    monkeypatch.setattr(server, "serve", lambda *a, **k: calls.append(k) or 0)
    out, _ = review_out
    assert main(["review", str(out), "--no-browser"]) == 0
    assert "warning" not in capsys.readouterr().err
    assert calls[-1]["host"] == "127.0.0.1" and calls[-1]["open_browser"] is False
    assert main(["review", str(out), "--host", "0.0.0.0", "--no-browser"]) == 0
    assert "warning: serving on 0.0.0.0" in capsys.readouterr().err


def test_review_command_bad_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["review", str(tmp_path / "nope"), "--no-browser", "--port", "0"]) == 2
    assert "no such folder" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["review", str(tmp_path / "empty"), "--no-browser", "--port", "0"]) == 2
    assert "no label_quality.csv" in capsys.readouterr().err


def test_report_is_served_without_scripts(client: Any, review_out: tuple[Path, Path]) -> None:
    out, _ = review_out
    assert client.get("/report").status_code == 404
    (out / "report.html").write_text("<html><style>p{}</style><p>report</p></html>")
    r = client.get("/report")
    assert r.status_code == 200 and "report" in r.text
    csp = r.headers["content-security-policy"]
    assert "script-src" not in csp and csp.startswith("default-src 'none'")
    assert "/report" in client.get("/overview").text
    r = decide(client, item="i001", action="accept", nav=["not", "a", "dict"])
    assert r.status_code == 200
