"""`inbox route --dry-run`: which rules would fire for sample messages, and what they would do. Nothing is sent.

Input, one JSON object per line: {"text": ...} plus any of
  channel, visibility, connector, language, subject, is_first (default true), flags [...], contact {attr: value},
  type (skip the classifier), findings [{"kind", "tier"}] (skip the detector), priority, tags [...], status, ticket,
  at (ISO time).
As in `inbox serve`, the sensitive-data guard runs first (with the config's `guard:` policy), then the classifier
reads the masked text, then the rules.
Output, one JSON line per input: {"type", "confidence", "language", "findings": [{"kind", "tier"}], "stored_text",
"fired": [{"group", "rule", "actions"}], "effects": {...}, "audit": [...]}, or {"error": "line N: ..."} for a bad
line (the others still run; the exit code is then 2, as for scan and classify).
"""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timezone
from enum import StrEnum
from collections.abc import Mapping
from typing import TextIO, TypeVar

from inbox.domain import (Channel, ContactIdentity, ConversationStatus, IdentityKind, InboundMessage, Priority,
                          Visibility, utcnow)
from inbox.pipeline.stages import Classification, ConversationView, Effects, Finding, PipelineItem, Stage
from routing.jsonlines import BadLine, parse_object, run_filter
from routing.rules.errors import RulesError
from routing.rules.loader import load_rules

E = TypeVar("E", bound=StrEnum)
_SPAN_FREE = -1  # dry-run findings name a kind and tier only; there is no span to point at


def _choice(row: dict, key: str, enum: type[E], default: E) -> E:
    value = row.get(key, default.value)
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise BadLine(f'"{key}": unknown value {value!r} (expected one of: {allowed})') from None


def _findings(row: dict) -> list[Finding]:
    findings = row.get("findings", [])
    if not isinstance(findings, list) or not all(isinstance(f, dict) and {"kind", "tier"} <= set(f) for f in findings):
        raise BadLine('"findings": expected a list of {"kind": ..., "tier": ...}')
    return [Finding(str(f["kind"]), int(f.get("start", _SPAN_FREE)), int(f.get("end", _SPAN_FREE)), str(f["tier"]))
            for f in findings]


def _time(row: dict) -> datetime:
    if "at" not in row:
        return utcnow()
    try:
        moment = datetime.fromisoformat(str(row["at"]))
    except ValueError:
        raise BadLine(f'"at": expected an ISO time like 2026-11-21T20:00:00+08:00, got {row["at"]!r}') from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def build_item(row: dict, guard: Stage | None = None) -> tuple[PipelineItem, datetime]:
    """A pipeline item as the rules stage would see it, from one dry-run input line: the guard (unless the line
    gives its findings) masks it first, and the classifier (unless the line gives a type) reads the masked text."""
    from routing.classifier import classify
    from routing.language import detect_language

    text = row.get("text")
    if not isinstance(text, str):
        raise BadLine('missing "text" (a string)')
    channel = _choice(row, "channel", Channel, Channel.WEBCHAT)
    visibility = _choice(row, "visibility", Visibility, Visibility.PRIVATE)
    flags = row.get("flags", [])
    contact = row.get("contact", {})
    tags = row.get("tags", [])
    if not isinstance(flags, list) or not isinstance(tags, list) or not isinstance(contact, dict):
        raise BadLine('"flags" and "tags" are lists, "contact" is an object')
    connector = str(row.get("connector", channel.value))
    message = InboundMessage(
        connector=connector, channel=channel, provider_id="dry-run", thread_key="dry-run", visibility=visibility,
        sender=ContactIdentity(IdentityKind.VISITOR, "dry-run"), text=text, sent_at=utcnow(),
        subject=row.get("subject"), flags=frozenset(str(flag) for flag in flags))
    is_first = row.get("is_first", True)
    if not isinstance(is_first, bool):
        raise BadLine('"is_first": expected true or false')
    given_type = row.get("type")
    given_findings = "findings" in row
    conversation = ConversationView(
        id=None, ticket=row.get("ticket"), connector=connector, channel=channel.value, visibility=visibility,
        status=_choice(row, "status", ConversationStatus, ConversationStatus.OPEN),
        type=None if is_first or not given_type else str(given_type), tags=frozenset(str(tag) for tag in tags),
        priority=_choice(row, "priority", Priority, Priority.NORMAL), team=None, assignee=None, is_new=is_first,
        contact_id=None, contact_attributes={str(k): str(v) for k, v in contact.items()})
    item = PipelineItem(message=message, text=text, raw=None, conversation=conversation, is_first=is_first,
                        findings=_findings(row) if given_findings else [], language=row.get("language"),
                        subject=message.subject)
    if guard is not None and not given_findings:
        guard.process([item])
    masked = f"{item.subject}\n{item.text}" if item.subject else item.text
    classification = (Classification(str(given_type), 1.0, ("given in the input",)) if given_type
                      else classify(masked))
    item.classification = classification
    item.language = item.language or detect_language(masked)
    if is_first:
        item.effects.type = classification
    elif conversation.type is None:
        item.conversation = replace(conversation, type=classification.type)
    return item, _time(row)


def _effects_json(effects: Effects) -> dict[str, object]:
    return {
        "add_tags": sorted(effects.add_tags), "remove_tags": sorted(effects.remove_tags),
        "priority": effects.priority.value if effects.priority else None,
        "type": effects.type.type if effects.type else None, "team": effects.team, "assignee": effects.assignee,
        "status": effects.status.value if effects.status else None,
        "snooze_until": effects.snooze_until.isoformat() if effects.snooze_until else None,
        "replies": [{"text": reply.text, "visibility": reply.visibility.value,
                     "private_link_fallback": reply.private_link_fallback} for reply in effects.replies],
        "webhooks": [call.url for call in effects.webhooks], "hide_public": effects.hide_public,
    }


def run(rules_path: str, stdin: TextIO, stdout: TextIO, guard: Stage | None = None,
        team_problems: Mapping[str, str] | None = None) -> int:
    """Print what the rules at `rules_path` would do for each input line. 0: ran; 2: the rules file or a line is bad.
    `guard`: the sensitive-data stage to run first (the `inbox route` command passes the config's).
    `team_problems`: team -> why conversations routed there would wait (missing, no agents); a line whose effects
    route to such a team carries it under "warnings"."""
    try:
        rules = load_rules(rules_path)
    except RulesError as error:
        stdout.write(json.dumps({"error": str(error)}, ensure_ascii=False) + "\n")
        return 2
    def answer(line: str) -> dict[str, object]:
        item, now = build_item(parse_object(line), guard)
        fired = rules.apply(item, now)
        classification = item.classification
        assert classification is not None  # build_item always classifies
        out = {
            "type": classification.type, "confidence": classification.confidence, "language": item.language,
            "findings": [{"kind": f.kind, "tier": f.tier} for f in item.findings], "stored_text": item.text,
            "fired": [{"group": f.group, "rule": f.rule, "actions": list(f.actions), "stop": f.stopped} for f in fired],
            "effects": _effects_json(item.effects),
            "audit": [{"actor": e.actor, "action": e.action, "detail": e.detail} for e in item.effects.audit],
        }
        if team_problems and item.effects.team in team_problems:
            out["warnings"] = [team_problems[item.effects.team]]
        return out

    return run_filter(stdin, stdout, answer)


def main() -> int:
    import sys

    from routing.guard import SensitiveStage

    return run(sys.argv[1] if len(sys.argv) > 1 else "inbox/defaults/rules.yaml", sys.stdin, sys.stdout, SensitiveStage())


if __name__ == "__main__":
    raise SystemExit(main())
