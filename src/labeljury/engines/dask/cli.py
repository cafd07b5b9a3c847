"""``labeljury aggregate DATA --engine dask``: a Parquet (or CSV) dataset on a Dask cluster."""

from __future__ import annotations

import argparse
import csv
import glob
import os
from pathlib import Path
from typing import Any

from ...errors import InputError, LabeljuryError

__all__ = ["cmd_aggregate_dask", "dataset_files", "read_dataset"]

BLOCK = "16MiB"

_KINDS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".tsv": "csv"}


def dataset_files(path: str) -> tuple[list[str], str]:
    """The files of DATA (a folder, a glob or one file) and their kind (parquet or csv)."""
    if os.path.isdir(path):
        files = sorted(
            str(p)
            for p in Path(path).rglob("*")
            if p.is_file() and p.suffix.lower() in _KINDS and not p.name.startswith((".", "_"))
        )
    elif any(ch in path for ch in "*?["):
        files = sorted(f for f in glob.glob(path, recursive=True) if os.path.isfile(f))
    elif os.path.isfile(path):
        files = [path]
    else:
        raise InputError(f"{path}: no such file, folder or glob match")
    if not files:
        raise InputError(f"{path}: no .parquet or .csv files there")
    kinds = {_KINDS.get(Path(f).suffix.lower()) for f in files}
    if len(kinds) != 1 or None in kinds:
        raise InputError(
            f"{path}: the Dask engine reads one kind of file, Parquet or CSV; found "
            f"{sorted(str(k) for k in kinds)}"
        )
    return files, kinds.pop()


def read_dataset(files: list[str], kind: str) -> Any:
    """A Dask DataFrame over the files; CSV cells stay text, as the in-memory reader keeps them."""
    import dask.dataframe as dd

    try:
        # small input partitions (row groups, blocks of text): a task reading one holds a few
        # tens of MB whatever the size of the files, so the shuffle by item fits a small worker
        if kind == "parquet":
            return dd.read_parquet(files, split_row_groups="adaptive", blocksize=BLOCK)
        sep = "\t" if all(f.lower().endswith(".tsv") for f in files) else ","
        return dd.read_csv(
            files, sep=sep, dtype=object, keep_default_na=False, na_filter=False, blocksize=BLOCK
        )
    except Exception as exc:  # pyarrow / pandas / fsspec: say which files, not a traceback
        raise InputError(
            f"cannot read {files[0]}{f' (and {len(files) - 1} more)' if len(files) > 1 else ''} "
            f"as {kind}: {type(exc).__name__}: {exc}"
        ) from None


def locate_ragged_record(files: list[str]) -> tuple[str, int, int, int] | None:
    """The first record whose field count differs from its file's header.

    ``(file, line, fields, header fields)``, or None. Dask reads CSV in blocks, so
    the tokenizer's own line number counts from a block's start and names no file;
    this rescan runs only after such a failure, to say where the damage is.
    """
    for f in files:
        sep = "\t" if f.lower().endswith(".tsv") else ","
        with open(f, newline="", encoding="utf-8", errors="replace") as fh:
            rows = csv.reader(fh, delimiter=sep)
            header = next(rows, None)
            if header is None:
                continue
            for row in rows:
                if row and len(row) != len(header):
                    return f, rows.line_num, len(row), len(header)
    return None


def _fingerprint(files: list[str]) -> dict[str, Any]:
    stats = []
    for f in files:
        st = os.stat(f)
        stats.append([os.path.realpath(f), st.st_size, st.st_mtime_ns])
    return {"files": stats}


def cmd_aggregate_dask(args: argparse.Namespace, out: Any) -> int:
    """Run ``aggregate`` on the Dask engine and print its summary."""
    from . import require_dask

    require_dask()
    for flag, given in (
        ("--gold", args.gold),
        ("--report", args.report),
        ("--multi-label", getattr(args, "multi_label", False)),
    ):
        if given:
            raise InputError(f"{flag} does not work with --engine dask yet; run it in memory")
    if getattr(args, "format", "auto") not in (None, "auto", "table", "long"):
        raise InputError("--engine dask reads long tables (Parquet or CSV), not tool exports")
    if args.duplicates not in ("keep", "error"):
        raise InputError(
            f"--duplicates {args.duplicates} keeps one label by file order, which the "
            "shuffle by item does not keep; on Dask use keep or error"
        )
    from distributed import Client

    from ..._files import check_output_dir
    from ...commands._read import _parse_classes
    from ...commands.aggregate import method_params
    from .run import aggregate

    files, kind = dataset_files(args.answers)
    if args.out is not None:
        check_output_dir(args.out)
    data = read_dataset(files, kind)
    pred = None
    if args.pred_probs is not None:
        pfiles, pkind = dataset_files(args.pred_probs)
        pred = read_dataset(pfiles, pkind)
        files = files + pfiles
    method = "jury" if args.method == "auto" else args.method  # as in memory
    client = None
    if args.scheduler:
        try:
            client = Client(args.scheduler, timeout="30s")
        except OSError as exc:
            raise InputError(f"--scheduler {args.scheduler}: cannot connect ({exc})") from None
    try:
        res = aggregate(
            data,
            method=method,
            item_col=args.item_col,
            annotator_col=args.annotator_col,
            label_col=args.label_col,
            classes=_parse_classes(args.classes),
            duplicates=args.duplicates,
            pred_probs=pred,
            pred_probs_item_col=args.pred_probs_id_col,
            out=args.out,
            client=client,
            workers=args.workers,
            worker_memory=args.worker_memory,
            npartitions=args.partitions,
            text=kind == "csv",
            fingerprint=_fingerprint(files),
            inputs=files,
            **method_params(getattr(args, "param", [])),
        )
        res.close()  # without --out a local cluster outlives the fit: close it
    except LabeljuryError as exc:
        where = locate_ragged_record(files) if kind == "csv" and _is_parse_error(exc) else None
        if where is None:
            raise
        f, line, got, want = where
        raise InputError(
            f"{f}: line {line} has {got} field(s), the header {want}; fix or remove that "
            "record (a quoted cell holding the separator needs its quotes)"
        ) from exc
    finally:
        if client is not None:
            client.close()
    s = res.summary
    out.print(
        f"{s['method']} on Dask: {s['items']:,} items, {s['annotations']:,} annotations, "
        f"{s['annotators']:,} annotators, {s['classes']} classes; {s['n_iter']} iteration(s) "
        f"over {s['partitions']} partition(s)"
    )
    out.print(
        f"mean consensus quality {s['mean_consensus_quality']:.4f}; "
        f"{s['items_below_0.5_quality']:,} items below 0.5; "
        f"{s['unanimous_items']:,} unanimous"
    )
    if args.out is None:
        out.print("[dim]nothing written; --out DIR writes the tables as Parquet datasets[/dim]")
    elif s.get("files_written", 0) == 0 and res.n_iter_ is not None:
        out.print(f"{res.out}/ was complete already (_SUCCESS): nothing rewritten")
    else:
        out.print(
            f"wrote {res.out}/: label_quality/, detailed_label_quality/, annotator_stats/, _SUCCESS"
        )
    return 0


def _is_parse_error(exc: BaseException) -> bool:
    """Whether the engine's failure came from tokenizing a CSV file."""
    import pandas as pd

    return isinstance(exc.__cause__, pd.errors.ParserError)
