"""Fixtures of the review app tests: a small output folder written by ``aggregate``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

#: a class name that would run as a script if the app did not escape it
XSS = "<script>alert(1)</script>"
CLASSES = ["cat", "dog", XSS]
# 1x1 transparent PNG
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def make_output(out: Path, n_items: int = 120, seed: int = 0) -> Path:
    """``labeljury aggregate`` tables (+ pred_probs) and an items file with texts and images.

    Items ``i000``... are labeled by 3 of 6 annotators; ``w5`` answers at random.
    Returns the items file.
    """
    import labeljury

    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 3, n_items)
    rows = []
    for i in range(n_items):
        for a in rng.choice(6, 3, replace=False):
            lab = truth[i] if (a != 5 and rng.random() < 0.8) else rng.integers(0, 3)
            rows.append((f"i{i:03d}", f"w{a}", CLASSES[lab]))
    df = pd.DataFrame(rows, columns=["item", "annotator", "label"])
    probs = np.full((n_items, 3), 0.1)
    probs[np.arange(n_items), truth] = 0.8
    ann = labeljury.read_annotations(df)
    order = ann.items.get_indexer([f"i{i:03d}" for i in range(n_items)])
    aligned = np.empty_like(probs)
    aligned[order] = probs
    # the classes in the Annotations' order
    aligned = aligned[:, [CLASSES.index(c) for c in ann.classes]]
    res = labeljury.aggregate(ann, method="dawid_skene", pred_probs=aligned)
    res.save(out, with_pred_probs=True)
    (out.parent / "img").mkdir(exist_ok=True)
    (out.parent / "img" / "a.png").write_bytes(PNG)
    (out.parent / "secret.png").write_bytes(PNG)
    texts = [f"Text of item {i}: <b>bold?</b> & {XSS}" for i in range(n_items)]
    images = ["a.png" if i == 1 else ("../secret.png" if i == 2 else "") for i in range(n_items)]
    items = pd.DataFrame(
        {"id": [f"i{i:03d}" for i in range(n_items)], "text": texts, "image": images}
    )
    path = out.parent / "img" / "items.csv"
    items.to_csv(path, index=False)
    return path


@pytest.fixture
def review_out(tmp_path: Path) -> tuple[Path, Path]:
    """A fresh output folder and its items file."""
    out = tmp_path / "out"
    items = make_output(out)
    return out, items
