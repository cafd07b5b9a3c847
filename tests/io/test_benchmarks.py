"""The scale and reader benchmarks run end to end on tiny sizes and write their tables."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(ROOT / "src"))


@pytest.mark.slow
def test_scale_quick_writes_the_table_and_plot(tmp_path: Path) -> None:
    out = tmp_path / "scale.md"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "scale.py"), "--quick", "--out", str(out)],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    text = out.read_text()
    rows = [ln for ln in text.splitlines() if re.match(r"\| 1e[34] \|", ln)]
    # every in-memory case at both sizes, and the Dask row at 1e4
    assert len(rows) == 2 * 7 + 1
    for size in ("1e3", "1e4"):
        for method in ("labeljury Dawid-Skene", "labeljury Jury", "labeljury CROWDLAB"):
            row = next(r for r in rows if r.startswith(f"| {size} | {method} | Python API"))
            secs, mib = (float(c) for c in row.split("|")[5:7])
            assert 0 < secs < 60 and 50 < mib < 4000
    dask = next(r for r in rows if "--engine dask" in r)
    assert "engine not available" in dask or re.search(r"\| \d+\.\d+ \|", dask)
    assert "## 1e10 annotations on a 100-node cluster" in text
    assert (tmp_path / "img" / "scale.png").stat().st_size > 1000


def test_io_speed_reads_both_exports(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "io_speed.py"),
            "--n",
            "2000",
            "--dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    for fmt in ("label_studio", "mturk"):
        line = next(ln for ln in proc.stdout.splitlines() if ln.startswith(fmt))
        assert int(line.split()[3].replace(",", "")) > 1500  # annotations kept
