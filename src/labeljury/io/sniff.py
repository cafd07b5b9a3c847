"""Tell which tool wrote an export from its name, layout and first bytes.

Only the first few kilobytes are read (the header line of a CSV, the start of
a JSON document), so sniffing costs nothing on a large file.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from ..errors import EmptyInputError, InputError

__all__ = ["sniff"]

_HEAD = 1 << 16
TABLE_SUFFIXES = (".csv", ".tsv", ".tab", ".txt", ".parquet", ".pq", ".jsonl", ".ndjson", ".json")


def _head(path: Path) -> str:
    from .tables import open_text

    try:
        with open_text(path) as fh:
            return fh.read(_HEAD)
    except UnicodeDecodeError:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read(_HEAD)


def _sniff_dir(path: Path) -> str:
    if (
        (path / "annotations").is_dir()
        or path.name in ("worker-response", "consolidation-request")
        or path.name.startswith("iteration-")
        or "worker-response" in path.parts
    ):
        return "sagemaker"
    if any(path.glob("*.jsonl")):
        return "doccano"
    if any(path.rglob("*.parquet")) or any(path.glob("*.csv")) or any(path.glob("*.tsv")):
        return "table"  # a Parquet dataset or a folder of CSV parts
    raise InputError(
        f"{path}: cannot tell the export format of this folder; pass format=... "
        "(a SageMaker Ground Truth job folder or a doccano export folder)"
    )


def _sniff_zip(p: Path) -> str:
    """A doccano export (a zip of JSONL files), or a zip holding one table file."""
    if not zipfile.is_zipfile(p):
        raise InputError(f"{p}: not a valid .zip file (truncated or misnamed?)")
    with zipfile.ZipFile(p) as zf:
        names = [
            n
            for n in zf.namelist()
            if not n.endswith("/") and not n.startswith("__MACOSX") and "/." not in f"/{n}"
        ]
    tables = [n for n in names if Path(n).suffix.lower() in TABLE_SUFFIXES]
    jsonl = [n for n in names if Path(n).suffix.lower() in (".jsonl", ".json")]
    if len(names) == 1 and tables and not jsonl:
        return "table"  # answers.zip holding answers.csv
    return "doccano"


def _long_table_record(head: str) -> bool:
    """True when the first JSON line is one annotation of a long table (a scalar label).

    doccano's records hold the label as a list (``"label": ["positive"]``); a long
    table's hold one class and an annotator (``{"item": 1, "worker": "a", "label": "x"}``).
    """
    import json

    from .._columns import ANNOTATOR_NAMES, _find_column

    line = next((ln for ln in head.splitlines() if ln.strip()), "")
    try:
        rec = json.loads(line)
    except ValueError:
        return False
    if not isinstance(rec, dict):
        return False
    label = rec.get("label", rec.get("labels"))
    if isinstance(label, (list, dict)):
        return False
    return _find_column(list(rec), ANNOTATOR_NAMES) is not None


def sniff(path: str | os.PathLike[str]) -> str:
    """Return the format name (a key of ``labeljury.io.FORMATS``) of an export.

    Parameters
    ----------
    path : path
        A file or folder.

    Raises
    ------
    InputError
        When the format cannot be told; the message says to pass ``format=``.

    Examples
    --------
    >>> sniff("tests/data/formats/toloka/assignments.tsv")
    'toloka'
    """
    p = Path(path)
    if not p.exists():
        if any(ch in str(path) for ch in "*?["):
            return "table"  # a glob of table files (labeljury.io.stream.table_files)
        raise InputError(f"{p}: no such file or folder")
    if p.is_dir():
        return _sniff_dir(p)
    from .tables import inner_suffix

    if p.stat().st_size == 0:
        raise EmptyInputError(f"{p}: the file is empty")
    ext, comp = inner_suffix(p)
    if (comp == "zip" and ext not in TABLE_SUFFIXES) or (comp is None and ext == ".zip"):
        return _sniff_zip(p)
    if ext in (".parquet", ".pq"):
        if comp is not None:
            return "table"
        import pyarrow.parquet as pq

        try:
            names = pq.read_schema(p).names
        except Exception as exc:  # pyarrow's ArrowInvalid / OSError for a corrupt file
            raise InputError(
                f"{p}: cannot read as Parquet ({type(exc).__name__}); is the file "
                "complete and really Parquet?"
            ) from exc
        if any(n.endswith(".responses") for n in names):
            return "argilla"
        return "table"
    head = _head(p)
    first = head.splitlines()[0] if head.strip() else ""
    if ext in (".csv", ".tsv", ".tab", ".txt"):
        if "ASSIGNMENT:" in first:
            return "toloka"
        if "HITId" in first and "WorkerId" in first:
            return "mturk"
        if "_unit_id" in first:
            return "crowdflower"
        if "annotation_id" in first and "annotator" in first:
            return "label_studio"
        return "table"
    if '"datasetObjectId"' in head:
        return "sagemaker"
    if '"answers"' in head and '"workerId"' in head:
        return "sagemaker"
    if '"data_row"' in head:
        return "labelbox"
    if '"_input_hash"' in head or '"_annotator_id"' in head or '"_session_id"' in head:
        return "prodigy"
    if '.responses"' in head or '"responses"' in head:
        return "argilla"
    if '"annotations"' in head and ('"data"' in head or '"completed_by"' in head):
        return "label_studio"
    if '"annotator"' in head and '"annotation_id"' in head:
        return "label_studio"
    if '-metadata"' in head and ('"source"' in head or '"source-ref"' in head):
        raise InputError(
            f"{p}: a Ground Truth output manifest holds only the consolidated "
            "label, not each worker's; read the job folder (annotations/"
            "worker-response) instead"
        )
    if ext in (".jsonl", ".ndjson") and ('"label"' in head or '"labels"' in head):
        return "table" if _long_table_record(head) else "doccano"
    if ext in (".jsonl", ".ndjson", ".json"):
        return "table"
    raise InputError(
        f"{p}: cannot tell the export format; pass format=... (one of the names "
        "in labeljury.io.FORMATS)"
    )
