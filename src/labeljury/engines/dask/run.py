"""``labeljury.dask.aggregate``: read, partition by item, fit, score and write on a cluster."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ...errors import LabeljuryError, ParameterError, PredProbsError
from ...quality import (
    annotator_table,
    consensus_class_counts,
    detailed_label_quality,
    label_quality,
    sort_annotators,
    worst_class_from_counts,
)
from ._result import DaskResult, _read_done, _remove
from .fit import Fitted, fit, map_reduce, share, tree_sum
from .inputs import get_client, pred_columns, pred_order, resolve_columns
from .output import Output
from .parts import (
    ROW,
    build_local,
    class_vocab,
    global_annotators,
    local_vocab,
    number_rows,
    rewarn,
    to_global,
)
from .registry import make_spec
from .specs import Spec
from .stash import new_run_id, opened
from .temperature import temperature

__all__ = ["DaskResult", "aggregate"]

#: annotations per partition by default: a task's memory (a few hundred bytes an annotation
#: while it runs) stays the same whatever the size of the data
ROWS_PER_PART = 1_000_000


def _finish(part: Any, spec: Spec, params: dict, output: Output | None) -> dict[str, Any]:
    """The final pass over one partition: its tables (written when asked) and its sums."""
    part = opened(part)
    view = spec.view(part, params)
    ann = part.ann
    out = spec.skill_stats(part, view)
    total, hits = consensus_class_counts(ann, view.labels_)
    lq = label_quality(ann, view)
    quality = lq["consensus_quality_score"].to_numpy()
    out.update(
        cc_total=total,
        cc_hits=hits,
        agree=hits.sum(axis=1),
        items=ann.n_items,
        annotations=ann.n_annotations,
        quality_sum=float(quality.sum()),
        below_half=int((quality < 0.5).sum()),
        unanimous=int((lq["annotator_agreement"] == 1).sum()),
        files=0,
    )
    if output is not None:
        tables = {"label_quality": lq, "detailed_label_quality": detailed_label_quality(ann, view)}
        out["files"] = output.write_part(part.index, tables)
    return out


def aggregate(
    data: Any,
    method: str = "jury",
    *,
    item_col: Any = None,
    annotator_col: Any = None,
    label_col: Any = None,
    classes: list[Any] | None = None,
    duplicates: str = "keep",
    pred_probs: Any = None,
    pred_probs_item_col: Any = None,
    out: str | os.PathLike[str] | None = None,
    client: Any = None,
    workers: int | None = None,
    worker_memory: str | int | None = None,
    npartitions: int | None = None,
    text: bool = False,
    fingerprint: dict[str, Any] | None = None,
    inputs: Any = (),
    **params: Any,
) -> DaskResult:
    """Aggregate a Dask DataFrame of annotations (one row per annotation) on a cluster.

    The same consensus as :func:`labeljury.aggregate` on the same rows, scores within
    1e-8 (docs/dask.md): the rows are partitioned by item, each EM iteration maps the
    E-step over the partitions and reduces the per-annotator statistics.

    Parameters
    ----------
    data : dask.dataframe.DataFrame
        Long format: item id, annotator id, label (recognised by name when not given).
    method : str, default "jury"
        ``jury`` (labeljury's own, the in-memory default), ``majority_vote``,
        ``dawid_skene``, ``one_coin_dawid_skene`` or ``shrunk_dawid_skene``.
    item_col, annotator_col, label_col : column names, optional
    classes : list, optional
        All classes in order (default: the sorted labels, as in memory).
    duplicates : {"keep", "error"}, default "keep"
        An annotator labeling an item twice: both votes count, or refuse. (``first`` /
        ``last`` depend on the row order, which the shuffle by item does not keep.)
    pred_probs : list of column names, mapping class -> column, or Dask DataFrame, optional
        A model's probabilities per item: columns of ``data`` (one per class; the first
        row of each item is read), or a second frame with the item id and one column per
        class name, joined by item. Used as the item prior by ``jury`` and
        ``shrunk_dawid_skene`` and to break ties by the others, as in memory.
    out : path, optional
        Write the tables as Parquet datasets there (per partition, atomically, with a
        ``_SUCCESS`` marker last); a rerun after a crash resumes (docs/dask.md).
    client : distributed.Client, optional
        Default: the current client, else a new LocalCluster (closed at the end when
        ``out`` is given).
    workers : int, optional
        Workers of that LocalCluster (default: one per core).
    worker_memory : str or int, optional
        Memory limit of each of its workers (``"1GB"``, bytes; default: the machine's
        memory shared among them). The partitions live on the workers' disks between
        passes, so the data may be larger than the workers' memory together.
    npartitions : int, optional
        Partitions after the shuffle by item (default: one per million annotations, at
        least the input's).
    text : bool, default False
        The frame was read from delimited text as text (labels then follow the
        in-memory rules for CSV: ``"1"`` is the class 1 when every label is a number).
    fingerprint : dict, optional
        What identifies the input for resuming (default: Dask's token of ``data``).
    inputs : sequence of paths
        Input files, which ``out`` must not hold.
    **params
        The method's parameters (``max_iter``, ``tol``, ``smoothing``, ``strength``,
        ``model_weight``, ``calibrate``, ``random_state``, ``tie_break``).

    Returns
    -------
    DaskResult
    """
    import dask.dataframe as dd

    import dask

    if not isinstance(data, dd.DataFrame):
        raise ParameterError(
            f"labeljury.dask.aggregate expects a dask DataFrame, got {type(data).__name__} "
            "(in memory: labeljury.aggregate)"
        )
    spec, loop = make_spec(method, params)
    if duplicates not in ("keep", "error"):
        raise ParameterError(
            f"duplicates={duplicates!r}: on Dask 'keep' or 'error' ('first' and 'last' "
            "depend on the row order, which the shuffle by item does not keep)"
        )
    columns = resolve_columns(data, item_col, annotator_col, label_col)
    if spec.needs_model and pred_probs is None:
        raise PredProbsError(
            f"{spec.name} needs a model's probabilities: pred_probs=[one column per class] "
            "or a second dataset (CLI --pred-probs DATA)"
        )
    token = fingerprint if fingerprint is not None else {"data": dask.base.tokenize(data)}
    frame, pred_cols, pred_names = pred_columns(
        data, pred_probs, columns["item"], pred_probs_item_col
    )
    frame = frame[[columns["item"], columns["annotator"], columns["label"], *pred_cols]]
    n_parts = npartitions  # None: one per ROWS_PER_PART rows, at least the input's
    key = {
        **token,
        "columns": {k: str(v) for k, v in columns.items()},
        "method": spec.name,
        "params": {**spec.params, **loop},
        "classes": classes,
        "duplicates": duplicates,
        "pred_probs": pred_names if pred_names is not None else [str(c) for c in pred_cols],
        "npartitions": n_parts,
    }
    output = Output(out, key, inputs) if out is not None else None
    state = output.state() if output is not None else "new"
    if state == "done":
        return _read_done(output, spec)
    client, cluster = get_client(client, workers, worker_memory)
    try:
        result = _run(
            client,
            frame,
            n_parts,
            {**columns, "duplicates": duplicates},
            text,
            classes,
            pred_cols,
            pred_names,
            spec,
            loop,
            output,
            state,
        )
        result._owned = (client, cluster) if cluster is not None else None
        return result
    except LabeljuryError:
        raise
    except Exception as exc:  # a worker's pandas/pyarrow/OS error, or a lost cluster
        raise LabeljuryError(
            f"the Dask engine failed: {type(exc).__name__}: {exc}. Check the input dataset "
            "and the cluster (rerun with --debug for the traceback)"
        ) from exc
    finally:
        if cluster is not None and out is not None:
            client.close()
            cluster.close()
            cluster = None


def _run(client, *args):
    """:func:`_run_in` under a fresh run id; the run's files go if it fails."""
    run_id = new_run_id()
    try:
        return _run_in(client, *args, run_id)
    except BaseException:
        _remove(client, run_id)
        raise


def _run_in(
    client,
    frame,
    n_parts,
    columns,
    text,
    classes,
    pred_cols,
    pred_names,
    spec,
    loop,
    output,
    state,
    run_id,
):
    import dask

    # one pass: the distinct labels (the classes) and the rows of each input partition
    raw, lengths = client.compute([frame[columns["label"]].unique(), frame.map_partitions(len)])
    raw, lengths = raw.result(), np.asarray(lengths.result())
    found = class_vocab(np.asarray(raw), text, classes, columns["label"])
    # bounded partitions keep a task's memory the same at any size of the data
    n_parts = n_parts or max(frame.npartitions, -(-int(lengths.sum()) // ROWS_PER_PART))
    offsets = np.zeros(1, dtype=np.int64)
    if spec.needs_rows:  # the input order, for a sample drawn as in memory
        offsets = np.concatenate([[0], np.cumsum(lengths)])
        meta = frame._meta.assign(**{ROW: np.zeros(0, dtype=np.int64)})
        frame = frame.map_partitions(number_rows, offsets, partition_info=True, meta=meta)
    frame = frame.shuffle(columns["item"], npartitions=n_parts)
    delayed = frame.to_delayed()
    build = dask.delayed(build_local, pure=True)
    local = client.compute(
        [
            build(d, i, columns, text, found.tolist(), pred_cols or None, run_id)
            for i, d in enumerate(delayed)
        ]
    )
    vocabs = client.gather(client.map(local_vocab, local, pure=False))
    rewarn(vocabs)
    keep = [i for i, v in enumerate(vocabs) if v[0] > 0]
    annotators = global_annotators([vocabs[i] for i in keep])
    order = pred_order(pred_names, len(pred_cols), found)
    shared = share(client, (annotators, found))
    parts = [
        client.submit(
            lambda loc, s, i=i: to_global(loc, i, s[0], s[1], order),
            local[i],
            shared,
            pure=False,
        )
        for i in keep
    ]
    del local
    n_labels = map_reduce(client, parts, spec, "n_labels")["n_labels"]
    _remove(client, run_id, "local")  # every partition is built: the local codes are done
    saved = output.load_fit() if output is not None and state == "resume" else None
    if saved is not None:
        fitted = Fitted(
            spec, saved["params"], saved["next_params"], n_labels, saved["n_iter"], saved["history"]
        )
    else:
        if output is not None:
            output.start()
        fitted = fit(client, parts, spec, n_labels, loop)
        if output is not None:
            output.save_fit(fitted)
    if spec.name == "jury" and spec.params["calibrate"]:
        fitted.params["tau"] = temperature(client, parts, spec, fitted.params, int(offsets[-1]))
    params_f = share(client, fitted.params)
    totals = tree_sum(
        client, client.map(_finish, parts, spec=spec, params=params_f, output=output, pure=False)
    )
    totals["n_labels"] = n_labels
    stats = sort_annotators(
        annotator_table(
            annotators,
            np.asarray(spec.skill(totals, fitted.params), dtype=float),
            totals["agree"] / n_labels,
            n_labels,
            found.take(worst_class_from_counts(totals["cc_total"], totals["cc_hits"])),
        )
    )
    summary = {
        "method": spec.name,
        "engine": "dask",
        "items": int(totals["items"]),
        "annotations": int(totals["annotations"]),
        "annotators": len(annotators),
        "classes": len(found),
        "mean_consensus_quality": totals["quality_sum"] / totals["items"],
        "items_below_0.5_quality": int(totals["below_half"]),
        "unanimous_items": int(totals["unanimous"]),
        "n_iter": fitted.n_iter,
        "partitions": len(parts),
        "files_written": int(totals["files"]),
    }
    result = DaskResult(
        spec.name,
        stats,
        summary,
        {**fitted.params},
        fitted.n_iter,
        list(fitted.history),
        annotators,
        found,
        _parts=parts,
        _spec=spec,
        _client=client,
        _run_id=run_id,
    )
    if output is not None:
        output.finish(stats, summary)
        result.out = output.dir
        result._parts = []
        _remove(client, run_id)
        result._run_id = None
    return result
