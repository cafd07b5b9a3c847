"""benchmarks/cli_overhead.py runs end to end on tiny sizes and keeps one section of its page."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_quick_run_writes_one_section(tmp_path: Path) -> None:
    page = tmp_path / "scale.md"
    page.write_text("# Scale\n\nthe table scale.py wrote\n")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "cli_overhead.py"), "--quick", "--repeat",
         "1", "--out", str(page)],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT / "src")),
        timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    text = page.read_text()
    assert text.startswith("# Scale\n\nthe table scale.py wrote\n")
    rows = [ln for ln in text.splitlines() if re.match(r"\| 1e[45] \|", ln)]
    assert len(rows) == 2
    for row in rows:
        assert row.split("|")[2].strip() == "now"  # the code column
        api, cli, overhead = (float(c) for c in row.split("|")[3:6])
        assert 0 < api < cli < 60 and overhead == pytest.approx(cli - api, abs=0.011)
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import cli_overhead
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    cli_overhead.write_section(page, ["| new table |"], "measured again")
    again = page.read_text()
    assert again.count(cli_overhead.scale.OVERHEAD_MARK) == 1
    assert "| new table |" in again and rows[0] not in again
    assert again.startswith("# Scale\n\nthe table scale.py wrote\n")
