"""Business hours: a time zone, a weekly schedule and holidays, e.g.

    timezone: Asia/Shanghai
    weekly: {mon-fri: "09:00-18:00", sat: "10:00-14:00"}    # days not named are closed
    holidays: ["2026-10-01", "2026-10-02"]
    display: {en: "Mon–Fri 09:00–18:00 (Beijing time)", zh: "周一至周五 09:00–18:00（北京时间）"}   # optional
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from routing.rules.errors import FieldError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_NAMES = {"en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
              "zh": ("周一", "周二", "周三", "周四", "周五", "周六", "周日")}
_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True, slots=True)
class OpenRange:
    start_minute: int  # minutes after midnight, inclusive
    end_minute: int  # exclusive; 1440 for "24:00"

    def text(self) -> str:
        return f"{self.start_minute // 60:02d}:{self.start_minute % 60:02d}–{self.end_minute // 60:02d}:{self.end_minute % 60:02d}"


@dataclass(frozen=True)
class BusinessHours:
    name: str
    zone: ZoneInfo
    weekly: tuple[tuple[OpenRange, ...], ...]  # index 0 = Monday
    holidays: frozenset[date]
    display: dict[str, str]  # language -> office hours as shown to customers

    def is_open(self, moment: datetime) -> bool:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)  # naive times in this codebase are UTC
        local = moment.astimezone(self.zone)
        if local.date() in self.holidays:
            return False
        minute = local.hour * 60 + local.minute
        return any(span.start_minute <= minute < span.end_minute for span in self.weekly[local.weekday()])

    def office_hours(self, language: str) -> str:
        return self.display.get(language) or self.display["en"]


def _parse_range(text: object, key: str) -> OpenRange:
    match = _RANGE.match(str(text))
    if not match:
        raise FieldError(key, f"expected a time range like \"09:00-18:00\", got {text!r}")
    start_hour, start_minute, end_hour, end_minute = (int(part) for part in match.groups())
    if start_hour > 23 or end_hour > 24 or start_minute > 59 or end_minute > 59 or (end_hour == 24 and end_minute):
        raise FieldError(key, f"not a valid time in {text!r}")
    start, end = start_hour * 60 + start_minute, end_hour * 60 + end_minute
    if end <= start:
        raise FieldError(key, f"range {text!r} ends before it starts (split overnight hours across two days)")
    return OpenRange(start, end)


def _days(key: str, where: str) -> list[int]:
    """"mon" -> [0]; "mon-fri" -> [0..4]."""
    parts = [part.strip().lower()[:3] for part in str(key).split("-")]
    if not all(part in DAYS for part in parts) or len(parts) > 2:
        raise FieldError(where, f"unknown day {key!r} (use mon..sun or a range like mon-fri)")
    first, last = DAYS.index(parts[0]), DAYS.index(parts[-1])
    if last < first:
        raise FieldError(where, f"day range {key!r} runs backwards")
    return list(range(first, last + 1))


def _default_display(weekly: tuple[tuple[OpenRange, ...], ...], zone_name: str) -> dict[str, str]:
    display = {}
    for language, names in _DAY_NAMES.items():
        pieces = []
        day = 0
        while day < 7:
            hours = weekly[day]
            last = day
            while last + 1 < 7 and weekly[last + 1] == hours:
                last += 1
            if hours:
                days = names[day] if day == last else (f"{names[day]}–{names[last]}" if language == "en"
                                                       else f"{names[day]}至{names[last]}")
                pieces.append(f"{days} {', '.join(span.text() for span in hours)}")
            day = last + 1
        joined = "; ".join(pieces) if language == "en" else "，".join(pieces)
        display[language] = f"{joined} ({zone_name})" if language == "en" else f"{joined}（{zone_name}）"
    return display


def parse_business_hours(name: str, spec: object, where: str) -> BusinessHours:
    if not isinstance(spec, dict):
        raise FieldError(where, "expected a mapping with timezone, weekly, holidays")
    unknown = set(spec) - {"timezone", "weekly", "holidays", "display"}
    if unknown:
        raise FieldError(f"{where}.{sorted(unknown)[0]}", "unknown key (expected timezone, weekly, holidays, display)")
    zone_name = spec.get("timezone", "UTC")
    try:
        zone = ZoneInfo(str(zone_name))
    except (ZoneInfoNotFoundError, ValueError):
        raise FieldError(f"{where}.timezone", f"unknown time zone {zone_name!r} (e.g. Asia/Shanghai, UTC)") from None
    weekly_spec = spec.get("weekly")
    if not isinstance(weekly_spec, dict) or not weekly_spec:
        raise FieldError(f"{where}.weekly", 'expected a mapping like {mon-fri: "09:00-18:00"}')
    weekly: list[list[OpenRange]] = [[] for _ in DAYS]
    for day_key, hours in weekly_spec.items():
        day_where = f"{where}.weekly.{day_key}"
        if hours in ("closed", None, False, []):
            continue
        ranges = [_parse_range(text, day_where) for text in (hours if isinstance(hours, list) else [hours])]
        for day in _days(day_key, day_where):
            weekly[day].extend(ranges)
    holidays = set()
    for position, value in enumerate(spec.get("holidays") or []):
        try:
            holidays.add(value if isinstance(value, date) else date.fromisoformat(str(value)))
        except ValueError:
            raise FieldError(f"{where}.holidays[{position}]", f"expected a date like 2026-10-01, got {value!r}") from None
    frozen_weekly = tuple(tuple(sorted(day, key=lambda span: span.start_minute)) for day in weekly)
    display = _default_display(frozen_weekly, str(zone_name))
    given = spec.get("display") or {}
    if not isinstance(given, dict) or not all(isinstance(text, str) for text in given.values()):
        raise FieldError(f"{where}.display", 'expected {en: "...", zh: "..."}')
    display.update(given)
    return BusinessHours(name, zone, frozen_weekly, frozenset(holidays), display)
