"""Label Studio JSON read by several processes gives exactly the one-process result."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from labeljury.errors import InputError
from labeljury.io import _ls_columns
from labeljury.io._json_split import Misaligned, iter_json_range, split_array
from labeljury.io.label_studio import _read_json

DATA = Path(__file__).resolve().parents[1] / "data" / "formats" / "label_studio"
linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers fork: Linux only")


@pytest.fixture(autouse=True)
def _fork_beside_leftover_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests compare the parallel read with the one-process read, so they fork.

    Earlier tests in the same pytest process can leave a Python thread behind
    (distributed's offload thread lives as long as the process), and the reader
    then rightly refuses to fork. The rule itself is tested in a fresh
    interpreter (``test_fork_is_safe_...``); here it is taken as met, which is
    harmless: the forked child never touches those threads.
    """
    monkeypatch.setattr(_ls_columns, "_fork_safe", lambda: sys.platform.startswith("linux"))


def _task(t: int, n: int = 3, q: str = "sentiment", **extra: Any) -> dict[str, Any]:
    classes = ["pos", "neg", "neu"]
    anns = [
        {
            "id": 10 * t + k,
            "completed_by": {"id": (t * 7 + k) % 11, "email": f"u{(t * 7 + k) % 11}@x.org"},
            "result": [
                {
                    "from_name": q,
                    "type": "choices",
                    "value": {"choices": [classes[(t + k) % 3]]},
                }
            ],
            "was_cancelled": (t + k) % 13 == 0,
            "ground_truth": t % 17 == 0 and k == 0,
            "created_at": f"2025-02-{1 + t % 28:02d}T09:14:02.{t:06d}Z",
            "lead_time": 1.5 * k + t,
        }
        for k in range(n)
    ]
    data = {"text": f"text {t}", "note": "café 日本" * (t % 3)}  # multi-byte text near cuts
    return {"id": t, "data": data, "annotations": anns, "drafts": [], **extra}


def _write(path: Path, tasks: list[Any], indent: int | None = None) -> Path:
    path.write_text(json.dumps(tasks, indent=indent, ensure_ascii=False), encoding="utf-8")
    return path


