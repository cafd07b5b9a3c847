"""Every reader on its example export (tests/data/formats, copied from ../shared/formats)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import labeljury.io as lio
from labeljury.errors import InputError
from labeljury.io import MultiChoiceError

F = Path(__file__).resolve().parents[1] / "data" / "formats"
ANA, LI, SAM = "ana.ruiz@example.org", "li.wei@example.org", "sam.okafor@example.org"
LS_EXPECTED = {
    (501, ANA): "positive",
    (501, LI): "neutral",
    (502, ANA): "negative",
    (502, SAM): "negative",
    (503, LI): "neutral",
}
# a CSV/TSV holds text: its ids stay text ("501"), as written; JSON keeps its numbers
LS_TEXT = {(str(i), a): lab for (i, a), lab in LS_EXPECTED.items()}
GT = "private.us-east-1."
SM_EXPECTED = {
    (0, GT + "8f2c1a9d0e4b7c31"): "positive",
    (0, GT + "03d9e77a51b2c6f4"): "neutral",
    (0, GT + "c55b0f21ae9d7e08"): "positive",
    (1, GT + "8f2c1a9d0e4b7c31"): "negative",
    (1, GT + "c55b0f21ae9d7e08"): "negative",
}
MT_EXPECTED = {
    ("r-101", "A1WORKERALPHA7"): "Positive",
    ("r-101", "A2WORKERBRAVO3"): "Neutral",
    ("r-102", "A1WORKERALPHA7"): "Negative",
    ("r-102", "A2WORKERBRAVO3"): "Negative",
}
U1, U2 = "5f0c7e3a-8c1d-4c2b-9d1e-7a6b5c4d3e21", "9a8b7c6d-1e2f-4a3b-8c9d-0e1f2a3b4c5d"
U3 = "1c2d3e4f-5a6b-4c7d-8e9f-a0b1c2d3e4f5"
AR_EXPECTED = {("r-101", U1): "positive", ("r-101", U2): "neutral", ("r-102", U1): "negative"}
T1, T2 = "8f1d3b6c0e5a7f2d9c4b1a0e", "3c0b9e8d7a6f5e4d3c2b1a09"

CASES = {
    "label_studio/export_json.json": ("label_studio", LS_EXPECTED),
    "label_studio/export_json_min.json": ("label_studio", LS_EXPECTED),
    "label_studio/export_csv.csv": ("label_studio", LS_TEXT),
    "label_studio/export_tsv.tsv": ("label_studio", LS_TEXT),
    "mturk/batch_results_flattened.csv": ("mturk", MT_EXPECTED),
    "mturk/batch_results_taskanswers.csv": ("mturk", MT_EXPECTED),
    "sagemaker_ground_truth/review-sentiment-job": ("sagemaker", SM_EXPECTED),
    "sagemaker_ground_truth/review-sentiment-job/annotations/worker-response": (
        "sagemaker",
        SM_EXPECTED,
    ),
    "sagemaker_ground_truth/review-sentiment-job/annotations/consolidated-annotation/"
    "consolidation-request/iteration-1/2025-02-11_11-22.json": ("sagemaker", SM_EXPECTED),
    "prodigy/reviews_sentiment.jsonl": (
        "prodigy",
        {
            (-1702846201, "ana"): "positive",
            (-1702846201, "li"): "neutral",
            (885120044, "ana"): "negative",
            (-55501923, "li"): "neutral",
        },
    ),
    "prodigy/reviews_topics_and_binary.jsonl": (
        "prodigy",
        {(885120044, "ana"): "accept", (885120044, "sam"): "reject"},
    ),
    "argilla/records_nested.json": ("argilla", AR_EXPECTED),
    "argilla/records_flat.jsonl": ("argilla", AR_EXPECTED),
    "argilla/records_nested_roundtrip_sdk.json": (
        "argilla",
        {**AR_EXPECTED, ("r-101", U3): "negative"},
    ),
    "toloka/assignments.tsv": (
        "toloka",
        {
            ("r-101", T1): "positive",
            ("gold-7", T1): "positive",
            ("r-101", T2): "neutral",
            ("gold-7", T2): "negative",
            ("r-102", T1): "negative",
        },
    ),
    "crowdflower/f1234567_full.csv": (
        "crowdflower",
        {
            (2641900101, 45118822): "positive",
            (2641900101, 46001973): "neutral",
            (2641900177, 45118822): "negative",
            (2641900102, 45118822): "negative",
        },
    ),
    "labelbox/export_v2.ndjson": (
        "labelbox",
        {
            ("r-101", ANA): "positive",
            ("r-101", LI): "neutral",
            ("r-102", ANA): "negative",
            ("r-102", SAM): "negative",
        },
    ),
    "doccano/export_zip_contents": (
        "doccano",
        {
            (1, "ana"): "positive",
            (2, "ana"): "negative",
            (1, "li"): "neutral",
            (3, "li"): "neutral",
            (2, "sam"): "negative",
        },
    ),
}


def as_dict(ann) -> dict:
    df = ann.to_long()
    return {(i, a): lab for i, a, lab in df.itertuples(index=False)}


@pytest.mark.parametrize("rel", list(CASES))
def test_reader_on_example(rel: str) -> None:
    fmt, expected = CASES[rel]
    assert lio.sniff(F / rel) == fmt
    ann, summary = lio.read(F / rel, return_summary=True)
    assert as_dict(ann) == expected
    assert summary.format == fmt and summary.kept == len(expected)
    # naming the format gives the same result as sniffing it
    assert lio.read(F / rel, format=fmt) == ann


def test_label_studio_json_skips_cancelled_and_carries_gold_and_times() -> None:
    ann, s = lio.read(F / "label_studio/export_json.json", return_summary=True)
    assert (s.cancelled, s.gold_items, s.question) == (1, 1, "sentiment")
    assert s.questions == ("sentiment", "topics")
    gold = dict(zip(ann.items, ann.gold, strict=True))
    assert ann.classes[gold[502]] == "negative" and gold[501] == -1
    assert ann.meta["seconds"].tolist() == [12.41, 31.07, 6.9, 9.35, 4.02]
    assert str(ann.meta["timestamp"].iloc[0]) == "2025-02-11 09:14:02.118233+00:00"
    # the cancelled annotation has no label, so keeping it keeps nothing more
    kept, s2 = lio.read(F / "label_studio/export_json.json", keep_skipped=True, return_summary=True)
    assert kept.n_annotations == 5 and s2.kept_excluded and s2.no_label == 1


def test_label_studio_completed_by_int(tmp_path: Path) -> None:
    task = {
        "id": 7,
        "data": {},
        "annotations": [
            {
                "id": 1,
                "completed_by": 3,
                "result": [{"from_name": "s", "type": "choices", "value": {"choices": ["a"]}}],
            },
            {
                "id": 2,
                "completed_by": {"id": 5},
                "result": [{"from_name": "s", "type": "choices", "value": {"choices": ["b"]}}],
            },
        ],
    }
    p = tmp_path / "x.json"
    p.write_text(__import__("json").dumps([task]))
    assert as_dict(lio.read(p)) == {(7, 3): "a", (7, 5): "b"}


def test_label_studio_drafts_counted_and_kept_on_request(tmp_path: Path) -> None:
    import json

    res = [{"from_name": "s", "type": "choices", "value": {"choices": ["a"]}}]
    task = {
        "id": 1,
        "annotations": [
            {"id": 1, "completed_by": 1, "result": res},
            {"id": 2, "completed_by": 2, "result": [{**res[0], "value": {"choices": ["b"]}}]},
        ],
        "drafts": [{"id": 9, "user": 3, "result": res}],
    }
    p = tmp_path / "x.json"
    p.write_text(json.dumps([task]))
    ann, s = lio.read(p, format="label_studio", return_summary=True)
    assert s.draft == 1 and ann.n_annotations == 2
    assert lio.read(p, format="label_studio", keep_skipped=True).n_annotations == 3


def test_multi_choice_question_is_an_error_naming_records() -> None:
    with pytest.raises(MultiChoiceError, match=r"task 501 annotation 9001"):
        lio.read(F / "label_studio/export_json.json", question="topics")
    with pytest.raises(MultiChoiceError, match=r"line 3"):  # CSV: header is line 1
        lio.read(F / "label_studio/export_csv.csv", question="topics")
    with pytest.raises(MultiChoiceError, match=r"line 2"):
        lio.read(F / "mturk/batch_results_taskanswers.csv", question="topics")
    with pytest.raises(MultiChoiceError, match=r"record"):
        lio.read(F / "argilla/records_nested.json", question="topics")
    with pytest.raises(MultiChoiceError, match=r"line 1"):
        lio.read(F / "labelbox/export_v2.ndjson", question="topics")


def test_unknown_question_lists_the_questions() -> None:
    with pytest.raises(InputError, match=r"no question 'color'.*'sentiment', 'topics'"):
        lio.read(F / "label_studio/export_json.json", question="color")


def test_labelbox_question_by_display_name() -> None:
    a = lio.read(F / "labelbox/export_v2.ndjson", question="Sentiment")
    assert a == lio.read(F / "labelbox/export_v2.ndjson", question="sentiment")


def test_mturk_rejected_and_times() -> None:
    ann, s = lio.read(F / "mturk/batch_results_flattened.csv", return_summary=True)
    assert s.rejected == 1
    assert ann.meta["seconds"].tolist() == [36.0, 9.0, 21.0, 18.0]
    # "Mon Feb 10 09:01:41 PST 2025" is 17:01:41 UTC
    assert str(ann.meta["timestamp"].iloc[0]) == "2025-02-10 17:01:41+00:00"
    kept = lio.read(F / "mturk/batch_results_flattened.csv", keep_skipped=True)
    assert as_dict(kept)[("r-101", "A3WORKERCHARLIE")] == "Negative"


def test_prodigy_statuses() -> None:
    _, s = lio.read(F / "prodigy/reviews_sentiment.jsonl", return_summary=True)
    assert (s.skipped, s.rejected, s.kept) == (1, 1, 4)


def test_argilla_drafts_and_missing_status() -> None:
    _, s = lio.read(F / "argilla/records_flat.jsonl", return_summary=True)
    assert s.draft == 1
    kept = lio.read(F / "argilla/records_flat.jsonl", keep_skipped=True)
    assert as_dict(kept)[("r-101", U3)] == "negative"
    _, s2 = lio.read(F / "argilla/records_nested_roundtrip_sdk.json", return_summary=True)
    assert s2.notes and "status" in s2.notes[0]


def test_toloka_gold_and_suite_time() -> None:
    ann, s = lio.read(F / "toloka/assignments.tsv", return_summary=True)
    assert s.gold_items == 1
    gold = dict(zip(ann.items, ann.gold, strict=True))
    assert ann.classes[gold["gold-7"]] == "positive"
    # one assignment (a suite of two tasks) took 21.917 s: 10.9585 s per task
    assert ann.meta["seconds"].iloc[0] == pytest.approx(21.917 / 2)


def test_crowdflower_gold_tainted_and_aggregated_report() -> None:
    ann, s = lio.read(F / "crowdflower/f1234567_full.csv", return_summary=True)
    assert (s.rejected, s.gold_items) == (1, 1)
    assert ann.classes[ann.gold[list(ann.items).index(2641900177)]] == "positive"
    assert ann.meta["seconds"].tolist() == [22.0, 50.0, 24.0, 7.0]
    with pytest.raises(InputError, match="aggregated report"):
        lio.read(F / "crowdflower/a1234567_aggregated.csv")


def test_doccano_refusals() -> None:
    with pytest.raises(MultiChoiceError, match="Share annotations"):
        lio.read(F / "doccano/collaborative_all.jsonl")
    one = lio.read(
        F / "doccano/export_zip_contents/li.jsonl", classes=["negative", "neutral", "positive"]
    )
    assert as_dict(one) == {(1, "li"): "neutral", (3, "li"): "neutral"}


def test_doccano_zip_and_old_format(tmp_path: Path) -> None:
    import zipfile

    z = tmp_path / "export.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for name in ("ana", "li", "sam", "unknown"):
            zf.write(F / "doccano/export_zip_contents" / f"{name}.jsonl", f"{name}.jsonl")
    assert lio.sniff(z) == "doccano"
    assert lio.read(z) == lio.read(F / "doccano/export_zip_contents")
    old = tmp_path / "old.jsonl"
    old.write_text(
        '{"id": 1, "text": "x", "annotations": [{"label": 4, "user": 1}, '
        '{"label": 5, "user": 2}]}\n'
    )
    assert as_dict(lio.read(old, format="doccano")) == {(1, 1): 4, (1, 2): 5}


def test_ground_truth_manifest_is_refused_with_advice() -> None:
    with pytest.raises(InputError, match="worker-response"):
        lio.read(F / "sagemaker_ground_truth/multilabel_output.manifest")


def test_every_reader_on_its_example_gives_seconds_when_the_tool_has_them() -> None:
    timed = {
        "label_studio/export_json.json",
        "mturk/batch_results_flattened.csv",
        "sagemaker_ground_truth/review-sentiment-job",
        "toloka/assignments.tsv",
        "crowdflower/f1234567_full.csv",
        "labelbox/export_v2.ndjson",
    }
    for rel in timed:
        ann = lio.read(F / rel)
        assert ann.meta is not None and ann.meta["seconds"].notna().all(), rel
        assert isinstance(ann.meta["timestamp"].dtype, pd.DatetimeTZDtype), rel
    assert np.all(lio.read(F / "prodigy/reviews_sentiment.jsonl").meta.columns == ["timestamp"])
