"""The review app as a person uses it: `labeljury review` driven by a real headless chromium.

Skipped only when the machine has no chromium (the reason says so); `.ci/run`
installs it. Screenshots of every screen are written to
``$LABELJURY_SCREENSHOTS`` (default: this test run's temporary folder).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from labeljury.review.reviews import read_reviews

from .conftest import ML_CLASSES, ML_XSS, XSS, make_multilabel_output, make_output

CHROMIUM = next(
    (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None
)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="NO BROWSER: chromium is not installed on this machine, so the review app's "
    "browser tests cannot run (apt-get install chromium; .ci/run installs it)",
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, Path]]:
    """`labeljury review OUT --port 0 --no-browser` in a subprocess; yields (url, out, shots)."""
    root = tmp_path_factory.mktemp("review-browser")
    out = root / "out"
    yield from _serve(out, make_output(out), root)


@pytest.fixture(scope="module")
def ml_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, Path]]:
    """The same over a multi-label output folder."""
    root = tmp_path_factory.mktemp("review-browser-ml")
    out = root / "out"
    yield from _serve(out, make_multilabel_output(out), root)


def _serve(out: Path, items: Path, root: Path) -> Iterator[tuple[str, Path, Path]]:
    shots = Path(os.environ.get("LABELJURY_SCREENSHOTS") or root / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            [str(Path(__file__).parents[2] / "src"), os.environ.get("PYTHONPATH", "")]
        ),
    }
    cmd = [
        sys.executable,
        "-m",
        "labeljury.cli",
        "review",
        str(out),
        "--data",
        str(items),
        "--port",
        "0",
        "--no-browser",
        "--reviewer",
        "browser-test",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        url = proc.stdout.readline().strip()  # the first line is the URL with its token
        assert url.startswith("http://127.0.0.1:") and "?token=" in url, proc.stderr.read()
        yield url, out, shots
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    print(f"review app screenshots: {shots}")


@pytest.fixture(scope="module")
def page(server: tuple[str, Path, Path]) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        pg = browser.new_page(viewport={"width": 1280, "height": 860})
        dialogs: list[str] = []
        pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        pg.dialogs = dialogs  # an alert() would mean the XSS label ran
        pg.set_default_timeout(10_000)
        yield pg
        browser.close()


def _base(url: str) -> str:
    return url.split("/?token=")[0]


def test_review_session(server: tuple[str, Path, Path], page: object) -> None:
    url, out, shots = server
    base = _base(url)
    t0 = time.perf_counter()

    # open the queue: the token URL sets the cookie and drops the token from the address
    page.goto(url)
    assert page.url == f"{base}/queue"
    rows = page.locator("table.queue tbody tr")
    assert rows.count() == 50
    assert "120" in page.locator("p.count").inner_text()
    page.screenshot(path=str(shots / "queue.png"), full_page=True)

    # filter by class: choosing it submits the form
    with page.expect_navigation():
        page.select_option("select[name=cls]", "cat")
    assert "cls=cat" in page.url
    cons = page.locator("table.queue tbody tr td:nth-child(2)").all_inner_texts()
    assert cons and set(cons) == {"cat"}
    page.screenshot(path=str(shots / "queue_filtered.png"), full_page=True)

    # open the first item
    first = page.locator("a.item-link").first.inner_text()
    with page.expect_navigation():
        page.locator("a.item-link").first.click()
    assert page.locator("#item-id").inner_text() == first
    assert page.locator("#consensus").inner_text() == "cat"
    assert page.locator("table.labels tbody tr").count() == 3
    assert XSS in page.locator("button.cls").all_inner_texts()[0]  # shown as text
    page.screenshot(path=str(shots / "item.png"), full_page=True)

    # correct it with the keyboard: classes are <script>..., cat, dog -> key 3 = dog
    with page.expect_navigation():
        page.keyboard.press("3")
    assert page.locator("#item-id").inner_text() != first  # the next item loaded
    last = read_reviews(out / "reviews.csv").iloc[-1]
    assert (last["item"], last["action"], last["label"]) == (first, "correct", "dog")

    # K goes back to it; a reload shows the correction kept
    second = page.locator("#item-id").inner_text()
    with page.expect_navigation():
        page.keyboard.press("k")
    assert page.locator("#item-id").inner_text() == first
    page.reload()
    assert "corrected to dog" in page.locator("#decision").inner_text()
    page.screenshot(path=str(shots / "item_corrected.png"), full_page=True)
    with page.expect_navigation():
        page.keyboard.press("j")
    assert page.locator("#item-id").inner_text() == second

    # R sends it for relabeling
    with page.expect_navigation():
        page.keyboard.press("r")
    last = read_reviews(out / "reviews.csv").iloc[-1]
    assert (last["item"], last["action"]) == (second, "relabel")

    # accept 50 items in a row from the unreviewed queue by relabel priority
    page.goto(f"{base}/queue?sort=priority&reviewed=no")
    expected = page.locator("a.item-link").all_inner_texts()[:50]
    with page.expect_navigation():
        page.locator("a.item-link").first.click()
    seen = []
    t_accept = time.perf_counter()
    for _ in range(50):
        seen.append(page.locator("#item-id").inner_text())
        with page.expect_navigation():
            page.keyboard.press("Enter")
    t_accept = time.perf_counter() - t_accept
    assert seen == expected
    reviews = read_reviews(out / "reviews.csv")
    accepted = reviews[reviews["action"] == "accept"]
    assert accepted["item"].tolist() == expected
    assert (accepted["reviewer"] == "browser-test").all() and len(reviews) == 52
    page.goto(f"{base}/queue?reviewed=yes")
    assert "52" in page.locator("p.count").inner_text()

    # an image from the items file's folder is shown; one outside it is not served
    page.goto(f"{base}/item?id=i001")
    assert page.eval_on_selector("img.item-image", "img => img.naturalWidth") == 120
    page.screenshot(path=str(shots / "item_image.png"), full_page=True)
    page.goto(f"{base}/item?id=i002")
    assert page.locator("img.item-image").count() == 0

    # the other screens
    page.goto(f"{base}/annotators")
    assert page.locator("table.queue tbody tr").first.locator("td").first.inner_text() == "w5"
    page.screenshot(path=str(shots / "annotators.png"), full_page=True)
    with page.expect_navigation():
        page.locator("table.queue tbody tr a").first.click()
    assert page.locator("#annotator-name").inner_text() == "w5"
    assert page.locator("table.confusion tbody tr").count() == 3
    page.screenshot(path=str(shots / "annotator.png"), full_page=True)
    page.goto(f"{base}/overview")
    assert page.locator("#reviewed-count").inner_text() == "52"
    assert page.locator("#quality-hist rect").count() == 20
    page.screenshot(path=str(shots / "overview.png"), full_page=True)

    assert page.dialogs == []  # no script from the data ever ran
    print(
        f"browser session: {time.perf_counter() - t0:.1f} s; 50 accepts with Enter: "
        f"{t_accept:.1f} s ({t_accept / 50 * 1000:.0f} ms from key to the next item loaded)"
    )


def test_multi_label_correction_with_the_keyboard(
    ml_server: tuple[str, Path, Path], page: object
) -> None:
    url, out, shots = ml_server
    base = _base(url)
    page.goto(url)
    assert page.url == f"{base}/queue"
    # the queue shows sets as chips; filter: the <b>x</b> class in the set
    assert page.locator("table.queue tbody tr td:nth-child(2) .chip").count() > 0
    with page.expect_navigation():
        page.select_option("select[name=cls]", ML_XSS)
    chips = page.locator("table.queue tbody tr td:nth-child(2)").all_inner_texts()
    assert chips and all(ML_XSS in c for c in chips)  # shown as text, in every set
    page.screenshot(path=str(shots / "ml_queue.png"), full_page=True)
    item = page.locator("a.item-link").first.inner_text()
    with page.expect_navigation():
        page.locator("a.item-link").first.click()
    assert page.locator("#item-id").inner_text() == item
    before = set(page.locator("#consensus .chip").all_inner_texts())
    assert ML_XSS in before
    assert page.locator("table.labels tbody tr").count() == 3
    page.screenshot(path=str(shots / "ml_item.png"), full_page=True)

    # key 4 toggles the 4th class (tech), key 3 takes <b>x</b> out; Enter saves the set
    page.keyboard.press("4")
    page.keyboard.press("3")
    want = (before ^ {"tech"}) - {ML_XSS}
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("#item-id").inner_text() != item  # the next item opened
    last = read_reviews(out / "reviews.csv").iloc[-1]
    assert last["item"] == item and last["action"] == "correct"
    assert last["label"] == ";".join(c for c in ML_CLASSES if c in want)

    # reload the item: the corrected set is kept, shown and checked
    page.goto(f"{base}/item?id={item}")
    page.reload()
    assert "corrected" in page.locator("#decision").inner_text()
    assert set(page.locator("#decided-set .chip").all_inner_texts()) == want
    checked = page.eval_on_selector_all("input[name=label]:checked", "els => els.map(e => e.value)")
    assert set(checked) == want
    page.screenshot(path=str(shots / "ml_item_corrected.png"), full_page=True)
    assert page.dialogs == []
