"""Tool exports read as multi-label sets (io readers with multi_label=True)."""

from __future__ import annotations

import pytest

from labeljury import io as lj_io
from labeljury.cli import main
from labeljury.errors import InputError

DATA = "tests/data/formats/"


@pytest.mark.parametrize(
    "path",
    [
        "label_studio/export_json.json",
        "label_studio/export_json_min.json",
        "label_studio/export_csv.csv",
    ],
)
def test_label_studio_multi_choice_question(path):
    ann, summary = lj_io.read(DATA + path, multi_label=True, return_summary=True)
    assert summary.question == "topics"  # the multi-valued question is the default
    long = ann.to_long().set_index(["item", "annotator"])["label"]
    sets = long.to_dict()
    assert sets[("501", "ana.ruiz@example.org")] == "quality|shipping"
    assert sets[("502", "sam.okafor@example.org")] == ""  # answered, chose none


def test_prodigy_argilla_doccano_sagemaker():
    ann = lj_io.read(DATA + "prodigy/reviews_topics_and_binary.jsonl", multi_label=True)
    assert ann.to_long()["label"].tolist() == ["quality|shipping"]
    ann = lj_io.read(DATA + "argilla/records_nested.json", multi_label=True)
    assert sorted(ann.to_long()["label"]) == ["quality|shipping", "shipping"]
    ann = lj_io.read(DATA + "doccano/export_zip_contents", multi_label=True)
    assert ann.n_judgements == 5
    ann = lj_io.read(DATA + "sagemaker_ground_truth/review-sentiment-job", multi_label=True)
    assert ann.n_classes == 3


def test_single_choice_reader_refuses_multi_label():
    with pytest.raises(InputError, match="one class per answer"):
        lj_io.read(DATA + "toloka/assignments.tsv", multi_label=True)


def test_cli_reads_a_tool_export_as_multi_label(tmp_path):
    out = tmp_path / "out"
    assert (
        main(
            [
                "aggregate",
                DATA + "label_studio/export_json.json",
                "--multi-label",
                "--method",
                "majority_vote",
                "--out",
                str(out),
                "--quiet",
            ]
        )
        == 0
    )
    assert (out / "class_quality.csv").read_text().splitlines()[0] == "item,quality,shipping"
