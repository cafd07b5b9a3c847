"""Fixtures of the review app tests: a small output folder written by ``aggregate``."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

#: a class name that would run as a script if the app did not escape it
XSS = "<script>alert(1)</script>"
CLASSES = ["cat", "dog", XSS]


def png(width: int = 120, height: int = 80) -> bytes:
    """A small PNG (a colour gradient), written with zlib so no imaging library is needed."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(
        b"\0" + bytes(v for x in range(width) for v in (2 * x % 256, 90 + y, 200))
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
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
    (out.parent / "img" / "a.png").write_bytes(png())
    (out.parent / "secret.png").write_bytes(png())
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


def client_for(app: Any, **kwargs: Any) -> Any:
    """Starlette's TestClient (its notice that it prefers httpx2 over httpx silenced)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Using `httpx`")
        from starlette.testclient import TestClient
    return TestClient(app, **kwargs)


#: a multi-label class that would be markup if the app did not escape it
ML_XSS = "<b>x</b>"
ML_CLASSES = ["sport", "news", ML_XSS, "tech"]


def make_multilabel_output(out: Path, n_items: int = 40, seed: int = 0) -> Path:
    """``labeljury aggregate --multi-label --label-sep ';'`` tables and an items file.

    Items ``m000``... are judged by 3 of 5 annotators, each keeping a true class
    with probability 0.85 and adding a wrong one with probability 0.1.
    """
    from labeljury.multilabel import MultiLabelAnnotations, aggregate

    rng = np.random.default_rng(seed)
    truth = rng.random((n_items, len(ML_CLASSES))) < 0.35
    items, annotators, sets = [], [], []
    for i in range(n_items):
        for a in rng.choice(5, 3, replace=False):
            keep = np.where(truth[i], rng.random(len(ML_CLASSES)) < 0.85, rng.random(4) < 0.1)
            items.append(f"m{i:03d}")
            annotators.append(f"w{a}")
            sets.append([c for c, k in zip(ML_CLASSES, keep, strict=True) if k])
    ann = MultiLabelAnnotations.from_sets(items, annotators, sets, classes=ML_CLASSES)
    aggregate(ann, "majority_vote", sep=";").save(out)
    path = out.parent / "ml_items.csv"
    pd.DataFrame(
        {"id": [f"m{i:03d}" for i in range(n_items)], "text": [f"doc {i}" for i in range(n_items)]}
    ).to_csv(path, index=False)
    return path
