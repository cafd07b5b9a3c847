"""Tool readers finished on codes (io._coded) give what the per-row path gives.

Every example export is read twice: as shipped (codes, vocabularies checked once
per distinct value) and with the shortcut switched off (one Python object per
annotation through ``finish`` and ``Annotations.from_long``, the reader as it was
before). Codes, vocabularies, meta, gold, summary counts, warnings and errors
must all agree, for every question and option combination tried.
"""

from __future__ import annotations

import ast
import importlib.util
import itertools
import os
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import labeljury.io as lio
from labeljury.errors import LabeljuryError
from labeljury.io import _coded, _from_codes

DATA = Path(__file__).resolve().parents[1] / "data" / "formats"
SHARED = Path(os.environ.get("LABELJURY_SHARED", "/work/shared")) / "formats"

EXAMPLES = [
    ("label_studio", "label_studio/export_json.json"),
    ("label_studio", "label_studio/export_json_min.json"),
    ("label_studio", "label_studio/export_csv.csv"),
    ("label_studio", "label_studio/export_tsv.tsv"),
    ("mturk", "mturk/batch_results_taskanswers.csv"),
    ("mturk", "mturk/batch_results_flattened.csv"),
    ("sagemaker", "sagemaker_ground_truth/review-sentiment-job"),
    ("sagemaker", "sagemaker_ground_truth/review-sentiment-job/manifests/output/output.manifest"),
    ("prodigy", "prodigy/reviews_sentiment.jsonl"),
    ("prodigy", "prodigy/reviews_topics_and_binary.jsonl"),
    ("argilla", "argilla/records_flat.jsonl"),
    ("argilla", "argilla/records_nested.json"),
    ("argilla", "argilla/records_nested_roundtrip_sdk.json"),
    ("doccano", "doccano/collaborative_all.jsonl"),
    ("doccano", "doccano/export_zip_contents"),
    ("toloka", "toloka/assignments.tsv"),
    ("crowdflower", "crowdflower/f1234567_full.csv"),
    ("labelbox", "labelbox/export_v2.ndjson"),
]


#: Readers that build a ToolTable, with an example read on the shortcut.
STREAMED = [
    ("label_studio", "label_studio/export_json.json"),
    ("mturk", "mturk/batch_results_taskanswers.csv"),
    ("prodigy", "prodigy/reviews_sentiment.jsonl"),
    ("labelbox", "labelbox/export_v2.ndjson"),
    ("doccano", "doccano/export_zip_contents"),
    ("argilla", "argilla/records_nested.json"),
    ("sagemaker", "sagemaker_ground_truth/review-sentiment-job"),
    ("toloka", "toloka/assignments.tsv"),
    ("crowdflower", "crowdflower/f1234567_full.csv"),
]


def _outcome(path: Path | str, fmt: str, **kw: Any) -> Any:
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            ann, summary = lio.read(path, format=fmt, return_summary=True, **kw)
            meta = None if ann.meta is None else ann.meta.to_dict("list")
            got: Any = (
                ann.item.tolist(),
                ann.annotator.tolist(),
                ann.label.tolist(),
                [repr(v) for v in ann.items],
                [repr(v) for v in ann.annotators],
                [repr(v) for v in ann.classes],
                None if ann.gold is None else ann.gold.tolist(),
                repr(meta),
                None if ann.meta is None else [str(t) for t in ann.meta.dtypes],
                summary.counts(),
                summary.question,
                summary.notes,
            )
        except LabeljuryError as exc:
            got = (type(exc).__name__, str(exc))
    return got, sorted(str(m.message) for m in w)


def _per_row(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_coded, "_fast", lambda *a, **k: None)


def _compare(monkeypatch: pytest.MonkeyPatch, path: Path | str, fmt: str, **kw: Any) -> Any:
    fast = _outcome(path, fmt, **kw)
    with monkeypatch.context() as m:
        _per_row(m)
        slow = _outcome(path, fmt, **kw)
    assert fast == slow, (path, kw)
    return fast


