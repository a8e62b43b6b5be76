"""SLA clocks and timers against the real store with a controlled clock: business hours, pauses, restarts, fire once."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from inbox.auth import create_agent
from inbox.events import EventBus
from inbox.sla.tracker import SlaTracker
from inbox.store.schema import audit, conversation_sla, report_times, report_volume
from tests.inbox.sla.helpers import conversation, message, policies, set_status

SH = ZoneInfo("Asia/Shanghai")


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


async def _row(engine, cid: int):  # noqa: ANN001, ANN202
    async with engine.connect() as conn:
        return (await conn.execute(select(conversation_sla).where(conversation_sla.c.conversation_id == cid))).one()


async def _audit(engine, cid: int) -> list[tuple[str, str]]:  # noqa: ANN001
    async with engine.connect() as conn:
        rows = await conn.execute(select(audit.c.action, audit.c.detail).where(audit.c.conversation_id == cid)
                                  .order_by(audit.c.id))
        return [(r.action, r.detail) for r in rows]


async def test_friday_evening_mail_is_due_monday_and_fires_at_risk_then_breach_once(engine) -> None:  # noqa: ANN001
    cid = await conversation(engine, sh(2026, 12, 4, 17, 0))  # a Friday, one business hour left
    bus = EventBus()
    feed = bus.subscribe()
    tracker = SlaTracker(engine, bus, policies())
    await tracker.tick(sh(2026, 12, 4, 17, 30))
    row = await _row(engine, cid)
    assert (row.policy, row.state) == ("normal", "on_track")
    assert row.first_response_due == sh(2026, 12, 7, 12, 0)  # 1 h Friday + 3 h Monday
    assert row.next_alert_at == sh(2026, 12, 7, 11, 0)  # 25% of 4 h before it
    assert (await tracker.tick(sh(2026, 12, 6, 20, 0))).fired == []  # the weekend passes: nothing
    result = await tracker.tick(sh(2026, 12, 7, 11, 5))
    assert result.fired == [(cid, "at_risk", "first_response")]
    assert (await _row(engine, cid)).state == "at_risk"
    assert (await tracker.tick(sh(2026, 12, 7, 11, 10))).fired == []  # once
    result = await tracker.tick(sh(2026, 12, 7, 12, 1))
    assert result.fired == [(cid, "breached", "first_response")]
    assert (await _row(engine, cid)).state == "breached"
    actions = [a for a, _ in await _audit(engine, cid)]
    assert actions == ["sla_at_risk", "sla_breached"]
    kinds = [feed.queue.get_nowait().payload for _ in range(feed.queue.qsize())]
    assert [(k["type"], k["clock"], k["due_at"]) for k in kinds] == [
        ("sla.at_risk", "first_response", "2026-12-07T04:00:00Z"), ("sla.breached", "first_response", "2026-12-07T04:00:00Z")]


async def test_a_process_that_was_down_catches_up_once(engine) -> None:  # noqa: ANN001
    cid = await conversation(engine, sh(2026, 12, 1, 10, 0))
    await SlaTracker(engine, EventBus(), policies()).tick(sh(2026, 12, 1, 10, 1))
    # down until long after the due time; a new process (new tracker) starts
    result = await SlaTracker(engine, EventBus(), policies()).tick(sh(2026, 12, 2, 9, 0))
    assert result.fired == [(cid, "at_risk", "first_response"), (cid, "breached", "first_response")]
    again = await SlaTracker(engine, EventBus(), policies()).tick(sh(2026, 12, 2, 9, 1))
    assert [f for f in again.fired if f[2] == "first_response"] == []
    assert [a for a, _ in await _audit(engine, cid)].count("sla_breached") == 1


async def test_waiting_on_the_customer_pauses_the_clocks(engine) -> None:  # noqa: ANN001
    cid = await conversation(engine, sh(2026, 12, 1, 9, 0))  # Tuesday 09:00, due 13:00
    tracker = SlaTracker(engine, EventBus(), policies())
    await tracker.tick(sh(2026, 12, 1, 9, 1))
    assert (await _row(engine, cid)).first_response_due == sh(2026, 12, 1, 13, 0)
    await set_status(engine, cid, "pending", sh(2026, 12, 1, 10, 0))
    await tracker.tick(sh(2026, 12, 1, 10, 1))
    row = await _row(engine, cid)
    assert (row.state, row.first_response_due, row.next_alert_at) == ("paused", None, None)
    assert (await tracker.tick(sh(2026, 12, 1, 14, 0))).fired == []  # past the old due time: paused, no breach
    await set_status(engine, cid, "open", sh(2026, 12, 1, 15, 0))
    await tracker.tick(sh(2026, 12, 1, 15, 1))
    row = await _row(engine, cid)
    assert row.first_response_due == sh(2026, 12, 1, 18, 0)  # 1 h used before the pause, 3 h after 15:00
    assert row.state == "on_track"


async def test_an_agents_reply_meets_first_response_and_a_customers_answer_starts_next_response(engine) -> None:  # noqa: ANN001
    agent = await create_agent(engine, "ana@example.com", "a long password", "agent")
    cid = await conversation(engine, sh(2026, 12, 4, 17, 0))
    tracker = SlaTracker(engine, EventBus(), policies())
    await tracker.tick(sh(2026, 12, 4, 17, 1))
    await message(engine, cid, sh(2026, 12, 4, 17, 40), "outbound", reason="rule:ticket")  # automatic: not an answer
    await message(engine, cid, sh(2026, 12, 4, 17, 45), "note", agent_id=agent.id)  # a note: not an answer
    await tracker.tick(sh(2026, 12, 4, 17, 50))
    assert (await _row(engine, cid)).first_response_at is None
    await message(engine, cid, sh(2026, 12, 7, 9, 30), "outbound", agent_id=agent.id)
    await tracker.tick(sh(2026, 12, 7, 9, 31))
    row = await _row(engine, cid)
    assert row.first_response_at == sh(2026, 12, 7, 9, 30)
    assert row.first_response_minutes == 90  # 60 on Friday + 30 on Monday
    assert not row.first_response_breached
    await message(engine, cid, sh(2026, 12, 7, 17, 30), "inbound")
    await tracker.tick(sh(2026, 12, 7, 17, 31))
    row = await _row(engine, cid)
    assert row.next_response_due == sh(2026, 12, 8, 10, 30)  # 30 min Monday, 90 min Tuesday
    async with engine.connect() as conn:
        times = (await conn.execute(select(report_times))).all()
        volume = sum(r.count for r in await conn.execute(
            select(report_volume).where(report_volume.c.dimension == "channel")))
    assert sorted((t.dimension, t.value, t.metric, t.bucket, t.count, t.breached) for t in times) == [
        ("all", "", "first_response", 90, 1, 0), ("channel", "email", "first_response", 90, 1, 0),
        ("team", "", "first_response", 90, 1, 0), ("type", "", "first_response", 90, 1, 0)]
    assert volume == 5  # every message counted once, across four ticks


async def test_urgent_is_round_the_clock_and_resolving_stops_the_clocks(engine) -> None:  # noqa: ANN001
    cid = await conversation(engine, sh(2026, 12, 5, 23, 0), priority="urgent")  # Saturday night
    tracker = SlaTracker(engine, EventBus(), policies())
    await tracker.tick(sh(2026, 12, 5, 23, 1))
    row = await _row(engine, cid)
    assert (row.policy, row.first_response_due) == ("urgent", sh(2026, 12, 5, 23, 15))
    await set_status(engine, cid, "resolved", sh(2026, 12, 5, 23, 10))
    await tracker.tick(sh(2026, 12, 5, 23, 11))
    row = await _row(engine, cid)
    assert (row.state, row.next_alert_at, row.resolution_breached) == ("met", None, False)
    assert (await tracker.tick(sh(2026, 12, 6, 9, 0))).fired == []


async def test_new_policies_apply_to_conversations_already_tracked(engine) -> None:  # noqa: ANN001
    cid = await conversation(engine, sh(2026, 12, 1, 9, 0))
    current = {"set": policies({"policies": []})}

    async def load():  # noqa: ANN202
        return await current["set"]()

    tracker = SlaTracker(engine, EventBus(), load)
    await tracker.tick(sh(2026, 12, 1, 9, 1))
    assert (await _row(engine, cid)).policy is None
    current["set"] = policies()  # an admin saves policies; nothing about the conversation changed
    await tracker.tick(sh(2026, 12, 1, 9, 2))
    row = await _row(engine, cid)
    assert (row.policy, row.first_response_due) == ("normal", sh(2026, 12, 1, 13, 0))
