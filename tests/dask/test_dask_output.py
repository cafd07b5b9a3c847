"""The Dask engine's outputs: Parquet datasets per partition, _SUCCESS last, resumable."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from dask_helpers import ATOL, in_memory

from labeljury.cli import main
from labeljury.errors import OutputError

DATA = Path(__file__).resolve().parents[1] / "data" / "rte" / "answers.csv"
SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    """rte as three Parquet files in a folder."""
    folder = tmp_path_factory.mktemp("in") / "rte"
    folder.mkdir()
    df = pd.read_csv(DATA)
    n = len(df)
    for i in range(3):
        df.iloc[i * n // 3 : (i + 1) * n // 3].to_parquet(folder / f"part{i}.parquet")
    return folder


@pytest.fixture(scope="module")
def scheduler(client) -> str:
    """The module cluster's address: the CLI connects with --scheduler (no cluster per run)."""
    return client.scheduler.address


def _cli(scheduler: str, *args: str) -> None:
    assert main(["aggregate", *args, "--engine", "dask", "--scheduler", scheduler, "--quiet"]) == 0


def test_cli_writes_parquet_datasets_matching_memory(
    scheduler: str, dataset: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    _cli(scheduler, str(dataset), "--method", "dawid_skene", "--partitions", "4", "--out", str(out))
    assert (out / "_SUCCESS").is_file()
    lq = pd.read_parquet(out / "label_quality").set_index("item")
    mem = in_memory(pd.read_csv(DATA), "dawid_skene").label_quality.set_index("item")
    assert len(list((out / "label_quality").glob("part-*.parquet"))) == 4
    lq = lq.loc[mem.index]
    assert (lq["consensus_label"] == mem["consensus_label"]).all()
    assert (lq["consensus_quality_score"] - mem["consensus_quality_score"]).abs().max() < ATOL
    assert len(pd.read_parquet(out / "detailed_label_quality")) == 8000
    assert len(pd.read_parquet(out / "annotator_stats")) == 164
    assert not list(out.rglob(".*.tmp"))  # no temporary file left behind


def test_a_rerun_resumes_and_rewrites_nothing_complete(
    scheduler: str, dataset: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    args = (str(dataset / "*.parquet"), "--method", "one_coin", "--out", str(out))
    _cli(scheduler, *args)
    first = pd.read_parquet(out / "label_quality").sort_values("item").reset_index(drop=True)
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    # a crash after the fit, while the partitions were written: one file and _SUCCESS missing
    lost = out / "label_quality" / "part-00001.parquet"
    lost.unlink()
    (out / "_SUCCESS").unlink()
    _cli(scheduler, *args)
    again = pd.read_parquet(out / "label_quality").sort_values("item").reset_index(drop=True)
    pd.testing.assert_frame_equal(first, again)
    for p, t in stamps.items():
        if p != lost and p.name not in ("_SUCCESS", "part-00000.parquet"):
            assert p.stat().st_mtime_ns == t, p  # fit reused, complete partitions kept
    assert '"files_written": 1' in (out / "_SUCCESS").read_text()
    # complete: a third run touches nothing at all
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    _cli(scheduler, *args)
    assert stamps == {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}


def test_another_runs_output_and_the_input_folder_are_refused(
    scheduler: str, dataset: Path, tmp_path: Path, capsys
) -> None:
    out = tmp_path / "out"
    _cli(scheduler, str(dataset), "--method", "majority_vote", "--out", str(out))
    again = ["aggregate", str(dataset), "--engine", "dask", "--scheduler", scheduler]
    assert main([*again, "--method", "dawid_skene", "--out", str(out)]) != 0
    assert "another run" in capsys.readouterr().err
    inside = tmp_path / "copy"
    shutil.copytree(dataset, inside)
    assert main(["aggregate", str(inside), "--engine", "dask", "--out", str(inside)]) != 0
    # (refused before any cluster starts)
    assert "lies in this folder" in capsys.readouterr().err
    assert sorted(p.name for p in inside.iterdir()) == sorted(p.name for p in dataset.iterdir())


def test_csv_glob_reads_labels_as_the_in_memory_reader(scheduler: str, tmp_path: Path) -> None:
    df = pd.read_csv(DATA)
    folder = tmp_path / "csv"
    folder.mkdir()
    df.iloc[:4000].to_csv(folder / "a.csv", index=False)
    df.iloc[4000:].to_csv(folder / "b.csv", index=False)
    out = tmp_path / "out"
    _cli(scheduler, str(folder / "*.csv"), "--method", "shrunk_dawid_skene", "--out", str(out))
    lq = pd.read_parquet(out / "label_quality")
    # text cells: item ids stay text and the labels "0"/"1" are the classes 0 and 1
    assert lq["item"].map(type).eq(str).all()
    assert set(lq["consensus_label"]) <= {0, 1}
    mem = in_memory(df, "shrunk_dawid_skene").label_quality
    merged = mem.assign(item=mem["item"].astype(str)).merge(lq, on="item")
    assert len(merged) == len(mem)
    assert (merged["consensus_label_x"] == merged["consensus_label_y"]).all()


def test_missing_extra_is_a_clear_error(monkeypatch) -> None:
    import dask.dataframe as dd

    from labeljury import dask as lj_dask
    from labeljury.errors import LabeljuryError

    ddf = dd.from_pandas(pd.read_csv(DATA), npartitions=1)
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(LabeljuryError, match=r"labeljury\[dask\]"):
        lj_dask.aggregate(ddf, method="dawid_skene")


def test_output_error_type(dataset: Path, tmp_path: Path) -> None:
    from labeljury.dask import aggregate

    f = tmp_path / "file"
    f.write_text("x")
    import dask.dataframe as dd

    with pytest.raises(OutputError):
        aggregate(dd.read_parquet(str(dataset)), method="majority_vote", out=f / "sub")


def test_unreadable_dataset_is_a_clear_error(tmp_path: Path, capsys) -> None:
    (tmp_path / "bad.parquet").write_text("not parquet")
    assert main(["aggregate", str(tmp_path), "--engine", "dask", "--out", str(tmp_path / "o")]) != 0
    err = capsys.readouterr().err
    assert "cannot read" in err and "Traceback" not in err


def test_cli_pred_probs_dataset_joined_by_item(
    scheduler: str, dataset: Path, tmp_path: Path
) -> None:
    import numpy as np

    df = pd.read_csv(DATA)
    items = pd.unique(df["item"])
    probs = np.random.default_rng(2).dirichlet(np.ones(2), size=len(items))
    table = pd.DataFrame({"item": items, "0": probs[:, 0], "1": probs[:, 1]})
    table.to_parquet(tmp_path / "pp.parquet")
    out = tmp_path / "out"
    _cli(scheduler, str(dataset), "--pred-probs", str(tmp_path / "pp.parquet"), "--out", str(out))
    lq = pd.read_parquet(out / "label_quality").set_index("item")
    mem = in_memory(df, "jury", pred_probs=table).label_quality.set_index("item")
    lq = lq.loc[mem.index]
    assert (lq["consensus_label"] == mem["consensus_label"]).all()
    assert (lq["consensus_quality_score"] - mem["consensus_quality_score"]).abs().max() < ATOL
    assert "jury" in (out / "_SUCCESS").read_text()  # --method auto is Jury, as in memory


def test_a_bad_row_is_one_clear_line_from_a_fresh_local_cluster(tmp_path: Path) -> None:
    bad = pd.DataFrame({"item": list("aabb"), "worker": list("xyxy"), "label": [1, None, 0, 1]})
    bad.to_parquet(tmp_path / "a.parquet")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    args = ["aggregate", str(tmp_path), "--engine", "dask", "--workers", "1"]
    done = subprocess.run(
        [sys.executable, "-m", "labeljury.cli", *args, "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode != 0
    assert "label is missing" in done.stderr
    assert "Traceback" not in done.stderr and "Compute Failed" not in done.stderr
