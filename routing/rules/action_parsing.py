"""Compile a rule's `then:` list into Action objects, checking every name it refers to."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from inbox.domain import ConversationStatus, Priority
from routing.classifier.types import ISSUE_TYPES
from routing.rules.actions import (Action, Assign, CallWebhook, Escalate, RedirectPrivate, SendAutoReply, SetPriority,
                                   SetStatus, SetType, Tag)
from routing.rules.errors import FieldError
from routing.rules.schedule import BusinessHours
from routing.rules.templates import ReplyTemplate, parse_texts

ACTION_KEYS = ("add_tag", "remove_tag", "set_type", "set_priority", "assign", "escalate", "auto_reply",
               "redirect_private", "snooze", "resolve", "webhook")
_DURATION = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_PRIORITIES = tuple(priority.value for priority in Priority)
DEFAULT_REDIRECT_TAG = "moved_private"


@dataclass(frozen=True)
class Declarations:
    """What the rules file declares at the top: teams (with agents), schedules, reply templates."""

    teams: dict[str, tuple[str, ...]]  # agents may be listed here or only in the database (`inbox user add --team`)
    schedules: dict[str, BusinessHours]
    templates: dict[str, dict[str, str]]  # name -> language -> text

    def team_of(self, agent: str) -> list[str]:
        return [team for team, agents in self.teams.items() if agent in agents]


def _strings(value: object, key: str) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(item, str) and item.strip() for item in items):
        raise FieldError(key, "expected a non-empty string or a list of them")
    return tuple(items)


def _mapping(value: object, key: str, allowed: tuple[str, ...]) -> dict:
    if not isinstance(value, dict):
        raise FieldError(key, f"expected a mapping with keys {', '.join(allowed)}")
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        raise FieldError(f"{key}.{unknown[0]}", f"unknown key (expected {', '.join(allowed)})")
    return value


def _team(value: object, key: str, declared: Declarations) -> str:
    if not isinstance(value, str) or value not in declared.teams:
        raise FieldError(key, f"unknown team {value!r} (teams: {', '.join(declared.teams) or 'none declared'})")
    return value


def _priority(value: object, key: str) -> Priority:
    if value not in _PRIORITIES:
        raise FieldError(key, f"unknown priority {value!r} (expected one of: {', '.join(_PRIORITIES)})")
    return Priority(value)


def _reply_template(value: object, key: str, declared: Declarations, allowed: tuple[str, ...]) -> tuple[ReplyTemplate, str]:
    spec = _mapping(value, key, allowed)
    if ("template" in spec) == ("text" in spec):
        raise FieldError(key, "give exactly one of template (a name under templates:) or text")
    if "template" in spec:
        name = spec["template"]
        if not isinstance(name, str) or name not in declared.templates:
            raise FieldError(f"{key}.template",
                             f"unknown template {name!r} (templates: {', '.join(declared.templates) or 'none declared'})")
        texts = declared.templates[name]
    else:
        name, texts = "inline", parse_texts(spec["text"], f"{key}.text")
    hours = None
    schedule_name = spec.get("schedule")
    if schedule_name is not None:
        if schedule_name not in declared.schedules:
            raise FieldError(f"{key}.schedule", f"unknown schedule {schedule_name!r}")
        hours = declared.schedules[schedule_name]
    elif declared.schedules:
        hours = next(iter(declared.schedules.values()))  # the first schedule declared is the default
    if hours is None and any("{office_hours}" in text for text in texts.values()):
        raise FieldError(key, "template uses {office_hours} but no schedule is declared")
    return ReplyTemplate(texts, hours), name


def _assign(value: object, key: str, declared: Declarations) -> Assign:
    if isinstance(value, str):
        return Assign(_team(value, key, declared), None)
    spec = _mapping(value, key, ("team", "agent"))
    team = _team(spec["team"], f"{key}.team", declared) if "team" in spec else None
    agent = spec.get("agent")
    if agent is None:
        if team is None:
            raise FieldError(key, "give a team, an agent, or both")
        return Assign(team, None)
    if not isinstance(agent, str) or "@" not in agent:
        raise FieldError(f"{key}.agent", f"expected an agent's email address, got {agent!r}")
    if team is not None and declared.teams[team] and agent not in declared.teams[team]:
        raise FieldError(f"{key}.agent", f"agent {agent!r} is not listed in team {team!r}")
    teams_of_agent = declared.team_of(agent)
    return Assign(team or (teams_of_agent[0] if teams_of_agent else None), agent)


def _duration(value: object, key: str) -> timedelta:
    match = _DURATION.match(str(value))
    if not match or int(match.group(1)) == 0:
        raise FieldError(key, f"expected a duration like 30m, 4h, 2d or 1w, got {value!r}")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def _webhook(value: object, key: str) -> CallWebhook:
    url = value.get("url") if isinstance(value, dict) else value
    if isinstance(value, dict):
        _mapping(value, key, ("url",))
    if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
        raise FieldError(key, f"expected an http(s) URL, got {url!r}")
    return CallWebhook(url)


def compile_action(spec: object, key: str, declared: Declarations) -> Action:
    if not isinstance(spec, dict) or len(spec) != 1:
        raise FieldError(key, f"each action is a mapping with exactly one key, one of: {', '.join(ACTION_KEYS)}")
    name, value = next(iter(spec.items()))
    where = f"{key}.{name}"
    if name in ("add_tag", "remove_tag"):
        return Tag(_strings(value, where), remove=name == "remove_tag")
    if name == "set_type":
        if value not in ISSUE_TYPES:
            raise FieldError(where, f"unknown issue type {value!r} (expected one of: {', '.join(ISSUE_TYPES)})")
        return SetType(value)
    if name == "set_priority":
        return SetPriority(_priority(value, where))
    if name == "assign":
        return _assign(value, where, declared)
    if name == "escalate":
        esc = _mapping(value, where, ("team", "priority", "reason"))
        if "team" not in esc:
            raise FieldError(where, "escalate needs a team")
        return Escalate(_team(esc["team"], f"{where}.team", declared),
                        _priority(esc.get("priority", "urgent"), f"{where}.priority"), str(esc.get("reason", "")))
    if name == "auto_reply":
        template, template_name = _reply_template(value, where, declared, ("template", "text", "schedule", "private"))
        private = value.get("private", False)
        if not isinstance(private, bool):
            raise FieldError(f"{where}.private", "expected true or false")
        return SendAutoReply(template, template_name, private)
    if name == "redirect_private":
        template, template_name = _reply_template(value, where, declared, ("template", "text", "schedule", "tag"))
        tag = value.get("tag", DEFAULT_REDIRECT_TAG)
        return RedirectPrivate(template, template_name, _strings(tag, f"{where}.tag")[0])
    if name == "snooze":
        duration = value.get("for") if isinstance(value, dict) else value
        if isinstance(value, dict):
            _mapping(value, where, ("for",))
        return SetStatus(ConversationStatus.SNOOZED, _duration(duration, where))
    if name == "resolve":
        if value is not True:
            raise FieldError(where, "write `resolve: true`")
        return SetStatus(ConversationStatus.RESOLVED)
    if name == "webhook":
        return _webhook(value, where)
    raise FieldError(where, f"unknown action (expected one of: {', '.join(ACTION_KEYS)})")
