"""Writers (atomic, ids kept) and the agreement / convert subcommands."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd
import pytest

import labeljury.io as lio
from labeljury.errors import InputError
from labeljury.io.cli import add_commands

F = Path(__file__).resolve().parents[1] / "data" / "formats"
LQ = pd.DataFrame(
    {
        "item": [501, 502, 503],
        "consensus_label": ["neutral", "negative", "neutral"],
        "consensus_quality_score": [0.55, 0.97, 0.8],
        "num_annotations": [2, 2, 1],
    }
)


def test_write_table_csv_and_parquet(tmp_path: Path) -> None:
    for name in ("out.csv", "sub/out.parquet"):
        p = lio.write_table(LQ, tmp_path / name)
        back = pd.read_csv(p) if name.endswith(".csv") else pd.read_parquet(p)
        pd.testing.assert_frame_equal(back, LQ, check_dtype=False)
    with pytest.raises(InputError, match="extension"):
        lio.write_table(LQ, tmp_path / "out.xlsx")
    assert sorted(q.name for q in tmp_path.iterdir()) == ["out.csv", "sub"]  # no temp left


def test_write_is_atomic_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "keep.jsonl"
    target.write_text("old\n")
    bad = LQ.assign(extra=[1, 2, object()])  # the third row cannot be written as JSON
    with pytest.raises(TypeError):
        lio.write_jsonl(bad, target)
    assert target.read_text() == "old\n"
    assert [q.name for q in tmp_path.iterdir()] == ["keep.jsonl"]  # no temp file left
    with pytest.raises(KeyError, match="consensus_label"):
        lio.write_table(LQ.drop(columns=["consensus_label"]), target)


def test_write_jsonl_keeps_original_ids(tmp_path: Path) -> None:
    lq = LQ.assign(item=pd.Series([501, "r-102", "評論"], dtype=object))
    p = lio.write_jsonl(lq, tmp_path / "c.jsonl")
    recs = [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines()]
    assert [r["item"] for r in recs] == [501, "r-102", "評論"]
    assert recs[0]["consensus_quality_score"] == 0.55


def test_label_studio_predictions_round_trip(tmp_path: Path) -> None:
    p = lio.write_label_studio_predictions(
        LQ,
        tmp_path / "pred.json",
        from_name="sentiment",
        to_name="review",
        original=F / "label_studio/export_json.json",
    )
    tasks = json.loads(p.read_text())
    assert [t["id"] for t in tasks] == [501, 502, 503]
    assert tasks[0]["data"]["sku"] == "KT-220"
    pred = tasks[0]["predictions"][0]
    assert pred["score"] == 0.55
    assert pred["result"][0] == {
        "from_name": "sentiment",
        "to_name": "review",
        "type": "choices",
        "value": {"choices": ["neutral"]},
    }
    with pytest.raises(InputError, match="no task with id"):
        lio.write_label_studio_predictions(
            LQ.assign(item=[1, 2, 3]),
            tmp_path / "x.json",
            from_name="s",
            to_name="t",
            original=F / "label_studio/export_json.json",
        )


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="labeljury")
    add_commands(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


def test_cli_convert(tmp_path: Path) -> None:
    out = tmp_path / "long.csv"
    args = parse(["convert", str(F / "toloka/assignments.tsv"), "--to", "csv", str(out)])
    assert args.func(args) == 0
    df = pd.read_csv(out)
    assert list(df.columns) == ["item", "annotator", "label", "seconds", "timestamp", "gold"]
    assert df.loc[df["item"] == "gold-7", "gold"].eq("positive").all()
    for fmt in ("parquet", "jsonl"):
        args = parse(
            [
                "convert",
                str(F / "label_studio/export_json.json"),
                "--to",
                fmt,
                str(tmp_path / f"o.{fmt}"),
                "--keep-skipped",
            ]
        )
        assert args.func(args) == 0
    assert len(pd.read_parquet(tmp_path / "o.parquet")) == 5


def test_cli_agreement_writes_tables(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    args = parse(
        [
            "agreement",
            str(F / "sagemaker_ground_truth/review-sentiment-job"),
            "--min-shared",
            "1",
            "--out",
            str(tmp_path),
        ]
    )
    assert args.func(args) == 0
    assert "krippendorff alpha" in capsys.readouterr().out
    summary = json.loads((tmp_path / "agreement.json").read_text())
    assert summary["n_items_pairable"] == 2 and summary["fleiss_kappa"] is None
    assert len(pd.read_csv(tmp_path / "agreement_pairwise.csv")) == 3
    assert len(pd.read_csv(tmp_path / "agreement_per_class.csv")) == 3