@pytest.mark.parametrize(("fmt", "rel"), EXAMPLES)
def test_examples_same_as_per_row(monkeypatch: pytest.MonkeyPatch, fmt: str, rel: str) -> None:
    path = DATA / rel
    got, _ = _compare(monkeypatch, path, fmt)
    questions: list[Any] = [None]
    if not (isinstance(got[0], str) and got[0].endswith("Error")):
        _, summary = lio.read(path, format=fmt, return_summary=True)
        questions += list(summary.questions)
    for q, keep in itertools.product(questions, (False, True)):
        got, _ = _compare(monkeypatch, path, fmt, question=q, keep_skipped=keep)
        if isinstance(got[0], list) and got[5]:
            classes = [ast.literal_eval(c) for c in got[5]]
            _compare(monkeypatch, path, fmt, question=q, classes=[*classes, "zz-extra"])
            _compare(monkeypatch, path, fmt, question=q, classes=classes[1:])


@pytest.mark.shared
@pytest.mark.parametrize(("fmt", "rel"), EXAMPLES)
def test_shared_examples_same_as_per_row(
    monkeypatch: pytest.MonkeyPatch, fmt: str, rel: str
) -> None:
    path = SHARED / rel.replace("2025-02-11_10-03-11", "2025-02-11_10:03:11")
    if not path.exists():
        pytest.skip(f"{path} not in ../shared")
    for keep in (False, True):
        _compare(monkeypatch, path, fmt, keep_skipped=keep)


def _bench() -> Any:
    spec = importlib.util.spec_from_file_location(
        "io_speed", Path(__file__).resolve().parents[2] / "benchmarks" / "io_speed.py"
    )
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["io_speed"] = mod
    spec.loader.exec_module(mod)
    return mod


GENERATED = [
    "label_studio",
    "mturk",
    "prodigy",
    "labelbox",
    "doccano",
    "argilla",
    "sagemaker",
    "toloka",
    "crowdflower",
]


@pytest.mark.parametrize("fmt", GENERATED)
def test_generated_exports_same_as_per_row(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fmt: str
) -> None:
    """Large enough (3,000 annotations) for the per-distinct-value paths of from_long."""
    bench = _bench()
    if fmt == "label_studio":
        path, make = tmp_path / "x.json", bench.make_label_studio
    elif fmt == "mturk":
        path, make = tmp_path / "x.csv", bench.make_mturk
    else:
        name, make = bench.EXPORTS[fmt]
        path = tmp_path / name
    make(path, 3000, 3)
    for keep in (False, True):
        got, _ = _compare(monkeypatch, path, fmt, keep_skipped=keep)
        assert isinstance(got[0], list) and len(got[0]) > 2500
        assert np.bincount(got[2]).min() > 500


def test_fast_path_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    """The example exports do go through the shortcut (else the comparison proves nothing)."""
    taken = []
    real = _coded._fast

    def spy(*a: Any, **k: Any) -> Any:
        out = real(*a, **k)
        taken.append(out is not None)
        return out

    monkeypatch.setattr(_coded, "_fast", spy)
    for fmt, rel in STREAMED:
        taken.clear()
        lio.read(DATA / rel, format=fmt)
        assert taken and all(taken), rel


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_long_tables_from_codes_same_as_from_long(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, suffix: str
) -> None:
    """A long table read in blocks, built from codes, is what from_long builds."""
    from labeljury import read_annotations

    path = tmp_path / f"long{suffix}"
    _bench().make_long_table(path, 3000, 3)
    taken = []
    real = _from_codes.from_codes

    def spy(*a: Any, **k: Any) -> Any:
        out = real(*a, **k)
        taken.append(out is not None)
        return out

    def outcome(**kw: Any) -> Any:
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            try:
                a = read_annotations(path, **kw)
                got: Any = (a.item.tolist(), a.annotator.tolist(), a.label.tolist())
                got += tuple([repr(v) for v in x] for x in (a.items, a.annotators, a.classes))
            except LabeljuryError as exc:
                got = (type(exc).__name__, str(exc))
        return got, sorted(str(m.message) for m in w)

    for kw in (
        {},
        {"duplicates": "first"},
        {"duplicates": "last"},
        {"duplicates": "error"},
        {"classes": ["positive", "neutral", "negative", "other"]},
        {"classes": ["positive", "neutral"]},
    ):
        monkeypatch.setattr(_from_codes, "from_codes", spy)
        fast = outcome(**kw)
        monkeypatch.setattr(_from_codes, "from_codes", lambda *a, **k: None)
        slow = outcome(**kw)
        assert fast == slow, kw
    assert taken and any(taken)
