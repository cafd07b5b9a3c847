"""Hostile tables: every ambiguous input is refused naming where, or read exactly as written."""

from __future__ import annotations

import bz2
import gzip
import lzma
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from labeljury import Annotations, read_annotations
from labeljury.cli import main
from labeljury.errors import (
    ClassError,
    InputError,
    InputWarning,
    LabeljuryError,
    MissingColumnError,
    MissingValueError,
    OutputError,
)
from labeljury.io.tables import read_table

LONG = "item,worker,label\n001,a,cat\n001,b,dog\n1,a,dog\n1,b,dog\n1e3,a,cat\n1000,b,cat\n"


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    p = tmp_path / name
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_text(text, encoding="utf-8")
    return p


# ------------------------------------------------------------------ ids are text
def test_ids_stay_text_as_written(tmp_path: Path) -> None:
    ann = read_annotations(write(tmp_path, "a.csv", LONG))
    assert ann.items.tolist() == ["001", "1", "1e3", "1000"]
    assert ann.annotators.tolist() == ["a", "b"]


def test_zero_padded_annotators_stay_apart(tmp_path: Path) -> None:
    ann = read_annotations(write(tmp_path, "a.csv", "item,worker,label\nx,007,0\nx,7,1\n"))
    assert ann.annotators.tolist() == ["007", "7"]


def test_huge_ids_written_back_intact(tmp_path: Path) -> None:
    big = "123456789012345678901234567890"
    p = write(tmp_path, "a.csv", f"item,worker,label\n{big},a,0\n{big},b,1\n2,a,1\n2,b,1\n")
    out = tmp_path / "out"
    assert (
        main(["aggregate", str(p), "--method", "majority_vote", "--out", str(out), "--quiet"]) == 0
    )
    lq = pd.read_csv(out / "label_quality.csv", dtype=str)
    assert sorted(lq.iloc[:, 0]) == sorted([big, "2"])


def test_output_joins_back_to_padded_input(tmp_path: Path) -> None:
    p = write(tmp_path, "a.csv", LONG)
    out = tmp_path / "o"
    assert (
        main(["aggregate", str(p), "--method", "majority_vote", "--out", str(out), "--quiet"]) == 0
    )
    lq = pd.read_csv(out / "label_quality.csv", dtype=str)
    assert set(lq.iloc[:, 0]) == {"001", "1", "1e3", "1000"}


def test_pred_probs_matched_by_text_id(tmp_path: Path) -> None:
    from labeljury.pred_probs import align_pred_probs

    ann = read_annotations(write(tmp_path, "a.csv", LONG))
    pp = write(
        tmp_path, "pp.csv", "item,cat,dog\n1,0.1,0.9\n001,0.8,0.2\n1000,0.3,0.7\n1e3,0.6,0.4\n"
    )
    arr = align_pred_probs(str(pp), ann)
    assert arr[:, 0].tolist() == [0.8, 0.1, 0.6, 0.3]
    # ids 0..n written without padding do not match padded ones
    bad = write(
        tmp_path, "pp2.csv", "item,cat,dog\n1,0.1,0.9\n0001,0.8,0.2\n1000,0.3,0.7\n1e3,0.6,0.4\n"
    )
    with pytest.raises(LabeljuryError, match="do not match"):
        align_pred_probs(str(bad), ann)


def test_npy_rows_sorted_numerically_for_numeric_text_ids(tmp_path: Path) -> None:
    from labeljury.pred_probs import sorted_item_order

    ann = Annotations.from_arrays(["10", "9", "010", "2"], ["a"] * 4, ["x", "y", "x", "y"])
    assert ann.items[sorted_item_order(ann)].tolist() == ["2", "9", "010", "10"]
    ann = Annotations.from_arrays(["b", "a10", "a9"], ["a"] * 3, ["x", "y", "x"])
    assert ann.items[sorted_item_order(ann)].tolist() == ["a10", "a9", "b"]


NA_IDS = ["NA", "N/A", "null", "?", "None", "nan", "<NA>", "#N/A", "missing"]


