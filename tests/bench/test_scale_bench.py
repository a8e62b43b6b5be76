"""bench.scale runs end to end at a small size on both stores and prints every figure (speed itself is the
benchmark's business, not a test's); its data has what the queries look for."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from bench.scale import RARE, RARE_EVERY, make_messages

ROOT = Path(__file__).resolve().parents[2]
QUERIES = ("open conversations, first page", "sidebar counts", "unassigned view", "search 提现", "search rare word",
           "search #ticket", "search contact email", "search 提现 + filters")


def test_data_is_generated_by_slices_and_holds_what_is_searched() -> None:
    whole = make_messages(0, 3000, 600)
    assert [m.provider_id for m in make_messages(1000, 2000, 600)] == [m.provider_id for m in whole[1000:2000]]
    assert [m.text for m in make_messages(1000, 2000, 600)] == [m.text for m in whole[1000:2000]]
    assert sum(RARE in m.text for m in make_messages(0, RARE_EVERY, 100)) == 1
    assert 0.05 < sum("提现" in m.text for m in whole) / len(whole) < 0.2


@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
def test_benchmark_prints_every_query_beside_its_floor(store: str, db_url: str) -> None:
    if (store == "sqlite") != db_url.startswith("sqlite"):
        pytest.skip("one store per db_url parameter")
    out = subprocess.run([sys.executable, "-m", "bench.scale", "--messages", "3000", "--store", store,
                          "--repeat", "3", "--batch", "500"],
                         cwd=ROOT, capture_output=True, text=True, timeout=600, check=True).stdout
    assert re.search(r"3,000 messages on " + store + r"; built through the pipeline at [\d,]+ msg/s", out)
    assert re.search(r"search index [\d.]+ MiB", out) and "search index 0.0 MiB" not in out
    for name in QUERIES:
        row = next(line for line in out.splitlines() if line.startswith(name))
        assert len(re.findall(r"[\d.]+ms", row)) == 4, row
