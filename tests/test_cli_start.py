"""The CLI starts at once, and what a new user trips over stays fixed."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import labeljury
from labeljury.cli import build_parser, main

HEAVY = (
    "numpy",
    "pandas",
    "scipy",
    "sklearn",
    "rich",
    "matplotlib",
    "labeljury.bench.runner",
    "labeljury.annotations",
    "labeljury.methods",
    "dask",
    "distributed",
)
DATA = Path(__file__).parent / "data"


def _imports_of(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys\nprint(' '.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(out.stdout.split())


def test_building_the_parser_imports_nothing_heavy() -> None:
    mods = _imports_of("from labeljury.cli import build_parser\nbuild_parser()")
    assert not [m for m in HEAVY if m in mods]


def test_import_labeljury_and_its_dask_module_import_no_dask() -> None:
    mods = _imports_of("import labeljury, labeljury.dask")
    assert not [m for m in mods if m.split(".")[0] in ("dask", "distributed")]


def _cpu_seconds(*args: str) -> float:
    """Best of three CPU times (user + system) of ``python -m labeljury.cli ARGS``.

    CPU time, not wall time: the test machine is shared, and other jobs stretch
    the wall clock of a start-up without changing the work it does.
    """
    best = np.inf
    for _ in range(3):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(
            [sys.executable, "-m", "labeljury.cli", *args], capture_output=True, text=True
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        assert done.returncode == 0, done.stderr
        best = min(best, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return best


@pytest.mark.parametrize("flag", ["--version", "--help"])
def test_version_and_help_start_at_once(flag: str) -> None:
    seconds = _cpu_seconds(flag)
    assert seconds < 0.3, f"labeljury {flag} took {seconds:.2f} s"


def test_aggregate_on_five_annotations_under_a_second(tmp_path: Path) -> None:
    path = tmp_path / "answers.csv"
    path.write_text("item,annotator,label\nq1,a,cat\nq1,b,cat\nq1,c,dog\nq2,a,dog\nq2,b,dog\n")
    seconds = _cpu_seconds("aggregate", str(path))
    assert seconds < 1.0, f"aggregate took {seconds:.2f} s"


def test_aggregate_on_an_export_with_gold_under_a_second() -> None:
    # five annotations and one gold item: the gold evaluation copies the method
    # without scikit-learn, whose import alone took about a second
    path = DATA / "formats" / "label_studio" / "export_json.json"
    mods = _imports_of(f"from labeljury.cli import main\nmain(['aggregate', {str(path)!r}])")
    assert "sklearn" not in mods
    seconds = _cpu_seconds("aggregate", str(path))
    assert seconds < 1.0, f"aggregate took {seconds:.2f} s"


def test_aggregate_without_out_prints_and_writes_nothing(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = DATA / "temp" / "answers.csv"
    assert main(["aggregate", str(path)]) == 0
    printed = capsys.readouterr().out
    assert "462 items" in printed and "nothing written" in printed
    assert list(tmp_path.iterdir()) == []


def test_no_plural_after_one(tmp_path: Path, capsys) -> None:
    path = tmp_path / "answers.csv"
    path.write_text("item,annotator,label\nq1,a,cat\nq2,a,dog\n")
    assert main(["aggregate", str(path), "--method", "majority_vote"]) == 0
    printed = capsys.readouterr().out
    assert "1 annotator," in printed and "2 items" in printed
    assert "1 annotators" not in printed


def test_every_option_has_help() -> None:
    import argparse

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    missing = [
        f"{name} {'/'.join(a.option_strings) or a.dest}"
        for name, p in sub.choices.items()
        for a in p._actions
        if not a.help and not isinstance(a, argparse._HelpAction)
    ]
    assert not missing, missing


def test_paths_are_not_wrapped(tmp_path: Path) -> None:
    deep = tmp_path / ("a-rather-long-folder-name-" * 4) / "out"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "labeljury.cli",
            "aggregate",
            str(DATA / "temp" / "answers.csv"),
            "--out",
            str(deep),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "60"},
    )
    assert done.returncode == 0, done.stderr
    assert str(deep) in done.stdout  # whole, on one line


def test_relabel_priority_after_aggregate_without_a_model() -> None:
    res = labeljury.aggregate(DATA / "temp" / "answers.csv")
    assert res.pred_probs is None
    queue = labeljury.relabel_priority(res.annotations, res.pred_probs)
    assert len(queue) == res.annotations.n_items and queue["priority_score"].is_monotonic_increasing
    # split votes come before unanimous ones
    lq = res.label_quality.set_index("item")
    agreement = lq.loc[queue["item"], "annotator_agreement"].to_numpy()
    assert agreement[:20].mean() < agreement[-20:].mean()
    # the Result's own queue scores against its method's consensus
    mine = res.relabel_priority()
    labels = pd.Series(res.method.labels_, index=res.annotations.items)
    assert (
        mine["consensus_label"].to_numpy()
        == res.annotations.classes.take(labels.loc[mine["item"]]).to_numpy()
    ).all()
    with pytest.raises(labeljury.LabeljuryError, match="needs pred_probs"):
        labeljury.relabel_priority(res.annotations, None, np.ones((2, 2)) / 2)


def test_summary_shows_the_model_when_there_is_one(tmp_path: Path, capsys) -> None:
    from labeljury.bench.datasets import simulate_pred_probs

    ann = labeljury.read_annotations(DATA / "temp" / "answers.csv")
    gold = pd.read_csv(DATA / "temp" / "gold.csv").set_index("item")["label"]
    truth = ann.classes.get_indexer(gold.reindex(ann.items))
    probs = simulate_pred_probs(truth, ann.n_classes, 0.8)
    table = pd.DataFrame(probs, columns=[str(c) for c in ann.classes])
    table.insert(0, "item", ann.items)
    table.to_csv(tmp_path / "pp.csv", index=False)
    assert (
        main(
            [
                "aggregate",
                str(DATA / "temp" / "answers.csv"),
                "--pred-probs",
                str(tmp_path / "pp.csv"),
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    assert "model (out of fold): agrees with the consensus on" in printed


def test_every_registered_method_imports_from_labeljury_methods() -> None:
    import labeljury.methods as m

    for name in m.METHODS:
        cls = m.method_class(name)
        assert getattr(m, cls.__name__) is cls
    from labeljury.methods import CrowdLab, Jury  # noqa: F401 - the point of the test
