"""Rules with an `sla: at_risk | breached` condition, run when a timer fires.

They see the conversation as it stands and a stand-in message flagged "sla:<kind>" and "service" (so no rule can
answer the customer automatically from a timer). Only rules that name `sla:` run: a timer never re-runs the
routing meant for customers' messages. Their effects (priority, team, assignee, tags, status, webhooks) are
applied here with the same helpers the pipeline uses, in the timer's transaction, and audited as "rule:<name>".
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from inbox.domain import Channel, ConversationStatus, ContactIdentity, IdentityKind, InboundMessage, Priority, \
    Visibility, format_ticket, utcnow
from inbox.events import Event
from inbox.pipeline.effects import RoundRobin, _assignee, team_id_by_name
from inbox.pipeline.stages import ConversationView, PipelineItem
from inbox.sla.clock import Alert, SlaStatus
from inbox.store.ops import insert_ignore
from inbox.store.schema import agents, audit, conversation_tags, conversations, teams

log = logging.getLogger(__name__)


def _has_sla_condition(condition: Any) -> bool:
    from routing.rules.conditions import AllOf, AnyOf, Not, SlaIs

    if isinstance(condition, SlaIs):
        return True
    if isinstance(condition, (AllOf, AnyOf)):
        return any(_has_sla_condition(part) for part in condition.parts)
    if isinstance(condition, Not):
        return _has_sla_condition(condition.part)
    return False


def sla_rule_set(rule_set: Any) -> Any:
    """The rules of `rule_set` that name `sla:`, in their groups and order."""
    from routing.rules.engine import RuleGroup, RuleSet

    groups = tuple(RuleGroup(g.name, g.match_all, tuple(r for r in g.rules if _has_sla_condition(r.when)))
                   for g in rule_set.groups)
    return RuleSet(rule_set.source, tuple(g for g in groups if g.rules), rule_set.declarations)


class SlaRules:
    def __init__(self, holder: Any) -> None:
        self.holder = holder  # routing.rules.RulesHolder or None
        self._cache: tuple[Any, Any] | None = None

    def _rules(self) -> Any:
        if self.holder is None:
            return None
        self.holder.maybe_reload()
        current = self.holder.current
        if self._cache is None or self._cache[0] is not current:
            self._cache = (current, sla_rule_set(current))
        return self._cache[1]

    async def on_fired(self, conn: AsyncConnection, conv: Any, alert: Alert, status: SlaStatus) -> list[Event]:
        rules = self._rules()
        if rules is None or not rules.groups:
            return []
        return await run_sla_rules(conn, rules, conv, alert, utcnow())


async def _view(conn: AsyncConnection, conv: Any) -> ConversationView:
    tags = frozenset(t for (t,) in await conn.execute(
        select(conversation_tags.c.tag).where(conversation_tags.c.conversation_id == conv.id)))
    team = (await conn.execute(select(teams.c.name).where(teams.c.id == conv.team_id))).scalar() if conv.team_id else None
    assignee = (await conn.execute(select(agents.c.email).where(agents.c.id == conv.assignee_id))).scalar() \
        if conv.assignee_id else None
    return ConversationView(conv.id, format_ticket(conv.id), conv.connector, conv.channel, Visibility(conv.visibility),
                            ConversationStatus(conv.status), conv.type, tags, Priority(conv.priority), team, assignee,
                            False, conv.contact_id)


async def run_sla_rules(conn: AsyncConnection, rules: Any, conv: Any, alert: Alert, now: datetime) -> list[Event]:
    stand_in = InboundMessage(
        connector=conv.connector, channel=Channel(conv.channel), provider_id=f"sla:{alert.key}",
        thread_key=conv.thread_key, visibility=Visibility(conv.visibility),
        sender=ContactIdentity(IdentityKind.APP, "sla-timer"), text="", sent_at=now,
        flags=frozenset({f"sla:{alert.kind}", f"sla_clock:{alert.clock}", "service"}))
    item = PipelineItem(stand_in, "", None, await _view(conn, conv), is_first=False)
    fired = rules.apply(item, now)
    if not fired:
        return []
    e = item.effects
    values: dict[str, Any] = {}
    if e.priority is not None and e.priority.rank > Priority(conv.priority).rank:
        values["priority"] = e.priority.value
    team_id = conv.team_id
    if e.team is not None:
        team_id = values["team_id"] = await team_id_by_name(conn, e.team, {})
    if e.assignee is not None:
        values["assignee_id"] = await _assignee(conn, e.assignee, team_id, RoundRobin())
    if e.status is not None:
        values["status"] = e.status.value
        if e.snooze_until is not None:
            values["snoozed_until"] = e.snooze_until
    if values:
        # updated_at dates a status change for the tracker, which reads this conversation again on its next tick
        await conn.execute(update(conversations).where(conversations.c.id == conv.id).values(updated_at=now, **values))
    await insert_ignore(conn, conversation_tags, [{"conversation_id": conv.id, "tag": t} for t in sorted(e.add_tags)])
    if e.remove_tags:
        await conn.execute(delete(conversation_tags).where(and_(conversation_tags.c.conversation_id == conv.id,
                                                                conversation_tags.c.tag.in_(sorted(e.remove_tags)))))
    rows = [{"at": now, "actor": a.actor, "action": a.action, "conversation_id": conv.id, "detail": a.detail}
            for a in e.audit]
    if rows:
        await conn.execute(audit.insert(), rows)
    for call in e.webhooks:
        from inbox.app import _webhook_sender  # noqa: PLC0415 - the pipeline's own sender, fire and forget
        import asyncio

        asyncio.get_running_loop().create_task(_webhook_sender(call, conv.id))
    row = (await conn.execute(select(conversations).where(conversations.c.id == conv.id))).one()
    from inbox.views import conversation_core

    tags = [t for (t,) in await conn.execute(select(conversation_tags.c.tag)
                                             .where(conversation_tags.c.conversation_id == conv.id))]
    return [Event("conversation.updated", conv.id, row.team_id,
                  {"type": "conversation.updated", "conversation": conversation_core(row, tags)})]