def test_na_like_ids_are_ids(tmp_path: Path) -> None:
    """An item or annotator called "NA", "null" or "?" is that id, not a missing one."""
    rows = [f"{i},{w},a" for i, w in zip(NA_IDS, NA_IDS[::-1], strict=True)]
    rows += [f"{i},w0,{'ab'[k % 2]}" for k, i in enumerate(NA_IDS)]
    p = write(tmp_path, "a.csv", "item,worker,label\n" + "\n".join(rows) + "\n")
    ann = read_annotations(p)
    assert sorted(ann.items) == sorted(NA_IDS)
    assert ann.n_annotations == len(rows)
    # and they are written back as written, one output row per input item
    out = tmp_path / "out"
    args = ["aggregate", str(p), "--method", "majority_vote", "--out", str(out), "--quiet"]
    assert main(args) == 0
    lq = pd.read_csv(out / "label_quality.csv", dtype=str, keep_default_na=False)
    assert sorted(lq["item"]) == sorted(NA_IDS)


def test_na_like_ids_in_a_wide_table_and_a_data_frame(tmp_path: Path) -> None:
    p = write(tmp_path, "w.csv", "item,NA,?\nNA,a,b\nnull,a,NA\n?,,a\n")
    ann = read_annotations(p, layout="wide")
    assert ann.items.tolist() == ["NA", "null", "?"]
    assert sorted(ann.annotators) == ["?", "NA"]
    assert ann.n_annotations == 4  # the label cells "NA" and "" are "not labeled"
    df = pd.DataFrame({"item": ["NA", "?"], "worker": ["null", "N/A"], "label": ["x", "y"]})
    assert Annotations.from_long(df).annotators.tolist() == ["null", "N/A"]


@pytest.mark.parametrize("cell", ["", "  ", None, np.nan])
def test_empty_id_is_still_missing(tmp_path: Path, cell) -> None:
    df = pd.DataFrame({"item": ["x", cell], "worker": ["a", "b"], "label": ["c", "d"]})
    with pytest.raises(MissingValueError, match="item id is missing"):
        Annotations.from_long(df)
    p = write(tmp_path, "a.csv", "item,worker,label\nx,a,c\nx,,d\n")
    with pytest.raises(MissingValueError, match="line 3.*annotator id is missing"):
        read_annotations(p)


def test_na_like_label_is_missing_unless_named_in_classes(tmp_path: Path) -> None:
    p = write(tmp_path, "a.csv", "item,worker,label\nx,a,N/A\nx,b,pos\ny,a,neg\n")
    with pytest.raises(MissingValueError, match=r"line 2: label is missing.*classes=\[\.\.\.\]"):
        read_annotations(p)
    ann = read_annotations(p, classes=["neg", "pos", "N/A"])
    assert ann.classes.tolist() == ["neg", "pos", "N/A"] and ann.n_annotations == 3
    with pytest.raises(ClassError, match="empty or missing name"):
        read_annotations(p, classes=["neg", "pos", "N/A", " "])


def test_na_like_ids_in_tool_exports(tmp_path: Path) -> None:
    """Toloka and MTurk: ids "NA" / "null" kept; an empty answer cell is "not labeled"."""
    import labeljury.io as lio

    src = Path(__file__).parents[1] / "data" / "formats"
    text = (src / "toloka" / "assignments.tsv").read_text(encoding="utf-8")
    text = text.replace("r-101\t", "NA\t").replace("8f1d3b6c0e5a7f2d9c4b1a0e", "null")
    ann = lio.read(write(tmp_path, "assignments.tsv", text))
    assert "NA" in ann.items and "null" in ann.annotators
    text = (src / "mturk" / "batch_results_flattened.csv").read_text(encoding="utf-8")
    worker = pd.read_csv(src / "mturk" / "batch_results_flattened.csv")["WorkerId"].iloc[0]
    text = text.replace(f'"{worker}"', '"NA"')
    ann = lio.read(write(tmp_path, "batch_results.csv", text))
    assert "NA" in ann.annotators


