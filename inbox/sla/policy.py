"""SLA policies: targets chosen by conditions, measured on a calendar. From the config file's `sla:` section or,
once an admin saves them, from the database (the admin API). Example:

    sla:
      calendars:                     # business hours in the rules file's schedule format; "24/7" is built in
        beijing: {timezone: Asia/Shanghai, weekly: {mon-fri: "09:00-18:00"}, holidays: ["2026-10-01"]}
      satisfaction: true             # ask for a 1-5 rating when a conversation is resolved (default false)
      policies:                      # the first whose `when` holds applies
        - name: urgent
          when: {priority: [urgent]}
          calendar: 24/7
          first_response: 15m
          resolution: 4h
        - name: normal
          calendar: beijing
          first_response: 4h
          next_response: 8h
          resolution: 40h
          at_risk: 25%               # or a duration before the due time; default 20%
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from inbox.domain import Channel, Priority
from inbox.sla.business_time import has_open_time
from routing.classifier.types import ISSUE_TYPES
from routing.rules.errors import FieldError
from routing.rules.schedule import BusinessHours, parse_business_hours

ALWAYS = "24/7"
CLOCKS = ("first_response", "next_response", "resolution")
WHEN_KEYS = ("priority", "channel", "type", "team", "tag")
POLICY_KEYS = ("name", "when", "calendar", *CLOCKS, "at_risk")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d)?\s*$")
_UNIT_MINUTES = {None: 1, "m": 1, "min": 1, "h": 60, "d": 1440}  # "d": 24 hours of business time


class PolicyError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Conversationish:
    """What a policy is chosen by."""

    priority: str
    channel: str
    type: str | None
    team: str | None
    tags: frozenset[str]


@dataclass(frozen=True)
class Policy:
    name: str
    when: dict[str, frozenset[str]]
    calendar_name: str
    calendar: BusinessHours | None  # None: 24/7
    targets: dict[str, float]  # clock -> business minutes (only the clocks the policy sets)
    at_risk_fraction: float | None  # the margin as a share of the target...
    at_risk_minutes: float | None  # ...or as fixed minutes before the due time

    def matches(self, c: Conversationish) -> bool:
        for key, wanted in self.when.items():
            if key == "tag":
                if wanted.isdisjoint(c.tags):
                    return False
            elif getattr(c, key) not in wanted:
                return False
        return True

    def margin(self, clock: str) -> float:
        target = self.targets[clock]
        if self.at_risk_minutes is not None:
            return min(self.at_risk_minutes, target)
        return target * (self.at_risk_fraction if self.at_risk_fraction is not None else 0.2)


@dataclass(frozen=True)
class PolicySet:
    policies: tuple[Policy, ...]
    source: str  # "config", "admin" or "none"
    spec: dict[str, Any]  # as written, for the admin API to show and edit
    ask_rating: bool = False  # `satisfaction: true`: ask the customer for a rating when resolved

    def choose(self, c: Conversationish) -> Policy | None:
        for policy in self.policies:
            if policy.matches(c):
                return policy
        return None


EMPTY = PolicySet((), "none", {"calendars": {}, "policies": [], "satisfaction": False})


def parse_duration(value: object, key: str) -> float:
    if isinstance(value, bool):
        raise FieldError(key, "expected a duration like 15m, 4h or 2d")
    if isinstance(value, (int, float)):
        minutes = float(value)
    else:
        match = _DURATION.match(str(value))
        if not match:
            raise FieldError(key, f"expected a duration like 15m, 4h or 2d, got {value!r}")
        minutes = float(match.group(1)) * _UNIT_MINUTES[match.group(2)]
    if not 0 < minutes <= 366 * 1440:
        raise FieldError(key, "a target is more than 0 and at most a year")
    return minutes


def _when(spec: object, key: str) -> dict[str, frozenset[str]]:
    if spec is None:
        return {}
    if not isinstance(spec, dict):
        raise FieldError(key, f"expected a mapping with any of {', '.join(WHEN_KEYS)}")
    allowed = {"priority": tuple(p.value for p in Priority), "channel": tuple(c.value for c in Channel),
               "type": ISSUE_TYPES}
    out = {}
    for name, values in spec.items():
        where = f"{key}.{name}"
        if name not in WHEN_KEYS:
            raise FieldError(where, f"unknown condition (expected one of {', '.join(WHEN_KEYS)})")
        items = values if isinstance(values, list) else [values]
        if not items or not all(isinstance(v, str) and v.strip() and len(v) <= 100 for v in items):
            raise FieldError(where, "expected a string or a list of strings")
        unknown = [v for v in items if name in allowed and v not in allowed[name]]
        if unknown:
            raise FieldError(where, f"unknown value {unknown[0]!r} (expected one of {', '.join(allowed[name])})")
        out[name] = frozenset(items)
    return out


def _at_risk(value: object, key: str) -> tuple[float | None, float | None]:
    if value is None:
        return None, None
    if isinstance(value, str) and value.strip().endswith("%"):
        try:
            share = float(value.strip()[:-1]) / 100
        except ValueError:
            raise FieldError(key, "expected a percentage like 20% or a duration like 30m") from None
        if not 0 < share < 1:
            raise FieldError(key, "a percentage between 0% and 100%")
        return share, None
    return None, parse_duration(value, key)


def parse_policy_set(spec: object, source: str) -> PolicySet:
    """Validate an `sla:` mapping; PolicyError lists every problem as 'key: what'."""
    if spec is None:
        return EMPTY
    problems: list[str] = []
    if not isinstance(spec, dict):
        raise PolicyError(["sla: expected a mapping with calendars and policies"])
    for key in sorted(set(spec) - {"calendars", "policies", "satisfaction"}):
        problems.append(f"sla.{key}: unknown key (expected calendars, policies, satisfaction)")
    ask_rating = spec.get("satisfaction", False)
    if not isinstance(ask_rating, bool):
        problems.append("sla.satisfaction: expected true (ask for a rating when resolved) or false")
    calendars: dict[str, BusinessHours | None] = {ALWAYS: None}
    raw_calendars = spec.get("calendars") or {}
    if not isinstance(raw_calendars, dict):
        problems.append("sla.calendars: expected a mapping of calendar name to business hours")
        raw_calendars = {}
    for name, hours in raw_calendars.items():
        where = f"sla.calendars.{name}"
        try:
            calendar = parse_business_hours(str(name), hours, where)
        except FieldError as e:
            problems.append(f"{e.key}: {e.message}")
            continue
        if not has_open_time(calendar):
            problems.append(f"{where}.weekly: the calendar is never open, so no target could ever be met")
            continue
        calendars[str(name)] = calendar
    raw_policies = spec.get("policies") or []
    if not isinstance(raw_policies, list):
        problems.append("sla.policies: expected a list of policies")
        raw_policies = []
    policies, names = [], set()
    for index, raw in enumerate(raw_policies):
        where = f"sla.policies[{index}]"
        try:
            policies.append(_policy(raw, where, calendars, names))
        except FieldError as e:
            problems.append(f"{e.key}: {e.message}")
    if problems:
        raise PolicyError(problems)
    return PolicySet(tuple(policies), source, _jsonable({"calendars": raw_calendars, "policies": raw_policies,
                                                          "satisfaction": ask_rating}), ask_rating is True)


def _jsonable(value: Any) -> Any:
    """YAML reads 2026-10-01 as a date: the spec is kept (and shown by the API) as JSON."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _policy(raw: object, where: str, calendars: dict[str, BusinessHours | None], names: set[str]) -> Policy:
    if not isinstance(raw, dict):
        raise FieldError(where, "expected a mapping with name, when, calendar and targets")
    for key in sorted(set(raw) - set(POLICY_KEYS)):
        raise FieldError(f"{where}.{key}", f"unknown key (expected {', '.join(POLICY_KEYS)})")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        raise FieldError(f"{where}.name", "every policy needs a name (at most 100 characters)")
    if name in names:
        raise FieldError(f"{where}.name", f"another policy is already called {name!r}")
    names.add(name)
    calendar_name = raw.get("calendar", ALWAYS)
    if not isinstance(calendar_name, str) or calendar_name not in calendars:
        raise FieldError(f"{where}.calendar", f"unknown calendar {calendar_name!r} (calendars: {', '.join(calendars)})")
    targets = {clock: parse_duration(raw[clock], f"{where}.{clock}") for clock in CLOCKS if raw.get(clock) is not None}
    if not targets:
        raise FieldError(where, "a policy sets at least one of first_response, next_response, resolution")
    fraction, minutes = _at_risk(raw.get("at_risk"), f"{where}.at_risk")
    return Policy(name, _when(raw.get("when"), f"{where}.when"), calendar_name, calendars[calendar_name], targets,
                  fraction, minutes)


def config_problems(spec: object) -> list[str]:
    """'key: what' lines for the config file's `sla:` section (empty when it is valid)."""
    try:
        parse_policy_set(spec or None, "config")
    except PolicyError as e:
        return e.problems
    return []
