"""Service levels through the HTTP API, as agents, admins, another team's agent, a stranger and a hostile caller see
them: policies, the conversation list's SLA fields, follow-ups, and the customer's rating link."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from inbox.api.context import CTX
from inbox.domain import utcnow
from inbox.sla.service import SLA
from inbox.store.schema import conversation_tags, conversations, messages, satisfaction_ratings
from tests.inbox.api.conftest import World

POLICIES = {
    "calendars": {"beijing": {"timezone": "Asia/Shanghai", "weekly": {"mon-fri": "09:00-18:00"}}},
    "satisfaction": True,
    "policies": [{"name": "urgent", "when": {"priority": "urgent"}, "calendar": "24/7", "first_response": "15m"},
                 {"name": "normal", "calendar": "24/7", "first_response": "4h", "resolution": "2d"}],
}


async def _quiet(world: World) -> None:
    """The background timer loop is stopped: these tests tick the service themselves with a chosen time."""
    await world.server.app[SLA].stop()


async def _put(world: World, body: object, caller: str = "admin") -> tuple[int, dict]:
    async with world.http.put("/api/v1/sla/policies", json=body, headers=await world.headers(caller)) as r:
        return r.status, await r.json()


async def test_admin_sets_policies_and_the_list_shows_filters_and_sorts_by_them(world: World) -> None:
    await _quiet(world)
    status, body = await _put(world, {"policies": [{"name": "x", "calendar": "mars", "first_response": "soon"}]})
    assert status == 400
    assert any("sla.policies[0].calendar" in p for p in body["problems"])
    assert (await _put(world, POLICIES, caller="team_agent"))[0] == 403
    status, body = await _put(world, POLICIES)
    assert status == 200 and [p["name"] for p in body["in_force"]] == ["urgent", "normal"]
    async with world.http.get("/api/v1/sla/policies", headers=await world.headers("team_agent")) as r:
        assert r.status == 200 and (await r.json())["source"] == "admin"
    service = world.server.app[SLA]
    now = utcnow()
    await service.tick(now)
    headers = await world.headers("team_agent")
    async with world.http.get("/api/v1/conversations", headers=headers) as r:
        [conv] = (await r.json())["conversations"]
    assert conv["sla"]["policy"] == "normal" and conv["sla"]["state"] == "on_track"
    assert conv["sla"]["first_response_due"] is not None
    await service.tick(now + timedelta(hours=5))  # past 4 h: breached
    async with world.http.get("/api/v1/conversations?sla=breached&sort=sla_due", headers=headers) as r:
        listed = (await r.json())["conversations"]
    assert [c["id"] for c in listed] == [world.conversation_id]
    assert listed[0]["sla"]["state"] == "breached"
    async with world.http.get("/api/v1/conversations?sla=on_track", headers=headers) as r:
        assert (await r.json())["conversations"] == []
    async with world.http.get("/api/v1/conversations?sla=%27%3Bdrop", headers=headers) as r:
        assert r.status == 200 and (await r.json())["conversations"] == []  # unknown state: nothing, no error
    async with world.http.get("/api/v1/conversations?sla=breached", headers=await world.headers("other_team_agent")) as r:
        assert (await r.json())["conversations"] == []  # another team's breach is not listed to them
    async with world.http.get(f"/api/v1/conversations/{world.conversation_id}/audit", headers=headers) as r:
        actions = [a["action"] for a in (await r.json())["audit"]]
    assert actions.count("sla_breached") == 1


async def test_follow_up_sleeps_and_comes_back_with_a_reminder(world: World) -> None:
    await _quiet(world)
    path = f"/api/v1/conversations/{world.conversation_id}/follow-up"
    for bad in ({"in_days": -1}, {"in_days": True}, {"in_days": 10**9}, {"at": "2001-01-01T00:00:00Z"},
                {"at": "tomorrow"}, {}, {"in_days": 3, "note": 5}):
        async with world.http.post(path, json=bad, headers=await world.headers("admin")) as r:
            assert r.status == 400, bad
    async with world.http.post(path, json={"in_days": 3}, headers=await world.headers("other_team_agent")) as r:
        assert r.status == 404
    async with world.http.post(path, json={"in_days": 3, "note": "check the refund arrived"},
                               headers=await world.headers("team_agent")) as r:
        assert r.status == 201
        due = (await r.json())["follow_up"]["due_at"]
    async with world.engine.connect() as conn:
        assert (await conn.execute(select(conversations.c.status).where(
            conversations.c.id == world.conversation_id))).scalar_one() == "snoozed"
    feed = world.server.app[CTX].events.subscribe()
    service = world.server.app[SLA]
    await service.tick(utcnow() + timedelta(days=2))
    async with world.engine.connect() as conn:
        assert (await conn.execute(select(conversations.c.status).where(
            conversations.c.id == world.conversation_id))).scalar_one() == "snoozed"
    await service.tick(utcnow() + timedelta(days=3, minutes=1))
    async with world.engine.connect() as conn:
        status = (await conn.execute(select(conversations.c.status).where(
            conversations.c.id == world.conversation_id))).scalar_one()
        notes = [m.text for m in await conn.execute(select(messages).where(messages.c.direction == "note"))]
    assert status == "open" and due
    assert notes == ["Follow-up due: check the refund arrived / 回访到期"]
    types = [feed.queue.get_nowait().type for _ in range(feed.queue.qsize())]
    assert "follow_up.due" in types


async def _rating_token(world: World, held: dict[int, str]) -> str:
    """The link went to the dispatcher in memory; the stored message (what agents read) has no token."""
    async with world.engine.connect() as conn:
        rows = (await conn.execute(select(messages).where(messages.c.reason == "sla:rating_request"))).all()
    assert len(rows) == 1, rows
    assert "[rating link]" in rows[0].text and "token=" not in rows[0].text
    return re.search(r"/rate\?token=([A-Za-z0-9_-]+)", held[rows[0].id]).group(1)


async def test_a_customer_rates_once_and_a_low_rating_reopens_for_a_supervisor(world: World) -> None:
    await _quiet(world)
    assert (await _put(world, POLICIES))[0] == 200
    service = world.server.app[SLA]
    held: dict[int, str] = {}
    dispatcher = world.server.app[CTX].dispatcher
    original = dispatcher.hold_clear_text
    dispatcher.hold_clear_text = lambda mid, text: (held.__setitem__(mid, text), original(mid, text))
    await service.tick()
    async with world.http.patch(f"/api/v1/conversations/{world.conversation_id}", json={"status": "resolved"},
                                headers=await world.headers("team_agent")) as r:
        assert r.status == 200
    await service.tick()
    await service.tick()  # a second tick asks nothing more
    token = await _rating_token(world, held)
    async with world.http.get(f"/rate?token={token}") as r:
        page = await r.text()
        assert r.status == 200 and 'name="score" value="5"' in page
    async with world.http.get('/rate?token="><script>alert(1)</script>') as r:
        assert "<script>" not in await r.text()
    for bad, want in (({"token": token, "score": 6}, 400), ({"token": token, "score": "5"}, 400),
                      ({"token": token, "score": 0}, 400), ({"token": token, "score": True}, 400),
                      ({"token": token[:-2] + "xx", "score": 5}, 404), ({"token": "", "score": 5}, 404),
                      ({"token": token, "score": 5, "comment": "x" * 2001}, 400)):
        async with world.http.post("/rate", json=bad) as r:
            assert r.status == want, bad
    async with world.http.post("/rate", json={"token": token, "score": 2, "comment": "slow, my seed is "
                                              "abandon abandon abandon abandon abandon abandon abandon abandon "
                                              "abandon abandon abandon about"}) as r:
        assert r.status == 200
    async with world.http.post("/rate", json={"token": token, "score": 5}) as r:
        assert r.status == 409  # replayed: the first rating stands
    async with world.http.post("/rate", data={"token": token, "score": "5"}) as r:
        assert r.status == 409
    async with world.engine.connect() as conn:
        row = (await conn.execute(select(conversations).where(conversations.c.id == world.conversation_id))).one()
        tags = {t for (t,) in await conn.execute(select(conversation_tags.c.tag).where(
            conversation_tags.c.conversation_id == world.conversation_id))}
        [comment] = [c for (c,) in await conn.execute(select(satisfaction_ratings.c.comment))]
    assert (row.status, row.priority) == ("open", "high") and "low_rating" in tags
    assert comment.startswith("slow, my seed is") and "abandon abandon" not in comment  # a secret is masked
    async with world.http.get("/api/v1/reports/satisfaction?by=team", headers=await world.headers("admin")) as r:
        [line] = (await r.json())["rows"]
    assert (line["team"], line["count"], line["average"], line["scores"]["2"]) == ("red", 1, 2.0, 1)
    async with world.http.get("/api/v1/reports/satisfaction", headers=await world.headers("team_agent")) as r:
        assert r.status == 403
    async with world.http.get("/api/v1/reports/satisfaction?by=agent&format=csv",
                              headers=await world.headers("admin")) as r:
        assert r.status == 200 and r.content_type == "text/csv"
        assert (await r.text()).splitlines()[0].startswith("agent,agent_id,count,average")
