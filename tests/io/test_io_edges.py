"""Edges every reader must handle: empty exports, one annotator, unicode, mixed id types."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import labeljury.io as lio
from labeljury.errors import EmptyInputError, InputError, LabeljuryError
from labeljury.io._common import iter_json_array

F = Path(__file__).resolve().parents[1] / "data" / "formats"
MTURK_HEAD = (F / "mturk/batch_results_flattened.csv").read_text().splitlines()[0]
TOLOKA_HEAD = (F / "toloka/assignments.tsv").read_text().splitlines()[0]
CF_HEAD = (F / "crowdflower/f1234567_full.csv").read_text().splitlines()[0]


def ls_task(tid, *answers, from_name="sentiment"):
    return {
        "id": tid,
        "data": {"text": "x"},
        "annotations": [
            {
                "id": k,
                "completed_by": {"id": k, "email": who},
                "lead_time": 1.0,
                "created_at": "2025-01-01T00:00:00Z",
                "result": [
                    {"from_name": from_name, "type": "choices", "value": {"choices": [lab]}}
                ],
            }
            for k, (who, lab) in enumerate(answers)
        ],
    }


@pytest.mark.parametrize(
    ("name", "text", "fmt"),
    [
        ("empty.json", "", "label_studio"),
        ("empty_list.json", "[]", "label_studio"),
        ("header_only.csv", MTURK_HEAD + "\n", "mturk"),
        ("header_only.tsv", TOLOKA_HEAD + "\n", "toloka"),
        ("header_only_cf.csv", CF_HEAD + "\n", "crowdflower"),
        ("empty.jsonl", "\n", "prodigy"),
        ("empty.ndjson", "", "labelbox"),
        ("empty_records.json", "[]", "argilla"),
        ("ana.jsonl", "", "doccano"),
    ],
)
def test_empty_export_is_a_clear_error(tmp_path: Path, name: str, text: str, fmt: str) -> None:
    p = tmp_path / name
    p.write_text(text)
    with pytest.raises(EmptyInputError, match=name):
        lio.read(p, format=fmt)


def test_export_where_everything_was_skipped(tmp_path: Path) -> None:
    task = ls_task(1, ("a@x", "pos"))
    task["annotations"][0]["was_cancelled"] = True
    p = tmp_path / "x.json"
    p.write_text(json.dumps([task]))
    with pytest.raises(EmptyInputError, match="1 excluded"):
        lio.read(p)


def test_empty_sagemaker_folder(tmp_path: Path) -> None:
    (tmp_path / "annotations" / "worker-response").mkdir(parents=True)
    with pytest.raises(EmptyInputError, match="no worker responses"):
        lio.read(tmp_path)


def test_one_annotator(tmp_path: Path) -> None:
    p = tmp_path / "one.json"
    p.write_text(json.dumps([ls_task(1, ("solo@x", "pos")), ls_task(2, ("solo@x", "neg"))]))
    ann = lio.read(p)
    assert ann.n_annotators == 1 and ann.n_items == 2
    from labeljury.agreement import agreement

    rep = agreement(ann)
    assert rep.pairwise.empty and rep.n_items_pairable == 0
    assert rep.fleiss_kappa is None and "single label" in rep.fleiss_kappa_reason


def test_unicode_labels_and_ids(tmp_path: Path) -> None:
    p = tmp_path / "u.json"
    p.write_text(
        json.dumps(
            [ls_task("評論-1", ("李@例え.jp", "négatif"), ("zoë", "😀 positif"))],
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    ann = lio.read(p)
    assert set(ann.classes) == {"négatif", "😀 positif"}
    assert list(ann.annotators) == ["李@例え.jp", "zoë"] and list(ann.items) == ["評論-1"]
    csv = tmp_path / "u.csv"
    csv.write_text(
        '"annotation_id","annotator","created_at","id","lead_time","sentiment"\n'
        '1,"李","2025-01-01T00:00:00Z",5,1.5,"négatif"\n'
        '2,"zoë","2025-01-01T00:00:00Z",5,2.5,"😀 positif"\n',
        encoding="utf-8",
    )
    assert set(lio.read(csv).classes) == {"négatif", "😀 positif"}


def test_mixed_type_item_ids_are_refused(tmp_path: Path) -> None:
    p = tmp_path / "mixed.json"
    p.write_text(
        json.dumps(
            [
                ls_task(1, ("a", "x"), ("b", "y")),
                ls_task("1", ("a", "y")),
                ls_task("r-2", ("b", "x")),
            ]
        )
    )
    # int 1 and text "1" would be written back as one id: refused rather than split
    with pytest.raises(InputError, match="item ids 1 and '1' look the same"):
        lio.read(p)
    rows = MTURK_HEAD + "\n"
    base = (F / "mturk/batch_results_flattened.csv").read_text().splitlines()[1:3]
    rows += (
        base[0]
        + "\n"
        + base[1]
        .replace('"r-101"', '"205"')
        .replace("3HITAAAA1EXAMPLE00000001", "3HITAAAA1EXAMPLE00000009")
        + "\n"
    )
    csv = tmp_path / "mixed.csv"
    csv.write_text(rows)
    ann = lio.read(csv)
    assert sorted(map(str, ann.items)) == ["205", "r-101"]


def test_multi_choice_error_names_the_rows_mturk_boxes(tmp_path: Path) -> None:
    head = "HITId,WorkerId,AssignmentStatus,Answer.topic.shipping,Answer.topic.price\n"
    p = tmp_path / "boxes.csv"
    p.write_text(
        head + "h1,w1,Approved,true,false\nh1,w2,Approved,true,true\nh2,w1,Approved,false,true\n"
    )
    with pytest.raises(lio.MultiChoiceError, match="line 3"):
        lio.read(p)
    ok = tmp_path / "ok.csv"
    ok.write_text(head + "h1,w1,Approved,true,false\nh1,w2,Approved,false,true\n")
    assert lio.read(ok).to_long()["label"].tolist() == ["shipping", "price"]


def test_mturk_plain_answer_column(tmp_path: Path) -> None:
    p = tmp_path / "plain.csv"
    p.write_text(
        "HITId,WorkerId,AssignmentStatus,WorkTimeInSeconds,Answer.Category\n"
        "h1,w1,Approved,10,cat\nh1,w2,Rejected,3,dog\nh2,w1,Submitted,8,dog\n"
    )
    ann, s = lio.read(p, return_summary=True)
    assert s.question == "Category" and s.rejected == 1 and ann.n_annotations == 2


def test_several_single_choice_questions_need_a_name(tmp_path: Path) -> None:
    p = tmp_path / "two.json"
    t = ls_task(1, ("a", "x"), ("b", "y"))
    t["annotations"][0]["result"].append(
        {"from_name": "tone", "type": "choices", "value": {"choices": ["calm"]}}
    )
    p.write_text(json.dumps([t]))
    with pytest.raises(InputError, match="--question"):
        lio.read(p)
    assert lio.read(p, question="sentiment").n_annotations == 2


def test_bad_json_and_unknown_format(tmp_path: Path) -> None:
    p = tmp_path / "bad.json"
    p.write_text('[{"id": 1, "annotations": [')
    with pytest.raises(InputError, match="bad.json"):
        lio.read(p, format="label_studio")
    with pytest.raises(InputError, match="unknown format"):
        lio.read(p, format="excel")
    with pytest.raises(LabeljuryError, match="no such file"):
        lio.read(tmp_path / "missing.json")


def test_iter_json_array_across_chunk_boundaries(tmp_path: Path) -> None:
    data = [{"id": k, "s": "é" * (k % 7), "n": [k, {"x": "]"}]} for k in range(300)]
    p = tmp_path / "a.json"
    p.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
    assert list(iter_json_array(str(p), chunk_size=37)) == data
    p.write_text('{"single": true}')
    assert list(iter_json_array(str(p))) == [{"single": True}]


def test_iter_json_array_reads_a_bad_or_large_element_in_few_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the buffer at least doubles on an element that does not decode: before, each
    # chunk of a bad file's rest was read (and the growing buffer copied) one by one
    import labeljury.io._common as common

    reads = []
    real = common.open_text

    class Counting:
        def __init__(self, fh: Any) -> None:
            self.fh = fh

        def read(self, size: int = -1) -> str:
            reads.append(size)
            return self.fh.read(size)

        def __enter__(self) -> Counting:
            return self

        def __exit__(self, *exc: Any) -> None:
            self.fh.close()

    monkeypatch.setattr(common, "open_text", lambda path: Counting(real(path)))
    p = tmp_path / "bad.json"
    p.write_text('[{"id": 1, "x": tru}, ' + json.dumps({"s": "x" * 1_000_000}) + "]")
    with pytest.raises(InputError, match="near element 0"):
        list(iter_json_array(str(p), chunk_size=1024))
    assert len(reads) < 20  # 1 MB in 1 KiB chunks: about 1,000 reads before
    reads.clear()
    data = [{"big": "y" * 500_000}, {"id": 2}]
    p.write_text(json.dumps(data))
    assert list(iter_json_array(str(p), chunk_size=1024)) == data
    assert len(reads) < 20


def test_summary_prints(tmp_path: Path) -> None:
    from rich.console import Console

    _, s = lio.read(F / "label_studio/export_json.json", return_summary=True)
    console = Console(record=True, width=100)
    console.print(s)
    text = console.export_text()
    assert "cancelled" in text and "gold items" in text
    assert "cancelled: 1" in s.format_text() and str(s) == s.format_text()
