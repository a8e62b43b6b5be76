"""The pipeline benchmark runs, and its floor writes the same rows the pipeline writes (else the ratio means
nothing). Speed itself is the benchmark's business, not a test's."""
from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from pathlib import Path

from bench.pipeline import make_messages, pipeline_rate, schema_floor_rate

ROOT = Path(__file__).resolve().parents[2]
TABLES = ("contacts", "contact_identities", "conversations", "thread_links", "messages")


def _counts(path: Path) -> dict[str, int]:
    con = sqlite3.connect(path)
    try:
        return {table: con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in TABLES}
    finally:
        con.close()


def test_floor_stores_the_rows_the_pipeline_stores(tmp_path: Path) -> None:
    msgs = make_messages(600, 40)
    (tmp_path / "pipeline").mkdir()
    (tmp_path / "floor").mkdir()
    asyncio.run(pipeline_rate(msgs, "none", 100, keep_in=str(tmp_path / "pipeline")))
    schema_floor_rate(msgs, 100, keep_in=str(tmp_path / "floor"))
    pipeline, floor = _counts(tmp_path / "pipeline" / "bench.db"), _counts(tmp_path / "floor" / "floor.db")
    assert pipeline == floor
    assert pipeline["messages"] == 600 and pipeline["conversations"] == 40


def test_benchmark_prints_every_figure() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "bench.pipeline", "--messages", "400", "--conversations", "40", "--batch", "100",
         "--rounds", "1", "--rate", "40", "--seconds", "0.5", "--clients", "2"],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=True).stdout
    for expected in ("floor: same rows raw into the inbox schema", "floor, bare", "stages: none",
                     "stages: guard + classifier + rules", "received 20/20", "p99"):
        assert expected in out, out
