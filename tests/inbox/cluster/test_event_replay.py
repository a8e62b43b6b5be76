"""`/api/v1/events?last_event_id=`: hostile or unusable ids get a plain `resync`, never an error or a crash; with
Redis a reconnect replays exactly what the agent may see (team filtering as for live events)."""
from __future__ import annotations

import asyncio

import pytest

from inbox.api.context import CTX
from inbox.config import RedisSettings
from inbox.events import Event
from tests.cluster_peers import redis_prefix, redis_url  # noqa: F401 - fixtures
from tests.inbox.appserver import add_agent, running, settings_for, token_for


@pytest.mark.parametrize("last", ["abc", "1-2-3", "9" * 50 + "-0", "-1", "0-0"])
async def test_unusable_ids_without_redis_ask_for_a_reload(tmp_path, last: str) -> None:  # noqa: ANN001
    url = f"sqlite+aiosqlite:///{tmp_path}/inbox.db"
    await add_agent(url, "ana@example.com")
    async with running(settings_for(url)) as (_server, http):
        token = await token_for(http, "ana@example.com")
        ws = await http.ws_connect(f"/api/v1/events?last_event_id={last}", headers={"Authorization": f"Bearer {token}"})
        assert await ws.receive_json(timeout=5) == {"type": "resync"}
        await ws.close()


async def test_replay_keeps_team_filtering(tmp_path, redis_url: str, redis_prefix: str) -> None:  # noqa: ANN001, F811
    url = f"sqlite+aiosqlite:///{tmp_path}/inbox.db"
    await add_agent(url, "red@example.com", team="red")
    await add_agent(url, "blue@example.com", team="blue")
    settings = settings_for(url, redis=RedisSettings(url=redis_url, prefix=redis_prefix))
    async with running(settings) as (server, http):
        events = server.app[CTX].events
        red, blue = (await token_for(http, "red@example.com")), (await token_for(http, "blue@example.com"))
        from inbox.teams import ensure_teams

        await ensure_teams(server.app[CTX].engine, {"red", "blue"})
        async with server.app[CTX].engine.connect() as conn:
            from sqlalchemy import select

            from inbox.store.schema import teams
            ids = dict((await conn.execute(select(teams.c.name, teams.c.id))).all())
        probe = await http.ws_connect("/api/v1/events", headers={"Authorization": f"Bearer {red}"})
        events.publish(Event("conversation.updated", 1, ids["red"], {"type": "conversation.updated", "n": 0}))
        mark = (await probe.receive_json(timeout=5))["event_id"]
        await probe.close()
        for n, team in ((1, "red"), (2, "blue"), (3, "red")):
            events.publish(Event("conversation.updated", n, ids[team], {"type": "conversation.updated", "n": n}))
        await asyncio.sleep(0.5)
        got = {}
        for name, token in (("red", red), ("blue", blue)):
            ws = await http.ws_connect(f"/api/v1/events?last_event_id={mark}",
                                       headers={"Authorization": f"Bearer {token}"})
            frames = []
            while True:
                try:
                    frames.append(await ws.receive_json(timeout=1.0))
                except asyncio.TimeoutError:
                    break
            got[name] = [f["n"] for f in frames]
            await ws.close()
    assert got == {"red": [1, 3], "blue": [2]}
