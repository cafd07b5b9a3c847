"""The benchmark's ECE noise floor (:func:`labeljury.bench.metrics.ece_floor`) and
how the report shows it."""

from __future__ import annotations

import numpy as np
import pytest

from labeljury.bench import metrics as M
from labeljury.bench.peers import labeljury_contender
from labeljury.bench.report import ece_table
from labeljury.bench.runner import BenchConfig, run_suite

# ------------------------------------------------------------------ ECE floor


def test_ece_floor_shrinks_with_the_number_of_items() -> None:
    rng = np.random.default_rng(0)
    small = M.ece_floor(rng.uniform(0.5, 1.0, 100))
    large = M.ece_floor(rng.uniform(0.5, 1.0, 100_000))
    assert large < 0.005 < 0.03 < small < 0.12
    assert M.ece_floor(np.ones(50)) == 0.0  # no randomness in a certain score
    assert np.isnan(M.ece_floor(np.array([])))
    s = rng.uniform(0, 1, 300)
    assert M.ece_floor(s) == M.ece_floor(s)  # seeded


def test_ece_floor_is_the_mean_ece_of_bernoulli_draws() -> None:
    # the vectorised estimate against a plain loop over the same random stream
    s = np.random.default_rng(1).uniform(0.3, 1.0, 257)
    order = np.argsort(np.minimum((s * 10).astype(int), 9), kind="stable")
    rng = np.random.default_rng(0)
    loop = np.mean([M.expected_calibration_error(s[order], rng.random(s.size) < s[order])
                    for _ in range(200)])
    assert M.ece_floor(s) == pytest.approx(loop, abs=1e-9)


def test_a_calibrated_score_sits_near_its_floor_a_miscalibrated_one_above() -> None:
    rng = np.random.default_rng(2)
    s = rng.beta(6, 2, 400)
    floor = M.ece_floor(s)
    eces = [M.expected_calibration_error(s, rng.random(s.size) < s) for _ in range(100)]
    assert np.mean(eces) == pytest.approx(floor, rel=0.15)
    over = [M.expected_calibration_error(np.minimum(s + 0.15, 1), rng.random(s.size) < s)
            for _ in range(20)]
    assert np.mean(over) > 2.5 * floor


def test_ece_table_puts_the_floor_in_brackets() -> None:
    cfg = BenchConfig(scenarios=["synth_confusions"], sparsity=(), progress=False, memory=False)
    res = run_suite(cfg, [labeljury_contender("majority_vote")])
    row = res.iloc[0]
    cell = ece_table(res).loc["majority_vote", "synth_confusions"]
    assert cell == f"**{row['ece']:.3f}** ({row['ece_floor']:.3f})"
    assert 0 < row["ece_floor"] < 0.05  # 1,000 gold items
