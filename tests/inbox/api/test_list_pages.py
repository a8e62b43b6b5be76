"""Counts from the counters, list totals and keyset cursors, through the real app on SQLite and PostgreSQL: every
figure is checked against a plain COUNT over the table, after the writes agents and the pipeline really make."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select

from inbox.api.context import CTX
from inbox.store.schema import conversations, teams
from tests.inbox.api.conftest import World
from tests.inbox.factories import chat


async def _get(world: World, path: str, caller: str = "admin", **params: str) -> dict[str, Any]:
    async with world.http.get(path, params=params, headers=await world.headers(caller)) as r:
        assert r.status == 200, await r.text()
        return await r.json()


async def _patch(world: World, cid: int, **body: Any) -> None:
    async with world.http.patch(f"/api/v1/conversations/{cid}", json=body, headers=await world.headers("admin")) as r:
        assert r.status == 200, await r.text()


async def _scan_count(world: World, caller: str, view: str, status: str = "open") -> int:
    """What the counts used to be: COUNT(*) with the list's own conditions."""
    agent_id = world.agent_ids[caller]
    async with world.engine.connect() as conn:
        team = None if caller == "admin" else (await conn.execute(select(teams.c.id).where(
            teams.c.name == ("red" if caller == "team_agent" else "blue")))).scalar_one()
        conds = [conversations.c.status == status]
        if team is not None:
            conds.append(or_(conversations.c.team_id.is_(None), conversations.c.team_id == team))
        if view == "mine":
            conds.append(conversations.c.assignee_id == agent_id)
        elif view == "unassigned":
            conds.append(conversations.c.assignee_id.is_(None))
        elif view == "team":
            conds.append(conversations.c.team_id == team if team else conversations.c.team_id.is_(None))
        return (await conn.execute(select(func.count()).select_from(conversations).where(*conds))).scalar_one()


async def _assert_counts_match(world: World) -> None:
    for caller in ("admin", "team_agent", "other_team_agent"):
        for status in ("open", "resolved"):
            counts = (await _get(world, "/api/v1/conversations/counts", caller, status=status))["counts"]
            for view in ("mine", "unassigned", "team", "all"):
                assert counts[view] == await _scan_count(world, caller, view, status), (caller, status, view)


async def test_counts_follow_every_write(world: World) -> None:
    ids = await world.server.app[CTX].pipeline.ingest([chat(f"count me {i}", user=f"c-{i}") for i in range(6)])
    async with world.engine.connect() as conn:
        from inbox.store.schema import messages
        cids = [(await conn.execute(select(messages.c.conversation_id).where(messages.c.id == i))).scalar_one()
                for i in ids]
    await _assert_counts_match(world)
    await _patch(world, cids[0], assignee_id=world.agent_ids["team_agent"], team="red")
    await _patch(world, cids[1], team="blue")
    await _patch(world, cids[2], status="resolved")
    await _patch(world, cids[3], assignee_id=world.agent_ids["other_team_agent"], team="blue", status="pending")
    await _patch(world, cids[3], status="open")
    await _patch(world, cids[0], assignee_id=None)
    await _assert_counts_match(world)
    # A new message in a resolved conversation reopens it through the pipeline: the counters follow.
    await world.server.app[CTX].pipeline.ingest([chat("still broken", user="c-2")])
    await _assert_counts_match(world)


async def test_list_total_and_cursor_pages(world: World) -> None:
    await world.server.app[CTX].pipeline.ingest([chat(f"page {i}", user=f"k-{i}") for i in range(7)])
    first = await _get(world, "/api/v1/conversations", status="open", limit="3")
    async with world.engine.connect() as conn:
        total = (await conn.execute(select(func.count()).select_from(conversations)
                                    .where(conversations.c.status == "open"))).scalar_one()
    assert first["total"] == total and first["total_capped"] is False
    seen, body = [], first
    while True:
        seen += [c["id"] for c in body["conversations"]]
        if not body["next_cursor"]:
            break
        body = await _get(world, "/api/v1/conversations", status="open", limit="3", cursor=body["next_cursor"])
    everything = await _get(world, "/api/v1/conversations", status="open", limit="200")
    assert seen == [c["id"] for c in everything["conversations"]] and len(seen) == total
    # A filter the counters can't answer: a capped count, still exact at this size.
    typed = await _get(world, "/api/v1/conversations", status="open", channel="webchat", limit="2")
    assert typed["total"] == total and len(typed["conversations"]) == 2
    # The old offset keeps working.
    second = await _get(world, "/api/v1/conversations", status="open", limit="3", offset="3")
    assert [c["id"] for c in second["conversations"]] == seen[3:6]


async def test_messages_page_by_cursor(world: World) -> None:
    await world.server.app[CTX].pipeline.ingest([chat(f"line {i}", user="thread-1") for i in range(5)])
    cid = (await _get(world, "/api/v1/conversations", q="thread-1"))["conversations"][0]["id"]
    whole = [m["id"] for m in (await _get(world, f"/api/v1/conversations/{cid}/messages"))["messages"]]
    newest = await _get(world, f"/api/v1/conversations/{cid}/messages", limit="2")
    assert [m["id"] for m in newest["messages"]] == whole[-2:]
    older = await _get(world, f"/api/v1/conversations/{cid}/messages", limit="2", before=newest["next_before"])
    assert [m["id"] for m in older["messages"]] == whole[-4:-2]


async def test_other_teams_agent_counts_and_lists_nothing_of_red(world: World) -> None:
    body = await _get(world, "/api/v1/conversations", "other_team_agent", status="open")
    assert world.conversation_id not in [c["id"] for c in body["conversations"]]
    assert body["total"] == await _scan_count(world, "other_team_agent", "all")
    await _assert_counts_match(world)