# ------------------------------------------------------------- silent misreads
@pytest.mark.parametrize(
    "name, text, words",
    [
        ("long_no_label.csv", "item,worker\n1,a\n1,b\n", "no label column"),
        ("label_no_annotator.csv", "item,label\n1,a\n2,b\n", "no annotator column"),
        ("dup_header.csv", "item,worker,label,label\n1,a,x,y\n", "both named 'label'"),
        ("dup_header_space.csv", "item,worker,label,label \n1,a,x,y\n", "both named"),
        (
            "repeated_header.csv",
            "item,worker,label\n1,a,x\n1,b,y\nitem,worker,label\n2,a,x\n",
            "line 4: the header row repeated",
        ),
        ("ragged.csv", "item,worker,label\n1,a,x\n1,b,y,z\n", "line 3"),
        ("nul.csv", "item,worker,label\n1,a\x00,x\n1,b,y\n", "NUL"),
        ("control_label.csv", "item,worker,label\n1,a,\x1b[31mx\n1,b,y\n", "control character"),
        ("control_id.csv", "item,worker,label\n1\x07,a,x\n1,b,y\n", "control character"),
        ("space_ids.csv", "item,worker,label\na,w,x\na ,w,y\n", "look the same"),
        ("nfc_ids.csv", "item,worker,label\ncaf\u00e9,w,x\ncafe\u0301,w,y\n", "look the same"),
        ("nbsp_ids.csv", "item,worker,label\nx,w\u00a0,x\nx,w ,y\n", "look the same"),
        ("zero_padded_labels.csv", "item,worker,label\n1,a,01\n1,b,1\n2,a,2\n", "same number"),
        ("latin1.csv", "item,worker,label\n1,a,caf\xe9\n".encode("latin-1"), "not UTF-8"),
        ("bad.parquet", b"PAR1 this is not parquet PAR1", "Parquet"),
        ("bad.csv.gz", b"\x1f\x8b\x08 truncated", "gzip"),
        ("multi.zip", None, "exactly one file"),
        ("list.json", "[1, 2]", "list of objects"),
        ("notjson.jsonl", '{"item": 1\n', "not valid JSON"),
    ],
)
def test_ambiguous_table_refused(tmp_path: Path, name: str, text, words: str) -> None:
    if text is None:
        p = tmp_path / name
        with zipfile.ZipFile(p, "w") as zf:
            zf.writestr("a.csv", "item,worker,label\n")
            zf.writestr("b.csv", "item,worker,label\n")
    else:
        p = write(tmp_path, name, text)
    with pytest.raises(LabeljuryError, match=words) as info:
        read_annotations(p)
    assert name.split(".")[0] in str(info.value) or "Parquet" in str(info.value)
    # the CLI: exit 2, one line, no traceback, control characters escaped
    assert main(["aggregate", str(p), "--out", str(tmp_path / "o"), "--quiet"]) == 2


