"""Where a conversation stands against its policy: a pure function of its timeline and the time now.

Clocks: first response (from the conversation's start to an agent's first reply), next response (from a
customer's message after an agent's reply to the next reply), resolution (from the start to resolved). Every clock
stands still while the conversation waits on the customer (pending), is snoozed or is resolved: those periods are
`pauses`. A clock is *at risk* once less than the policy's margin is left, *breached* once its due time passed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from inbox.sla.business_time import Interval, add_with_pauses, elapsed_with_pauses
from inbox.sla.policy import Policy

PAUSED_STATUSES = frozenset({"pending", "snoozed", "resolved"})
STATES = ("none", "on_track", "at_risk", "breached", "paused", "met")


@dataclass(frozen=True)
class Timeline:
    created_at: datetime
    inbound: tuple[datetime, ...]  # customers' messages
    replies: tuple[datetime, ...]  # agents' replies (not notes, not automatic messages)
    pauses: tuple[Interval, ...]
    status: str


@dataclass(frozen=True)
class Clock:
    name: str  # first_response | next_response | resolution
    started_at: datetime
    due_at: datetime | None  # None: paused before reaching the target
    at_risk_at: datetime | None
    met_at: datetime | None
    breached: bool  # met late, or overdue now
    business_minutes: float | None  # start to met, in business time without pauses (for reports)

    @property
    def active(self) -> bool:
        return self.met_at is None


@dataclass(frozen=True)
class Alert:
    key: str  # unique per clock run: fired once
    kind: str  # at_risk | breached
    clock: str
    at: datetime


@dataclass(frozen=True)
class SlaStatus:
    policy: str | None
    state: str
    clocks: tuple[Clock, ...]
    next_response_breaches: int = 0

    def clock(self, name: str) -> Clock | None:
        return next((c for c in self.clocks if c.name == name), None)

    @property
    def next_due(self) -> datetime | None:
        dues = [c.due_at for c in self.clocks if c.active and c.due_at is not None]
        return min(dues) if dues else None

    def alerts(self) -> list[Alert]:
        out = []
        for c in self.clocks:
            if not c.active or c.due_at is None:
                continue
            stamp = c.started_at.isoformat()
            if c.at_risk_at is not None and c.at_risk_at < c.due_at:
                out.append(Alert(f"{c.name}:at_risk:{stamp}", "at_risk", c.name, c.at_risk_at))
            out.append(Alert(f"{c.name}:breached:{stamp}", "breached", c.name, c.due_at))
        return out


def _run(policy: Policy, name: str, start: datetime, met_at: datetime | None, pauses: list[Interval],
         now: datetime) -> Clock:
    calendar, target = policy.calendar, policy.targets[name]
    due = add_with_pauses(calendar, start, target, pauses)
    at_risk = add_with_pauses(calendar, start, target - policy.margin(name), pauses)
    if met_at is not None:
        breached = due is not None and met_at > due
        minutes = elapsed_with_pauses(calendar, start, met_at, pauses)
    else:
        breached, minutes = due is not None and due <= now, None
    return Clock(name, start, due, at_risk, met_at, breached, minutes)


def evaluate(policy: Policy | None, timeline: Timeline, now: datetime) -> SlaStatus:
    if policy is None:
        return SlaStatus(None, "none", ())
    pauses = list(timeline.pauses)
    replies = sorted(timeline.replies)
    clocks: list[Clock] = []
    if "first_response" in policy.targets:
        first = next((r for r in replies if r >= timeline.created_at), None)
        clocks.append(_run(policy, "first_response", timeline.created_at, first, pauses, now))
    breaches = 0
    if "next_response" in policy.targets and replies:
        # One run per customer message that follows an agent's reply: started by the first such message.
        cycles: list[Clock] = []
        inbound = sorted(timeline.inbound)
        for index, reply in enumerate(replies):
            upto = replies[index + 1] if index + 1 < len(replies) else None
            start = next((m for m in inbound if m > reply and (upto is None or m <= upto)), None)
            if start is not None:
                cycles.append(_run(policy, "next_response", start, upto, pauses, now))
        breaches = sum(c.breached for c in cycles)
        if cycles:
            clocks.append(cycles[-1])
    resolved = None
    if timeline.status == "resolved" and pauses and pauses[-1][1] is None:
        resolved = pauses[-1][0]  # resolving opened the last pause
    if "resolution" in policy.targets:
        clocks.append(_run(policy, "resolution", timeline.created_at, resolved, pauses, now))
    if resolved is not None:
        # Clocks left running when the ticket was resolved stop; they count as breached only if already overdue.
        clocks = [c if not c.active else Clock(c.name, c.started_at, c.due_at, c.at_risk_at, resolved,
                                               c.due_at is not None and c.due_at < resolved, None) for c in clocks]
        state = "breached" if any(c.breached for c in clocks) else "met"
        return SlaStatus(policy.name, state, tuple(clocks), breaches)
    return SlaStatus(policy.name, _state(clocks, timeline.status, now), tuple(clocks), breaches)


def _state(clocks: list[Clock], status: str, now: datetime) -> str:
    active = [c for c in clocks if c.active]
    if any(c.breached for c in active):
        return "breached"
    if status in PAUSED_STATUSES and active:
        return "paused"
    if any(c.at_risk_at is not None and c.at_risk_at <= now for c in active if c.due_at is not None):
        return "at_risk"
    return "on_track" if active else "met"
