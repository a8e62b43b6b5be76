from __future__ import annotations

import asyncio
from collections import deque

import pytest

from connectors.base import AuthError, TransientError
from inbox.events import EventBus
from inbox.pipeline.core import Pipeline
from inbox.supervisor import Supervisor
from tests.inbox.scripted_connector import ScriptedConfig, ScriptedConnector


@pytest.fixture(autouse=True)
def _reset() -> None:
    ScriptedConnector.reset()


async def _state(sup: Supervisor, name: str, want: str, timeout: float = 5.0) -> dict:
    async def poll() -> dict:
        while sup.health()[name]["state"] != want:
            await asyncio.sleep(0.02)
        return sup.health()[name]

    return await asyncio.wait_for(poll(), timeout)


async def test_failing_connector_backs_off_others_keep_running(engine) -> None:  # noqa: ANN001
    sup = Supervisor(Pipeline(engine, EventBus()), engine)
    ScriptedConnector.run_errors["flaky"] = deque([TransientError("connection reset", retry_after=0.3)])
    ScriptedConnector.start_errors["locked"] = deque([AuthError("401 Unauthorized for token sk-SECRETSECRET")])
    await sup.add("flaky", ScriptedConfig(token="sk-SECRETSECRET"))
    await sup.add("locked", ScriptedConfig(token="sk-SECRETSECRET"))
    await sup.add("fine", ScriptedConfig())
    try:
        backoff = await _state(sup, "flaky", "backoff")
        assert "connection reset" in backoff["last_error"] and backoff["next_retry_at"]
        locked = await _state(sup, "locked", "auth_failed")
        assert "SECRETSECRET" not in locked["last_error"] and "***" in locked["last_error"]
        assert sup.health()["fine"]["state"] == "running" and sup.get("fine") is not None
        await _state(sup, "flaky", "running", timeout=5)  # recovered after retry_after
        assert sup.get("locked") is None
    finally:
        await sup.stop_all()
    assert {h["state"] for h in sup.health().values()} == {"stopped"}


async def test_disabled_connector_is_not_started(engine) -> None:  # noqa: ANN001
    sup = Supervisor(Pipeline(engine, EventBus()), engine)
    await sup.add("off", ScriptedConfig(enabled=False))
    await asyncio.sleep(0.1)
    assert sup.health()["off"]["state"] == "stopped" and sup.get("off") is None
    await sup.stop_all()


async def test_host_checkpoint_round_trip(engine) -> None:  # noqa: ANN001
    sup = Supervisor(Pipeline(engine, EventBus()), engine)
    rt = await sup.add("cp", ScriptedConfig())
    host = rt.connector.host
    await host.save_checkpoint({"offset": "10", "uidvalidity": "7"})
    await host.save_checkpoint({"offset": "11"})
    assert await host.load_checkpoint() == {"offset": "11", "uidvalidity": "7"}
    await sup.stop_all()