def test_cli_error_is_one_escaped_line(tmp_path: Path, capsys) -> None:
    p = write(tmp_path, "a.csv", "item,worker,label\n1,a,\x1b[2Jx\n1,b,y\n")
    assert main(["aggregate", str(p), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\\x1b" in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert main(["aggregate", str(p), "--out", str(tmp_path / "o"), "--debug"]) == 2
    assert "Traceback" in capsys.readouterr().err


def test_tsv_holding_commas_read_with_a_warning(tmp_path: Path) -> None:
    p = write(tmp_path, "a.tsv", "item,worker,label\n1,a,x\n1,b,y\n")
    with pytest.warns(InputWarning, match="no tab but 2 comma"):
        ann = read_annotations(p)
    assert ann.n_annotations == 2 and ann.classes.tolist() == ["x", "y"]


def test_label_whitespace_and_unicode_normalised_with_one_warning(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        "a.csv",
        "item,worker,label\n1,a,cat\n1,b,cat \n1,c, cat\n"
        "2,a,cat\u00a0\n2,b,caf\u00e9\n2,c,cafe\u0301\n",
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ann = read_annotations(p)
    msgs = [str(w.message) for w in caught if issubclass(w.category, InputWarning)]
    assert len(msgs) == 1 and "4 label(s)" in msgs[0]
    assert ann.classes.tolist() == ["cat", "caf\u00e9"] or sorted(ann.classes) == sorted(
        ["cat", "caf\u00e9"]
    )


def test_labels_of_two_types_that_print_the_same_refused() -> None:
    df = pd.DataFrame(
        {
            "item": [1, 1, 2],
            "worker": ["a", "b", "a"],
            "label": pd.Series([1, "1", 2], dtype=object),
        }
    )
    with pytest.raises(ClassError, match="different types"):
        read_annotations(df)


def test_numeric_labels_from_text(tmp_path: Path) -> None:
    # 1 and 1.0 are one class (a wide table with gaps stores ints as floats)
    p = write(tmp_path, "w.csv", "item,a,b\nx,1.0,\ny,0,1\n")
    assert read_annotations(p).classes.tolist() == [0, 1]


@pytest.mark.parametrize("header", ["w1,w1", "w1,w1 "])
def test_wide_same_annotator_twice(tmp_path: Path, header: str) -> None:
    p = write(tmp_path, "w.csv", f"item,{header}\nx,0,1\ny,1,1\n")
    with pytest.raises(InputError):
        read_annotations(p)


def test_dataframe_duplicate_columns() -> None:
    df = pd.DataFrame([[1, "a", "x", "y"]], columns=["item", "worker", "label", "label"])
    with pytest.raises(InputError, match="column names repeat"):
        read_annotations(df)


def test_same_column_for_two_roles(tmp_path: Path) -> None:
    p = write(tmp_path, "a.csv", LONG)
    with pytest.raises(InputError, match="different columns"):
        read_annotations(p, item_col="label", label_col="label")
    assert (
        main(
            [
                "aggregate",
                str(p),
                "--item-col",
                "label",
                "--label-col",
                "label",
                "--out",
                str(tmp_path / "o"),
            ]
        )
        == 2
    )


@pytest.mark.parametrize("classes", [["cat", ""], ["cat", None], ["cat", float("nan")]])
def test_empty_class_name(tmp_path: Path, classes) -> None:
    with pytest.raises(ClassError, match="empty or missing"):
        read_annotations(write(tmp_path, "a.csv", LONG), classes=classes)


def test_cli_empty_class_name(tmp_path: Path) -> None:
    assert (
        main(
            [
                "aggregate",
                str(write(tmp_path, "a.csv", LONG)),
                "--classes",
                "cat",
                "",
                "--out",
                str(tmp_path / "o"),
            ]
        )
        == 2
    )


def test_repeated_pairs_counted_with_one_warning() -> None:
    df = pd.DataFrame(
        {"item": [1, 1, 1, 2, 2], "worker": ["a", "a", "a", "b", "b"], "label": [0, 1, 0, 1, 1]}
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ann = read_annotations(df)
    msgs = [str(w.message) for w in caught if issubclass(w.category, InputWarning)]
    assert len(msgs) == 1 and "2 (item, annotator) pair(s)" in msgs[0] and "3 extra" in msgs[0]
    assert ann.n_annotations == 5


def test_parquet_label_lists_refused(tmp_path: Path) -> None:
    p = tmp_path / "a.parquet"
    pd.DataFrame(
        {"item": ["1", "1"], "worker": ["a", "b"], "label": [["x"], ["y", "z"]]}
    ).to_parquet(p)
    with pytest.raises(ClassError, match="holds a"):
        read_annotations(p)


# ---------------------------------------------------------------- valid input
@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le", "utf-16-be"])
def test_encodings_read(tmp_path: Path, encoding: str) -> None:
    p = write(tmp_path, "a.csv", LONG.replace("cat", "caf\u00e9").encode(encoding))
    ann = read_annotations(p)
    assert ann.items.tolist() == ["001", "1", "1e3", "1000"]
    assert "caf\u00e9" in ann.classes


@pytest.mark.parametrize(
    "suffix, pack",
    [
        (".gz", gzip.compress),
        (".bz2", bz2.compress),
        (".xz", lzma.compress),
        (".zst", lambda b: __import__("zstandard").ZstdCompressor().compress(b)),
        (".zip", None),
    ],
)
def test_compressed_everywhere(tmp_path: Path, suffix: str, pack) -> None:
    raw = LONG.encode()
    p = tmp_path / f"answers.csv{suffix}"
    if pack is None:
        with zipfile.ZipFile(p, "w") as zf:
            zf.writestr("answers.csv", raw)
    else:
        p.write_bytes(pack(raw))
    assert read_annotations(p).items.tolist() == ["001", "1", "1e3", "1000"]
    assert (
        main(
            [
                "aggregate",
                str(p),
                "--method",
                "majority_vote",
                "--out",
                str(tmp_path / "o"),
                "--quiet",
            ]
        )
        == 0
    )


def test_read_table_numbers_keep_id_text(tmp_path: Path) -> None:
    p = write(tmp_path, "f.csv", "item_id,x,y\n001,1.5,NA\n002,2,3\n")
    df = read_table(p)
    assert df["item_id"].tolist() == ["001", "002"]
    assert df["x"].dtype.kind == "f" and np.isnan(df["y"].iloc[0])


# -------------------------------------------------------------------- outputs
def test_out_never_overwrites_an_input(tmp_path: Path) -> None:
    p = write(tmp_path, "label_quality.csv", LONG)
    before = p.read_bytes()
    assert (
        main(["aggregate", str(p), "--method", "majority_vote", "--out", str(tmp_path), "--quiet"])
        == 2
    )
    assert p.read_bytes() == before
    with pytest.raises(OutputError, match="refusing to overwrite an input"):
        from labeljury import aggregate

        aggregate(read_annotations(p), method="majority_vote").save(tmp_path)
    assert p.read_bytes() == before


@pytest.mark.parametrize("kind", ["file", "under_file", "dangling", "readonly"])
def test_bad_output_paths_checked_first(tmp_path: Path, kind: str, monkeypatch) -> None:
    import os

    import labeljury._files as files

    p = write(tmp_path, "a.csv", LONG)
    if kind == "file":
        out = write(tmp_path, "out", "x")
    elif kind == "under_file":
        out = write(tmp_path, "f", "x") / "sub"
    elif kind == "dangling":
        out = tmp_path / "link"
        out.symlink_to(tmp_path / "nowhere")
    else:
        out = tmp_path / "ro"
        out.mkdir()
        out.chmod(0o500)
        if os.access(out, os.W_OK):  # root ignores permissions: the folder acts read-only
            real = os.access
            monkeypatch.setattr(
                files.os,
                "access",
                lambda path, mode, **kw: False if Path(path) == out else real(path, mode, **kw),
            )
    assert main(["aggregate", str(p), "--out", str(out), "--quiet"]) == 2
    from labeljury import aggregate

    with pytest.raises(OutputError):
        aggregate(read_annotations(p), method="majority_vote").save(out)


def test_mturk_empty_extra_answer_column(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        "batch.csv",
        "HITId,WorkerId,AssignmentStatus,Answer.sentiment,Answer.comment\n"
        "h1,w1,Approved,pos,\nh1,w2,Approved,neg,\nh2,w1,Approved,pos,\n",
    )
    import labeljury.io as lio

    ann = lio.read(p)
    assert ann.n_annotations == 3 and ann.classes.tolist() == ["neg", "pos"]


def test_wide_first_column_of_ids_refused_not_read_as_an_annotator(tmp_path: Path) -> None:
    p = write(tmp_path, "w.csv", "name,w1,w2\nalpha,x,y\nbeta,y,y\ngamma,x,x\n")
    with pytest.raises(MissingColumnError, match="first column 'name' looks like item ids"):
        read_annotations(p)
    assert read_annotations(p, item_col="name").items.tolist() == ["alpha", "beta", "gamma"]


def test_wide_table_written_with_the_pandas_index(tmp_path: Path) -> None:
    p = tmp_path / "w.csv"
    pd.DataFrame({"w1": [0, 1, 1], "w2": [1, 1, 0]}).to_csv(p)
    ann = read_annotations(p)
    assert ann.annotators.tolist() == ["w1", "w2"] and ann.items.tolist() == ["0", "1", "2"]


@pytest.mark.parametrize(
    "text, sep",
    [
        ("sep=;\nitem;worker;label\n1;a;x\n1;b;y\n", None),
        ("item,worker,label,\n1,a,x,\n1,b,y,\n", None),
    ],
)
def test_excel_sep_line_and_trailing_delimiter(tmp_path: Path, text: str, sep) -> None:
    ann = read_annotations(write(tmp_path, "a.csv", text))
    assert ann.n_annotations == 2 and ann.classes.tolist() == ["x", "y"]


def test_hard_link_to_an_input_is_not_overwritten(tmp_path: Path) -> None:
    import os

    from labeljury import aggregate

    p = write(tmp_path, "answers.csv", LONG)
    out = tmp_path / "out"
    out.mkdir()
    os.link(p, out / "label_quality.csv")
    res = aggregate(read_annotations(p), method="majority_vote")
    with pytest.raises(OutputError, match="overwrite an input"):
        res.save(out)
    assert p.read_text() == LONG


def test_spreadsheet_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="save the sheet as CSV"):
        read_annotations(write(tmp_path, "a.xlsx", b"PK\x03\x04"))


def test_json_object_with_a_repeated_key_refused(tmp_path: Path) -> None:
    p = write(tmp_path, "a.jsonl", '{"item": 1, "worker": "a", "label": "x", "label": "y"}\n')
    with pytest.raises(InputError, match="names the key 'label' twice"):
        read_annotations(p)


def test_side_tables_with_ids_read_as_numbers_still_match_text_ids(tmp_path: Path) -> None:
    from labeljury.cli import read_gold
    from labeljury.pipeline import align_features

    ann = read_annotations(
        write(tmp_path, "a.csv", "item,worker,label\n7,a,x\n7,b,y\n8,a,y\n8,b,y\n")
    )
    gold = write(tmp_path, "g.csv", "doc,gold\n7,x\n")  # 'doc': not an id name, read as 7
    assert read_gold(str(gold), ann).gold.tolist() == [0, -1]
    feats = pd.DataFrame({"doc": [8, 7], "f": [0.5, 1.5]})
    assert align_features(feats, ann, id_col="doc")["f"].tolist() == [1.5, 0.5]
    assert feats["doc"].tolist() == [8, 7]  # the caller's table is untouched
    padded = read_annotations(
        write(tmp_path, "b.csv", "item,worker,label\n007,a,x\n007,b,y\n8,a,y\n8,b,y\n")
    )
    with pytest.raises(LabeljuryError, match="no row for items"):
        align_features(feats.replace(8, 8).assign(doc=[8, 7]), padded, id_col="doc")


FORMATS_DIR = Path(__file__).resolve().parents[1] / "data" / "formats"
EXPORTS = sorted(
    p
    for p in FORMATS_DIR.glob("*/*.*")
    if p.is_file() and p.suffix in (".json", ".jsonl", ".ndjson", ".csv", ".tsv")
)


@pytest.mark.parametrize("export", EXPORTS, ids=lambda p: f"{p.parent.name}/{p.name}")
@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le", "gzip"])
def test_every_export_reads_the_same_with_a_bom_in_utf16_or_compressed(
    tmp_path: Path, export: Path, encoding: str
) -> None:
    import labeljury.io as lio

    text = export.read_text(encoding="utf-8")
    if encoding == "gzip":
        copy = tmp_path / (export.name + ".gz")
        copy.write_bytes(gzip.compress(text.encode("utf-8")))
    else:
        copy = tmp_path / export.name
        copy.write_bytes(text.encode(encoding))
    try:
        expected = lio.read(export)
    except LabeljuryError as refused:  # refused on purpose: the copy is refused the same way
        with pytest.raises(type(refused)):
            lio.read(copy)
        return
    assert lio.read(copy) == expected
