"""The HTML report a lead reads: relabel-next list, text and class names, gold, the model.

The last test opens the report in a real headless browser (Debian's ``chromium``)
and checks that the screenshot shows a page, not a blank or broken one.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import labeljury
from labeljury.bench.datasets import simulate_pred_probs

pytest.importorskip("matplotlib")

DATA = Path(__file__).parent / "data" / "temp"
NAMES = {0: "colder", 1: "warmer"}


@pytest.fixture(scope="module")
def with_gold():
    ann = labeljury.read_annotations(DATA / "answers.csv")
    gold = pd.read_csv(DATA / "gold.csv").iloc[:80]
    res = labeljury.aggregate(ann.with_gold(gold.set_index("item")["label"]))
    items = pd.DataFrame(
        {
            "sentence": [
                f"Reading number {i}: the sensor says it got hotter than yesterday, or did it?"
                for i in ann.items
            ]
        },
        index=ann.items,
    )
    return res, items, set(gold["item"])


def test_report_shows_what_a_lead_asks(tmp_path: Path, with_gold) -> None:
    res, items, gold_items = with_gold
    text = res.report(tmp_path / "r.html", items=items, class_names=NAMES).read_text()
    for words in (
        "Relabel next",
        "Measured on the gold items",
        "consensus accuracy on gold",
        "held out",
        "Reading number",
        "colder &times;",
        "warmer &times;",
        "alt='calibration on gold'",
    ):
        assert words in text, words
    # internal switches stay off the summary cards
    for switch in (
        "gold pinned",
        "gold_pinned",
        "calibrated on gold",
        "annotator model chosen",
        "use_gold",
        "spam rows",
    ):
        assert switch not in text, switch
    # gold items have a known class: never in the relabel-next list
    queue = res.relabel_priority()
    assert not set(queue["item"]) & gold_items and len(queue) == 462 - len(gold_items)


def test_report_without_text_shows_telling_features_and_the_model(tmp_path: Path) -> None:
    from labeljury.synth import make_tutorial_data

    data = make_tutorial_data(random_state=0)
    ann = data.annotations
    probs = simulate_pred_probs(np.asarray(data.true_labels), ann.n_classes, 0.85)
    res = labeljury.aggregate(ann, pred_probs=probs)
    noise = pd.DataFrame(
        np.random.default_rng(0).normal(size=(ann.n_items, 3)),
        columns=["noise_a", "noise_b", "noise_c"],
    )
    table = pd.concat([data.features.reset_index(drop=True), noise], axis=1)
    table.index = ann.items
    text = res.report(tmp_path / "r.html", items=table, n_relabel=10).read_text()
    assert "telling features" in text and "The model" in text
    assert "out-of-fold agreement with the consensus" in text
    # the two informative features are shown, the noise columns are not
    shown = text.split("Relabel next")[1].split("</table>")[0]
    for col in data.features.columns:
        assert str(col) in shown
    assert "noise_a" not in shown
    # what run() records about its model is shown when there, nested details left out
    res.model_metrics = {
        "model": "logistic",
        "kind": "tabular",
        "cv_accuracy": 0.91,
        "cv_ece": 0.02,
        "candidates_log_loss": {"logistic": 0.3},
    }
    text = res.report(tmp_path / "r2.html").read_text()
    assert "cross-validated accuracy" in text and "0.910" in text and "logistic" in text
    assert "candidates" not in text


def _browser() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        if shutil.which(name):
            return shutil.which(name)
    return None


@pytest.mark.skipif(
    _browser() is None,
    reason="no chromium binary (apt-get install -y chromium) to take the report's screenshot",
)
def test_report_renders_in_a_real_browser(tmp_path: Path, with_gold) -> None:
    from PIL import Image

    res, items, _ = with_gold
    page = res.report(tmp_path / "report.html", items=items, class_names=NAMES)
    shot = tmp_path / "report.png"
    subprocess.run(
        [
            _browser(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--screenshot={shot}",
            "--window-size=1280,2400",
            page.resolve().as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    img = np.asarray(Image.open(shot).convert("L"), dtype=float)
    assert img.shape == (2400, 1280)
    ink = img < 200  # text, table rules, plots
    assert 0.01 < ink.mean() < 0.5  # a page of content: neither blank nor a dark error page
    # nothing wider than the window: the right margin stays blank
    assert ink[:, 1250:].mean() < 0.01
    # the summary cards (first 300 px below the title) are drawn
    assert ink[60:300].mean() > 0.01


def test_report_identical_across_a_minute_boundary(tmp_path, monkeypatch) -> None:
    """Two identical runs seconds apart, straddling a minute, give the same bytes."""
    import pandas as pd

    import labeljury

    df = pd.DataFrame({"item": list("aabbcc"), "worker": list("xyxyxy"), "label": list("ppqqpq")})
    res = labeljury.aggregate(df, method="majority_vote")
    pages = []
    for n, epoch in enumerate(("1764806459", "1764806461")):  # 23:59:59 and 00:00:01 UTC
        monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
        pages.append(res.report(tmp_path / f"r{n}.html").read_bytes())
    assert pages[0] == pages[1]