def _read(path: Path, parts: int, **kw: Any) -> tuple[Any, list[str]]:
    """(annotations, gold, meta, summary) or the error, and the warnings' messages."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            ann, summary = _read_json(str(path), kw.get("question"), False, None, _parts=parts)
            out: Any = (ann, ann.gold, ann.meta, vars(summary))
        except Exception as exc:  # compared as type and message
            out = (type(exc), str(exc))
    return out, [str(w.message) for w in caught]


def _same(path: Path, parts: int = 2, **kw: Any) -> Any:
    """Read ``path`` by ``parts`` processes and by one; assert both are identical."""
    (par, par_warn), (seq, seq_warn) = _read(path, parts, **kw), _read(path, 1, **kw)
    assert par_warn == seq_warn
    if isinstance(seq[0], type):  # an error: the same, word for word
        assert par == seq
        return seq
    assert par[0] == seq[0]
    assert list(par[0].items) == list(seq[0].items)
    assert [type(v) for v in par[0].annotators] == [type(v) for v in seq[0].annotators]
    np.testing.assert_array_equal(par[1], seq[1])
    pd.testing.assert_frame_equal(par[2], seq[2])
    assert par[3] == seq[3]
    return seq


@linux
def test_columns_of_several_processes_equal_one_pass(tmp_path: Path) -> None:
    # users and answers seen first in a later range, a question asked only there,
    # a repeated result in each range, drafts: recoded as one pass codes them
    tasks = [_task(t) for t in range(300)]
    tasks[250]["annotations"][0]["result"].append(
        {"from_name": "topic", "value": {"choices": ["late", "broken"]}}
    )
    tasks[260]["annotations"][1]["completed_by"] = {"id": 99, "email": "new@x.org"}
    tasks[270]["annotations"][1]["result"][0]["value"]["choices"] = ["other"]
    for t in (20, 280):
        tasks[t]["annotations"][0]["result"].append(dict(tasks[t]["annotations"][0]["result"][0]))
    tasks[150]["drafts"] = [{"id": 5, "completed_by": 3, "result": []}]
    path = _write(tmp_path / "export.json", tasks)
    one = _ls_columns._Columns(str(path))
    one.read()
    for parts in (2, 3):
        cols = _ls_columns.read_columns(str(path), parts=parts)
        assert cols.parts == parts  # read in parallel indeed
        assert list(cols.items) == list(one.items)
        assert list(cols.users.items()) == list(one.users.items())
        assert list(cols.answers.items()) == list(one.answers.items())
        for name in ("user", "status", "truth", "seconds"):
            assert getattr(cols, name).tobytes() == getattr(one, name).tobytes()
        assert list(cols.labels) == list(one.labels)
        for q, col in one.labels.items():  # equal up to the lazy -1 padding
            n = len(cols.items)
            assert list(cols.labels[q]) + [-1] * (n - len(cols.labels[q])) == list(col) + [-1] * (
                n - len(col)
            )
        np.testing.assert_array_equal(np.concatenate(cols.stamps), np.concatenate(one.stamps))
        assert cols.repeated == one.repeated == {"sentiment": 2}
        _same(path, parts)


@linux
@pytest.mark.parametrize("indent", [None, 2])
def test_parallel_read_identical_on_generated_export(tmp_path: Path, indent: int | None) -> None:
    path = _write(tmp_path / "export.json", [_task(t) for t in range(400)], indent)
    assert _ls_columns.read_columns(str(path), parts=2).parts == 2
    _same(path, 2)
    _same(path, 3)


@linux
def test_parallel_read_identical_on_tool_example() -> None:
    path = DATA / "export_json.json"
    for parts in (2, 3):
        assert _ls_columns.read_columns(str(path), parts=parts).parts == parts
        for question in ("sentiment", "topics"):
            _same(path, parts, question=question)


@linux
def test_repeated_results_in_both_ranges_warned_once_with_the_total(tmp_path: Path) -> None:
    tasks = [_task(t) for t in range(200)]
    for t in (3, 4, 190):
        tasks[t]["annotations"][1]["result"].append(
            {"from_name": "sentiment", "value": {"choices": ["neu"]}}
        )
    path = _write(tmp_path / "export.json", tasks)
    _, warned = _read(path, 2)
    assert [w for w in warned if "more than one result" in w] == [
        f"{path}: 3 annotation(s) hold more than one result for question 'sentiment'; the "
        "last result of each counts. Fix the export if that is not the annotator's answer"
    ]
    _same(path, 2)


@linux
def test_bad_task_in_second_range_named_as_one_pass_names_it(tmp_path: Path) -> None:
    tasks: list[Any] = [_task(t) for t in range(200)]
    tasks[170] = {"data": {"text": "no id"}, "annotations": []}
    path = _write(tmp_path / "export.json", tasks)
    cuts = split_array(str(path), 2, _ls_columns._is_task)
    assert cuts is not None and path.read_bytes().index(b'"no id"') > cuts[1]
    err = _same(path, 2)
    assert err[0].__name__ == "InputError"
    assert err[1] == f"{path}: task 170 is not a Label Studio task (no 'id')"


@linux
def test_bad_choices_in_second_range_named_by_task_and_annotation(tmp_path: Path) -> None:
    tasks = [_task(t) for t in range(200)]
    tasks[180]["annotations"][2]["result"][0]["value"]["choices"] = [["pos"]]
    path = _write(tmp_path / "export.json", tasks)
    err = _same(path, 2)
    assert "task 180 annotation 1802: 'choices' of 'sentiment' is [[\"pos\"]]" in err[1]


@linux
@pytest.mark.parametrize(
    "damage",
    ["nan_user", "number_stamp", "mixed_ids", "float_id", "nan_choice", "truncated", "early_end"],
)
def test_irregular_files_read_as_one_pass_reads_them(tmp_path: Path, damage: str) -> None:
    tasks: list[Any] = [_task(t) for t in range(200)]
    last = tasks[190]["annotations"][0]
    if damage == "nan_user":
        for t in (10, 190):
            tasks[t]["annotations"][0]["completed_by"] = math.nan
    elif damage == "number_stamp":
        last["created_at"] = 1738000000
    elif damage == "mixed_ids":
        tasks[190]["id"] = "t190"
    elif damage == "float_id":
        tasks[190]["id"] = 190.5
    elif damage == "nan_choice":
        for t in (10, 190):
            tasks[t]["annotations"][0]["result"][0]["value"]["choices"] = [math.nan]
    path = _write(tmp_path / "export.json", tasks)
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[:-200])
    elif damage == "early_end":  # the array closes in the first range; the rest is ignored
        text = path.read_text()
        cut = text.index('{"id": 60, "data"')
        path.write_text(text[:cut].rstrip(", ") + "] trailing " + text[cut:])
    _same(path, 2)
    if damage == "truncated":
        with pytest.raises(InputError, match="not valid JSON near element 199"):
            _ls_columns.read_columns(str(path), parts=2)
    else:  # text and integer ids mix safely; the others are left to one process
        parts = 2 if damage == "mixed_ids" else 1
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pandas on numbers as timestamps, as always
            assert _ls_columns.read_columns(str(path), parts=2).parts == parts


@linux
def test_separators_bom_and_crlf_at_the_cut(tmp_path: Path) -> None:
    body = ",\r\n ,, ".join(json.dumps(_task(t)) for t in range(200))
    path = tmp_path / "export.json"
    path.write_bytes(b"\xef\xbb\xbf \r\n[" + body.encode() + b"\r\n]\r\n")
    assert _ls_columns.read_columns(str(path), parts=2).parts == 2
    _same(path, 2)


@linux
def test_a_wrong_cut_is_caught_and_read_by_one_process(tmp_path: Path) -> None:
    # a task-looking object nested in a task (inside a list of its data) just after
    # the middle is taken as the cut; the first range does not end there, so the
    # file is read again by one process
    tasks: list[Any] = [_task(t) for t in range(200)]
    tasks[100]["data"]["similar"] = [0, {"id": 1, "data": {}, "annotations": []}] * 2000
    path = _write(tmp_path / "export.json", tasks)
    raw = path.read_bytes()
    cuts = split_array(str(path), 2, _ls_columns._is_task)
    assert cuts is not None
    assert raw.index(b'"similar"') < cuts[1] < raw.index(b'"text 101"')
    with pytest.raises(Misaligned):
        list(iter_json_range(str(path), 0, cuts[1], last=False))
    assert _ls_columns.read_columns(str(path), parts=2).parts == 1
    _same(path, 2)


def test_ranges_decode_the_elements_of_the_whole_array(tmp_path: Path) -> None:
    tasks = [_task(t, n=1) for t in range(50)]
    path = _write(tmp_path / "export.json", tasks, indent=1)
    cuts = split_array(str(path), 4, _ls_columns._is_task)
    assert cuts is not None and len(cuts) == 5 and cuts == sorted(set(cuts))
    got = [
        task
        for k in range(4)
        for task in iter_json_range(str(path), cuts[k], cuts[k + 1], last=k == 3, chunk_size=64)
    ]
    assert got == tasks


def test_not_an_array_is_not_split(tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    path.write_text(json.dumps(_task(1)))
    assert split_array(str(path), 2, _ls_columns._is_task) is None
    path.write_text(json.dumps([_task(1)]), encoding="utf-16")
    assert split_array(str(path), 2, _ls_columns._is_task) is None


def test_small_files_are_read_by_one_process(tmp_path: Path) -> None:
    path = _write(tmp_path / "export.json", [_task(t) for t in range(50)])
    assert _ls_columns._parts(str(path), _ls_columns.PARALLEL_BYTES) == 1
    assert _ls_columns.read_columns(str(path)).parts == 1


@linux
def test_fork_is_safe_in_a_fresh_interpreter_and_not_beside_a_thread(tmp_path: Path) -> None:
    code = (
        "import labeljury.io as lio, labeljury.io._ls_columns as c\n"
        "assert c._fork_safe(), 'a fresh process forks'\n"
        "import threading\n"
        "stop = threading.Event()\n"
        "t = threading.Thread(target=stop.wait)\n"
        "t.start()\n"
        "assert not c._fork_safe(), 'not beside a running thread'\n"
        f"assert c.read_columns({str(DATA / 'export_json.json')!r}, parts=2).parts == 1\n"
        "stop.set()\n"
        "t.join()\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(_ls_columns.__file__).parents[2])}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr


def _parts_in_daemon(path: str, conn: Any) -> None:
    conn.send(_ls_columns.read_columns(path, parts=2).parts)


@linux
def test_a_daemonic_caller_reads_in_one_process(tmp_path: Path) -> None:
    # a daemonic process (a pool's worker) may not start processes of its own
    import multiprocessing

    path = _write(tmp_path / "export.json", [_task(t) for t in range(100)])
    ctx = multiprocessing.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_parts_in_daemon, args=(str(path), send), daemon=True)
    proc.start()
    assert recv.recv() == 1
    proc.join()


def _stuck_worker(*args: Any) -> None:
    import time

    time.sleep(600)


@linux
def test_a_worker_that_never_answers_is_stopped_and_the_file_read_in_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    path = _write(tmp_path / "export.json", [_task(t) for t in range(200)])
    one = _ls_columns._Columns(str(path))
    one.read()
    monkeypatch.setattr(_ls_columns, "_worker", _stuck_worker)  # the forked child runs it
    monkeypatch.setattr(_ls_columns, "_patience", lambda own: 1.0)
    t0 = time.perf_counter()
    cols = _ls_columns.read_columns(str(path), parts=2)
    assert time.perf_counter() - t0 < 30  # not the worker's 600 s
    assert getattr(cols, "parts", 1) == 1  # read again by this process
    assert list(cols.items) == list(one.items)
    assert cols.user.tobytes() == one.user.tobytes()
