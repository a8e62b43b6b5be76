"""`sla: at_risk | breached` rule conditions: a timer firing runs only the rules that name it, and their effects
(priority, escalation to a team, tags) land on the conversation with an audit row."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from inbox.events import EventBus
from inbox.sla.rules import SlaRules
from inbox.sla.tracker import SlaTracker
from inbox.store.schema import audit, conversation_tags, conversations, teams
from routing.rules.errors import RulesError
from routing.rules.loader import parse_rules
from tests.inbox.sla.helpers import conversation, policies

SH = ZoneInfo("Asia/Shanghai")
RULES = """
teams: {billing: [], supervisors: []}
groups:
  - name: routing
    rules:
      - name: tag-everything
        when: {}
        then: [{add_tag: routed}]
  - name: service levels
    match: all
    rules:
      - name: at-risk-raises-priority
        when: {sla: at_risk}
        then: [{set_priority: high}, {add_tag: sla_at_risk}]
      - name: breach-escalates
        when: {sla: breached}
        then: [{escalate: {team: supervisors, priority: urgent, reason: first response breached}}]
"""


class Holder:
    def __init__(self, text: str) -> None:
        self.current = parse_rules(text, "rules.yaml")

    def maybe_reload(self) -> None:
        pass


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


async def test_timer_runs_only_the_sla_rules_and_applies_their_effects(engine) -> None:  # noqa: ANN001
    cid = await conversation(engine, sh(2026, 12, 1, 9, 0))
    tracker = SlaTracker(engine, EventBus(), policies(), on_fired=SlaRules(Holder(RULES)).on_fired)
    await tracker.tick(sh(2026, 12, 1, 9, 1))
    await tracker.tick(sh(2026, 12, 1, 12, 5))  # at risk (25% of 4 h before 13:00)
    async with engine.connect() as conn:
        row = (await conn.execute(select(conversations).where(conversations.c.id == cid))).one()
        tags = {t for (t,) in await conn.execute(select(conversation_tags.c.tag))}
    assert row.priority == "high"
    assert tags == {"sla_at_risk"}  # the routing rule without `sla:` did not run on the timer
    await tracker.tick(sh(2026, 12, 1, 13, 1))
    async with engine.connect() as conn:
        row = (await conn.execute(select(conversations).where(conversations.c.id == cid))).one()
        team = (await conn.execute(select(teams.c.name).where(teams.c.id == row.team_id))).scalar()
        actions = [(a.actor, a.action) for a in await conn.execute(select(audit).order_by(audit.c.id))]
    assert (row.priority, team) == ("urgent", "supervisors")
    assert actions == [("sla", "sla_at_risk"), ("rule:at-risk-raises-priority", "priority"),
                       ("rule:at-risk-raises-priority", "tag"), ("sla", "sla_breached"),
                       ("rule:breach-escalates", "escalate")]


def test_sla_condition_values_are_checked() -> None:
    with pytest.raises(RulesError, match="sla"):
        parse_rules("rules: [{name: x, when: {sla: late}, then: [{add_tag: a}]}]", "rules.yaml")
