"""Hostile files, second probe: each kind of input is refused naming where, or read exactly."""

from __future__ import annotations

import gzip
import json
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import labeljury.io as lio
from labeljury import Annotations, read_annotations
from labeljury.cli import main
from labeljury.errors import ClassError, InputError, InputWarning, ParameterError
from labeljury.io.tables import read_table

FORMATS = Path(__file__).resolve().parents[1] / "data" / "formats"
ROWS = [(f"i{n}", w, ("cat", "dog")[(n + k) % 2]) for n in range(6) for k, w in enumerate("ab")]
CSV = "item,worker,label\n" + "".join(f"{i},{w},{lab}\n" for i, w, lab in ROWS)


def jsonl(records: list[dict]) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


# ------------------------------------------------------------ numbers that are not ids
@pytest.mark.parametrize("bad", [np.inf, -np.inf])
def test_infinite_labels_refused_by_row(bad: float) -> None:
    df = pd.DataFrame({"item": list("xxyy"), "worker": list("abab"), "label": [1.0, bad, 2, 2]})
    with pytest.raises(InputError, match=r"row 1: label -?inf .* is infinite"):
        Annotations.from_long(df)
    with pytest.raises(InputError, match=r"row 0, column 1: label inf"):
        Annotations.from_wide(np.array([[1.0, np.inf], [1.0, 2.0]]))


def test_json_infinity_label_refused_with_its_line(tmp_path: Path) -> None:
    p = tmp_path / "a.json"
    p.write_text(
        '[{"item":"x","worker":"a","label":"c"},{"item":"x","worker":"b","label":Infinity}]'
    )
    with pytest.raises(InputError, match=r"a\.json line 3: label inf .* is infinite"):
        read_annotations(p)


