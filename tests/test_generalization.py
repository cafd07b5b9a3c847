"""The generalization protocol (issue 15): LODO choice, fresh seeds, the command end to end."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from labeljury.bench.families import draw_seed, family_sets
from labeljury.bench.protocol import Candidate, lodo_choose, parse_candidate
from labeljury.errors import InputError, UnknownMethodError

ROOT = Path(__file__).parents[1]


@pytest.fixture(scope="module")
def generalization():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import generalization as g
    finally:
        sys.path.pop(0)
    return g


def test_lodo_picks_the_best_setting_on_the_other_sets():
    # setting "b" is best on x alone; on y and z "a" is better, so x must get "a":
    # choosing on x itself would have leaked its own answer
    acc = pd.DataFrame(
        {
            "x/1": [0.50, 0.99],
            "x/2": [0.50, 0.99],
            "y/1": [0.90, 0.80],
            "z/1": [0.80, 0.70],
            "s/1": [0.60, 0.70],
        },
        index=["a", "b"],
    )
    groups = ["x", "x", "y", "z", "s"]
    kinds = ["real", "real", "real", "real", "simulated"]
    chosen = lodo_choose(acc, groups, kinds)
    assert chosen["x"] == "a"
    # y left out: x (b by 0.49) outweighs z and s (a by 0.10 each), each group weighing one
    assert chosen["y"] == "b" and chosen["z"] == "b"
    # the simulated family is scored with the choice made on the real sets (mean x, y, z)
    assert chosen["s"] == "b"


def test_lodo_ignores_sets_where_a_setting_has_no_result_and_breaks_ties_first():
    acc = pd.DataFrame(
        {"x/1": [0.7, 0.7], "y/1": [0.8, 0.8], "z/1": [np.nan, 0.99]}, index=["a", "b"]
    )
    chosen = lodo_choose(acc, ["x", "y", "z"], ["real"] * 3)
    assert chosen == {"x": "a", "y": "a", "z": "a"}


def test_lodo_without_real_sets_chooses_on_the_other_families():
    acc = pd.DataFrame({"p/1": [0.9, 0.1], "q/1": [0.2, 0.8]}, index=[0, 1])
    assert lodo_choose(acc, ["p", "q"], ["simulated"] * 2) == {"p": 1, "q": 0}


def test_candidates_from_the_command_line_and_from_python():
    c = parse_candidate('jury:{"alpha": [1, 2], "beta": ["u", "v"]}')
    assert c.method == "jury" and len(c.grid) == 4 and {"alpha": 2, "beta": "u"} in c.grid
    c = parse_candidate('weak=sds:[{"strength": 0.5}, {"strength": 1}]')
    assert (c.name, c.method) == ("weak", "shrunk_dawid_skene")
    assert c.grid == ({"strength": 0.5}, {"strength": 1})
    assert parse_candidate(("ds", {"smoothing": [0.01, 1.0]})).grid[1] == {"smoothing": 1.0}
    assert parse_candidate("mv") == Candidate("mv", "majority_vote")
    with pytest.raises(InputError, match="not JSON"):
        parse_candidate("jury:{alpha: 1}")
    with pytest.raises(UnknownMethodError):
        parse_candidate("no_such_method")


def test_fresh_seeds_differ_and_a_seed_reproduces_the_data():
    assert len({draw_seed() for _ in range(5)}) == 5
    a = family_sets(11, ["confusions", "tutorial_logistic"], scale=0.1)
    b = family_sets(11, ["confusions", "tutorial_logistic"], scale=0.1)
    c = family_sets(12, ["confusions", "tutorial_logistic"], scale=0.1)
    for x, y in zip(a, b, strict=True):
        assert np.array_equal(x.data.annotations.label, y.data.annotations.label)
        assert x.data.pred_probs is None or np.array_equal(x.data.pred_probs, y.data.pred_probs)
    assert not np.array_equal(a[0].data.annotations.label, c[0].data.annotations.label)


def test_command_runs_end_to_end_and_reproduces(generalization, tmp_path, capsys):
    argv = [
        "--tiny",
        "--quiet",
        "--seed",
        "5",
        "--data",
        str(ROOT / "tests" / "data"),
        "--sets",
        "temp",
        "weather_sentiment_cf",
        "--families",
        "confusions",
        "imbalanced_weak_model",
        "--candidate",
        'strong=sds:{"strength": [0.5, 20]}',
    ]
    assert generalization.main([*argv, "--out", str(tmp_path / "a")]) == 0
    out = capsys.readouterr().out
    assert "seed 5" in out and "## Summary: real data sets (LODO)" in out
    assert generalization.main([*argv, "--out", str(tmp_path / "b")]) == 0
    a = pd.read_csv(tmp_path / "a" / "results.csv", keep_default_na=False)
    b = pd.read_csv(tmp_path / "b" / "results.csv", keep_default_na=False)
    cols = ["dataset", "method", "status", "accuracy", "chosen"]
    pd.testing.assert_frame_equal(a[cols], b[cols])
    # the baseline is always scored; each candidate has exactly one chosen setting per set
    chosen = a[a.chosen.astype(str) == "True"]
    assert set(chosen.candidate) == {"shrunk_dawid_skene", "strong"}
    assert (chosen.groupby(["candidate", "dataset"]).size() == 1).all()
    assert chosen.dataset.nunique() == a.dataset.nunique()
    assert {"temp/labels", "temp/r3", "confusions/model"} <= set(a.dataset)
    summary = (tmp_path / "a" / "summary.md").read_text()
    assert "| strong |" in summary and "best_ref" in summary


def _row(dataset, method, acc, *, cand="", kind="real", time_s=1.0, status="ok", chosen=False):
    group = dataset.split("/")[0]
    return {
        "dataset": dataset,
        "group": group,
        "variant": dataset.split("/")[1],
        "set_kind": kind,
        "method": method,
        "candidate": cand,
        "setting": 0 if cand else -1,
        "params": "{}" if cand else "",
        "status": status,
        "accuracy": acc,
        "auroc_own": 0.8,
        "ece": 0.05,
        "time_s": time_s,
        "chosen": chosen,
    }


def test_report_gaps_to_the_best_reference_crowdlab_and_the_baseline():
    from labeljury.bench.protocol_report import per_set, summary

    rows = pd.DataFrame(
        [
            _row("a/labels", "shrunk_dawid_skene[0]", 0.90, cand="shrunk_dawid_skene", chosen=True),
            _row("a/labels", "jury[0]", 0.93, cand="jury", chosen=True, time_s=2.0),
            _row("a/labels", "jury[1]", 0.99, cand="jury"),  # not the chosen setting: ignored
            _row("a/labels", "crowdkit:DawidSkene", 0.92),
            _row("a/labels", "cleanlab:crowdlab", np.nan, status="n/a"),
            _row("b/model", "shrunk_dawid_skene[0]", 0.80, cand="shrunk_dawid_skene", chosen=True),
            _row("b/model", "jury[0]", 0.78, cand="jury", chosen=True, time_s=2.0),
            _row("b/model", "crowdkit:DawidSkene", 0.70),
            _row("b/model", "cleanlab:crowdlab", 0.81, time_s=4.0),
        ]
    )
    ps = per_set(rows)
    assert ps.loc["a/labels", "best_ref"] == "crowdkit:DawidSkene"
    assert ps.loc["b/model", "best_ref"] == "cleanlab:crowdlab"
    assert ps.loc["a/labels", "gap_ref:jury"] == pytest.approx(1.0)
    assert ps.loc["b/model", "gap_base:jury"] == pytest.approx(-2.0)
    s = summary(rows)
    assert s.loc["jury", "mean_gap_ref"] == pytest.approx((1.0 - 3.0) / 2)
    assert s.loc["jury", "worst_gap_ref"] == pytest.approx(-3.0)
    assert s.loc["jury", "worst_set"] == "b/model"
    assert s.loc["jury", "mean_gap_crowdlab"] == pytest.approx(-3.0)  # where CROWDLAB ran
    assert s.loc["jury", "mean_gap_baseline"] == pytest.approx((3.0 - 2.0) / 2)
    assert s.loc["jury", "time_vs_crowdlab"] == pytest.approx(0.5)
    assert s.loc["cleanlab:crowdlab", "failed"] == 0  # n/a (no model) is not a failure


def test_report_a_set_where_no_reference_ran_has_no_gap_and_no_error():
    from labeljury.bench.protocol_report import per_set, summary

    rows = pd.DataFrame(
        [
            _row("a/labels", "shrunk_dawid_skene[0]", 0.90, cand="shrunk_dawid_skene", chosen=True),
            _row("a/labels", "jury[0]", 0.93, cand="jury", chosen=True),
            _row("a/labels", "cleanlab:crowdlab", np.nan, status="n/a"),  # the only peer
            _row("b/model", "shrunk_dawid_skene[0]", 0.80, cand="shrunk_dawid_skene", chosen=True),
            _row("b/model", "jury[0]", 0.78, cand="jury", chosen=True),
            _row("b/model", "cleanlab:crowdlab", 0.81),
        ]
    )
    ps = per_set(rows)
    assert pd.isna(ps.loc["a/labels", "best_ref"]) and pd.isna(ps.loc["a/labels", "gap_ref:jury"])
    assert ps.loc["b/model", "best_ref"] == "cleanlab:crowdlab"
    assert summary(rows).loc["jury", "worst_gap_ref"] == pytest.approx(-3.0)


def test_report_tables_fixed_digits_missing_empty_index_as_columns():
    """The Markdown that docs/generalization.md quotes: summaries to 3 places, the other tables
    to 2, a missing value as an empty cell, whole numbers as such, index levels as columns."""
    from labeljury.bench.protocol_report import render

    rows = pd.DataFrame(
        [
            _row("a/labels", "shrunk_dawid_skene[0]", 0.90, cand="shrunk_dawid_skene", chosen=True),
            _row("a/labels", "jury[0]", 0.93, cand="jury", chosen=True, time_s=2.0),
            _row("a/labels", "crowdkit:DawidSkene", 0.92),
            _row("a/labels", "cleanlab:crowdlab", np.nan, status="n/a"),
            _row("b/model", "shrunk_dawid_skene[0]", 0.80, cand="shrunk_dawid_skene", chosen=True),
            _row("b/model", "jury[0]", 0.78, cand="jury", chosen=True, time_s=2.0),
            _row("b/model", "crowdkit:DawidSkene", 0.70),
            _row("b/model", "cleanlab:crowdlab", 0.81, time_s=4.0),
        ]
    )
    lines = render(rows).splitlines()
    summary_jury = "| jury | 2 | 85.500 | -1.000 | -3.000 | b/model | -3.000 | 0.500 | 0.800"
    assert summary_jury + " | 0.050 | 0.500 | 0 |" in lines
    family = "| set_kind | group | shrunk_dawid_skene | jury | crowdkit:DawidSkene"
    assert family + " | cleanlab:crowdlab |" in lines
    assert "| real | a | 90.00 | 93.00 | 92.00 |  |" in lines
    assert "|---|---|---|---|---|---|" in lines
