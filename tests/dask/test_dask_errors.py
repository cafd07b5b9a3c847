"""Bad input to the Dask engine: labeljury errors, never a raw dask/pandas exception."""

from __future__ import annotations

import dask.dataframe as dd
import pandas as pd
import pytest

from labeljury.dask import aggregate
from labeljury.errors import (
    ClassError,
    InputError,
    MissingColumnError,
    MissingValueError,
    ParameterError,
    PredProbsError,
)


def _ddf(**cols) -> dd.DataFrame:
    base = {"item": list("aabbcc"), "worker": list("xyxyxy"), "label": [1, 1, 0, 0, 1, 0]}
    base.update(cols)
    return dd.from_pandas(pd.DataFrame(base), npartitions=2)


def test_not_a_dask_frame() -> None:
    with pytest.raises(ParameterError, match="dask DataFrame"):
        aggregate(pd.DataFrame({"item": [1]}), method="dawid_skene")


def test_unknown_method_and_parameter() -> None:
    with pytest.raises(ParameterError, match="does not run on Dask"):
        aggregate(_ddf(), method="glad")
    with pytest.raises(ParameterError, match="unknown parameter"):
        aggregate(_ddf(), method="dawid_skene", strength=3)
    with pytest.raises(ParameterError, match="random"):
        aggregate(_ddf(), method="majority_vote", tie_break="random")


def test_missing_column() -> None:
    with pytest.raises(MissingColumnError):
        aggregate(_ddf(), method="dawid_skene", label_col="answer")


def test_missing_label_names_the_partition(client) -> None:
    with pytest.raises(MissingValueError, match="partition"):
        aggregate(_ddf(label=[1, None, 0, 0, 1, 0]), method="majority_vote", client=client)


def test_bad_model_probabilities(client) -> None:
    bad = _ddf(p0=[0.5] * 6, p1=[0.9] * 6)
    with pytest.raises(PredProbsError):
        aggregate(bad, method="shrunk_dawid_skene", pred_probs=["p0", "p1"], client=client)
    with pytest.raises(InputError, match="columns for"):
        aggregate(bad, method="shrunk_dawid_skene", pred_probs=["p0"], client=client)


def test_numbers_and_text_in_different_partitions_read_as_in_memory(client) -> None:
    df = pd.DataFrame(
        {"item": list("aabbcc"), "worker": list("xyxyxy"), "label": ["1", "1", "0", "0", "x", "1"]}
    )
    ddf = dd.from_pandas(df, npartitions=1)
    res = aggregate(ddf, method="majority_vote", client=client, npartitions=3, text=True)
    # one partition alone would read "1" and "0" as numbers; all labels together are text
    assert res.summary["classes"] == 3
    assert set(res.label_quality.compute()["consensus_label"]) == {"1", "0"}


def test_one_class_in_the_whole_data_is_refused(client) -> None:
    with pytest.raises(ClassError, match="two classes"):
        aggregate(_ddf(label=[1] * 6), method="majority_vote", client=client)


def test_duplicates_error_and_order_dependent_policies(client) -> None:
    from labeljury.errors import DuplicateAnnotationError

    twice = _ddf(worker=list("xxxyxy"))
    with pytest.raises(DuplicateAnnotationError):
        aggregate(twice, method="majority_vote", duplicates="error", client=client)
    with pytest.raises(ParameterError, match="row order"):
        aggregate(twice, method="majority_vote", duplicates="last", client=client)


def test_crowdlab_without_a_model() -> None:
    with pytest.raises(PredProbsError, match="needs a model"):
        aggregate(_ddf(), method="crowdlab")


def test_ragged_csv_record_named_by_file_and_line(client, tmp_path, capsys) -> None:
    # Dask tokenizes CSV in blocks: its own error counts lines from a block and names no
    # file; the CLI names the file and the line of the record with the wrong field count
    from labeljury.cli import main

    (tmp_path / "a.csv").write_text("item,annotator,label\n3,a,x\n3,b,y\n")
    (tmp_path / "b.csv").write_text("item,annotator,label\n1,a,x\n1,b,y\n2,a,x,extra\n2,b,x\n")
    address = client.scheduler.address
    code = main(["aggregate", str(tmp_path), "--engine", "dask", "--scheduler", address])
    assert code == 2
    err = capsys.readouterr().err
    assert "b.csv: line 4 has 4 field(s), the header 3" in err
    assert "Traceback" not in err


def test_locate_ragged_record_none_when_every_record_fits(tmp_path) -> None:
    from labeljury.engines.dask.cli import locate_ragged_record

    f = tmp_path / "ok.tsv"
    f.write_text('item\tannotator\tlabel\n1\ta\t"x\ty"\n')
    assert locate_ragged_record([str(f)]) is None