def test_ids_beyond_int64_stay_exact(tmp_path: Path) -> None:
    big = 2**70
    recs = [dict(item=big + k % 2, worker="ab"[k // 2], label="cd"[k % 2]) for k in range(4)]
    p = tmp_path / "a.jsonl"
    p.write_text(jsonl(recs))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy cast warning either
        ann = read_annotations(p)
    assert sorted(ann.items.tolist()) == [big, big + 1]


def test_json_ids_1_and_1_0_refused(tmp_path: Path) -> None:
    recs = [dict(item=1, worker="a", label="c"), dict(item=1.0, worker="b", label="d")]
    p = tmp_path / "a.jsonl"
    p.write_text(jsonl([*recs, dict(item=2, worker="a", label="c")]))
    with pytest.raises(InputError, match="item ids 1 and 1.0 .* same number written differently"):
        read_annotations(p)


# ------------------------------------------------------------ text that prints the same
def test_invisible_joiner_in_an_annotator_id_refused() -> None:
    df = pd.DataFrame(
        {"item": list("xxy"), "worker": ["w1", "w1\u200d", "w1"], "label": list("ccd")}
    )
    with pytest.raises(InputError, match="annotator ids .* look the same"):
        Annotations.from_long(df)


def test_bidi_override_in_a_label_refused() -> None:
    df = pd.DataFrame(
        {"item": list("xxy"), "worker": list("aba"), "label": ["cat", "\u202etac", "cat"]}
    )
    with pytest.raises(ClassError, match="direction override"):
        Annotations.from_long(df)


def test_invisible_characters_in_labels_removed_with_one_warning() -> None:
    df = pd.DataFrame(
        {
            "item": list("xxyy"),
            "worker": list("abab"),
            "label": ["cat", "cat\u2060", "dog\u00ad", "dog"],
        }
    )
    with pytest.warns(InputWarning, match="2 label.*invisible characters") as rec:
        ann = Annotations.from_long(df)
    assert len(rec) == 1
    assert ann.classes.tolist() == ["cat", "dog"]


def test_tuple_labels_refused() -> None:
    df = pd.DataFrame({"item": list("xx"), "worker": list("ab"), "label": [("c",), ("d",)]})
    with pytest.raises(ClassError, match="row 0 holds a tuple"):
        Annotations.from_long(df)


@pytest.mark.parametrize("classes", [iter(["cat", "dog"]), ("cat", "dog")])
def test_classes_read_once_from_any_ordered_iterable(classes) -> None:
    ann = Annotations.from_long(
        pd.DataFrame(ROWS, columns=["item", "worker", "label"]), classes=classes
    )
    assert ann.classes.tolist() == ["cat", "dog"]


def test_classes_as_a_set_refused() -> None:
    with pytest.raises(ParameterError, match="not a set"):
        Annotations.from_long(
            pd.DataFrame(ROWS, columns=["item", "worker", "label"]), classes={"cat", "dog"}
        )


# ------------------------------------------------------------ the CLI sniffs plain tables
def test_cli_reads_a_plain_jsonl_long_table(tmp_path: Path) -> None:
    p = tmp_path / "a.jsonl"
    p.write_text(jsonl([dict(item=i, worker=w, label=lab) for i, w, lab in ROWS]))
    out = tmp_path / "o"
    assert (
        main(["aggregate", str(p), "--method", "majority_vote", "--out", str(out), "--quiet"]) == 0
    )
    assert len(pd.read_csv(out / "label_quality.csv")) == 6
    assert lio.sniff(FORMATS / "doccano" / "collaborative_all.jsonl") == "doccano"


def test_cli_reads_a_zip_holding_one_table(tmp_path: Path) -> None:
    p = tmp_path / "a.zip"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("answers.csv", CSV)
        zf.writestr("__MACOSX/._answers.csv", b"\x00")
    assert lio.sniff(p) == "table"
    assert main(["aggregate", str(p), "--method", "majority_vote", "--quiet"]) == 0


# ------------------------------------------------------------ cut and ragged records
def test_short_record_refused_with_its_line(tmp_path: Path) -> None:
    p = tmp_path / "a.csv"
    p.write_text("a,b,c\n1,2,3\n4,5\n6,7,8\n")
    with pytest.raises(
        InputError, match=r"record 2 \(line 3 .*2 field\(s\) where the header has 3"
    ):
        read_table(p)
    p.write_text('a,b,c\n1,"x,\ny",3\n4,,\n')  # quoted delimiters and line breaks, empty cells
    assert read_table(p, numbers=False).shape == (2, 3)


@pytest.mark.parametrize(
    "tool, name", [("toloka", "assignments.tsv"), ("crowdflower", "f1234567_full.csv")]
)
def test_truncated_tool_export_refused(tmp_path: Path, tool: str, name: str) -> None:
    raw = (FORMATS / tool / name).read_bytes()
    p = tmp_path / name
    p.write_bytes(raw[: int(len(raw) * 0.6)].rstrip(b"\n"))
    with pytest.raises(InputError, match="truncated"):
        lio.read(p, format=tool)


def _mturk(tmp_path: Path, edit) -> Path:
    src = FORMATS / "mturk" / "batch_results_flattened.csv"
    p = tmp_path / "batch.csv"
    p.write_bytes(edit(src.read_bytes()))
    return p


def test_mturk_repeated_header_cut_and_ragged_rows_refused(tmp_path: Path) -> None:
    head = lambda b: b.split(b"\n")[0] + b"\n"  # noqa: E731
    with pytest.raises(InputError, match="header row repeated"):
        lio.read(_mturk(tmp_path, lambda b: b + head(b)), format="mturk")
    with pytest.raises(InputError, match="no WorkerId"):
        lio.read(_mturk(tmp_path, lambda b: b + b'"3HITX","T"\n'), format="mturk")
    with pytest.raises(InputError, match="looks truncated"):
        lio.read(_mturk(tmp_path, lambda b: b[: int(len(b) * 0.97)]), format="mturk")


def test_a_file_cut_inside_its_last_label_warned(tmp_path: Path) -> None:
    p = tmp_path / "a.csv"
    p.write_text(CSV.rstrip("\n")[:-1])  # "... i5,b,ca": no line break, a label cut short
    with pytest.warns(InputWarning, match="does not end with a line break .* 'ca'"):
        read_annotations(p)
    p.write_text(CSV.rstrip("\n"))  # no final line break, but a label seen elsewhere
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_annotations(p)


def test_argilla_parallel_lists_of_different_lengths_refused(tmp_path: Path) -> None:
    recs = [
        json.loads(x) for x in (FORMATS / "argilla" / "records_flat.jsonl").read_text().splitlines()
    ]
    recs[0]["sentiment.responses.users"] = recs[0]["sentiment.responses.users"][:1]
    p = tmp_path / "records.jsonl"
    p.write_text(jsonl(recs))
    with pytest.raises(
        InputError,
        match="records.jsonl: record 'r-101': sentiment.responses has 3 answers but 1 users",
    ):
        lio.read(p, format="argilla", question="sentiment")


def test_sagemaker_worker_response_read_compressed(tmp_path: Path) -> None:
    src = next((FORMATS / "sagemaker_ground_truth").rglob("worker-response/*/*/*.json"))
    p = tmp_path / (src.name + ".gz")
    p.write_bytes(gzip.compress(src.read_bytes()))
    got, want = lio.read(p, format="sagemaker"), lio.read(src, format="sagemaker")
    assert got.annotators.tolist() == want.annotators.tolist()
    assert got.classes[got.label].tolist() == want.classes[want.label].tolist()


def test_features_with_list_cells_refused() -> None:
    from labeljury.validation import check_features

    with pytest.raises(InputError, match="column 'f' holds a list in rows 0, 1"):
        check_features(pd.DataFrame({"f": [[1, 2], [3, 4]], "g": [1.0, 2.0]}))


def test_embeddings_of_text_refused(tmp_path: Path, capsys) -> None:
    p = tmp_path / "a.csv"
    p.write_text(CSV)
    np.save(tmp_path / "e.npy", np.array([["a", "b"]] * 6))
    argv = ["run", str(p), "--embeddings", str(tmp_path / "e.npy"), "--out", str(tmp_path / "o")]
    assert main([*argv, "--quiet", "--no-report"]) == 2
    assert "embeddings are numbers" in capsys.readouterr().err


def _ls_task(tid: int, results: list[list[str]], who: int = 1) -> dict:
    return {
        "id": tid,
        "annotations": [
            {
                "completed_by": who,
                "result": [
                    {"from_name": "sentiment", "type": "choices", "value": {"choices": c}}
                    for c in results
                ],
            }
        ],
    }


def test_label_studio_two_results_for_one_question_warned_once(tmp_path: Path) -> None:
    # Label Studio writes one result per control tag; two for the same question in
    # one annotation is a damaged export: the last counts, and the user is told how often
    tasks = [
        _ls_task(1, [["pos"], ["neg"]]),
        _ls_task(2, [["pos"]]),
        _ls_task(3, [["neg"], ["pos"]]),
    ]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(tasks))
    with pytest.warns(InputWarning, match=r"2 annotation\(s\) hold more than one result") as rec:
        ann = lio.read(path, format="label_studio")
    assert sum("more than one result" in str(w.message) for w in rec) == 1
    assert ann.to_long()["label"].tolist() == ["neg", "pos", "pos"]


def test_label_studio_one_result_per_question_reads_without_warning(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text(json.dumps([_ls_task(1, [["pos"]]), _ls_task(2, [["neg"]])]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ann = lio.read(path, format="label_studio")
    assert ann.n_annotations == 2
