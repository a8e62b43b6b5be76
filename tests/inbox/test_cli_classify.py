"""`inbox classify status|retrain|rollback` as a user runs them; `inbox classify` alone stays the filter."""
from __future__ import annotations

import json

from tests.inbox.test_cli import _own_home, run  # noqa: F401 - the fixture keeps HOME and data dirs apart


def _config(tmp_path):  # noqa: ANN001, ANN202
    cfg = tmp_path / "inbox.yaml"
    cfg.write_text(f"database: {{url: 'sqlite+aiosqlite:///{tmp_path}/i.db'}}\n")
    assert run("db", "upgrade", "--config", str(cfg)).returncode == 0
    return cfg


def test_status_retrain_and_rollback_on_a_fresh_inbox(tmp_path) -> None:  # noqa: ANN001
    cfg = _config(tmp_path)
    status = run("classify", "status", "--config", str(cfg))
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout) == {"active_version": None, "model": "shipped", "corrections": 0, "versions": []}
    retrain = run("classify", "retrain", "--config", str(cfg))
    assert retrain.returncode == 1 and "at least" in retrain.stderr and "Traceback" not in retrain.stderr
    rollback = run("classify", "rollback", "--config", str(cfg))
    assert rollback.returncode == 1 and "nothing to roll back" in rollback.stderr


def test_classify_without_a_subcommand_is_still_the_filter(tmp_path) -> None:  # noqa: ANN001
    r = run("classify", stdin='{"text": "my withdrawal is stuck"}\n')
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["type"] == "withdrawal" and set(out) == {"type", "confidence", "reasons", "tags"}
