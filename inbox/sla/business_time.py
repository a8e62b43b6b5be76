"""Business time on a calendar: add minutes of open time to an instant, and count open minutes between two.

A calendar is a `routing.rules.schedule.BusinessHours` (time zone, weekly periods, holidays) or None for 24/7.
Every open period is turned into a pair of UTC instants from its local wall-clock bounds, so a day with a DST
change counts the hours that really pass (a 01:00–04:00 period on a spring-forward night is two hours long).

No library fits: `businesstime`/`workalendar` know national holidays but not several periods a day in an arbitrary
zone with the admin's own holiday list; this is small enough to own and test exhaustively.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta, timezone

from routing.rules.schedule import BusinessHours

MAX_DAYS = 3 * 366  # a target beyond three years of open time is a configuration error, not a loop
_MINUTE = timedelta(minutes=1)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)  # naive times in this codebase are UTC
    return moment.astimezone(timezone.utc)


def _local_instant(calendar: BusinessHours, day: date, minute: int) -> datetime:
    """The UTC instant of a wall-clock minute of a local day (1440 = the next day's midnight). A wall time that
    doesn't exist (the skipped hour) is read with the offset before the change, as zoneinfo's fold=0 does."""
    if minute >= 1440:
        day, minute = day + timedelta(days=1), minute - 1440
    local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=calendar.zone)
    return local.astimezone(timezone.utc)


def has_open_time(calendar: BusinessHours | None) -> bool:
    return calendar is None or any(calendar.weekly)


def open_periods(calendar: BusinessHours | None, start: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Open periods (UTC start, end) in time order, clipped to begin no earlier than `start`; ends after MAX_DAYS."""
    start = _utc(start)
    if calendar is None:
        yield start, start + timedelta(days=MAX_DAYS)
        return
    day = start.astimezone(calendar.zone).date() - timedelta(days=1)  # yesterday's period may still be open
    last = day + timedelta(days=MAX_DAYS)
    while day <= last:
        for begin, end in _day_periods(calendar, day):
            if end <= start:
                continue
            yield max(begin, start), end
        day += timedelta(days=1)


# Open periods of a local day, as UTC instants: the tracker asks for the same days again and again (every
# conversation of the week), and working them out is most of its time. Keyed by the calendar object, which is
# kept alive by its entry; cleared when large (a policy reload makes new calendars).
_PERIODS: dict[tuple[int, date], tuple[BusinessHours, tuple[tuple[datetime, datetime], ...]]] = {}
_PERIODS_MAX = 100_000


def _day_periods(calendar: BusinessHours, day: date) -> tuple[tuple[datetime, datetime], ...]:
    key = (id(calendar), day)
    hit = _PERIODS.get(key)
    if hit is not None and hit[0] is calendar:
        return hit[1]
    periods: list[tuple[datetime, datetime]] = []
    if day not in calendar.holidays:
        for span in calendar.weekly[day.weekday()]:
            begin = _local_instant(calendar, day, span.start_minute)
            end = _local_instant(calendar, day, span.end_minute)
            if end > begin:
                periods.append((begin, end))
    if len(_PERIODS) >= _PERIODS_MAX:
        _PERIODS.clear()
    _PERIODS[key] = (calendar, tuple(periods))
    return _PERIODS[key][1]


def add_business_minutes(calendar: BusinessHours | None, start: datetime, minutes: float) -> datetime:
    """The instant when `minutes` of open time have passed since `start` (0: the next open instant, or `start` if
    open). Raises ValueError when the calendar has no open time within MAX_DAYS."""
    if minutes < 0:
        raise ValueError("minutes must not be negative")
    remaining = timedelta(minutes=minutes)
    for begin, end in open_periods(calendar, start):
        length = end - begin
        if remaining <= length:
            return begin + remaining
        remaining -= length
    raise ValueError("the calendar has no open time to reach this target")


def business_minutes_between(calendar: BusinessHours | None, start: datetime, end: datetime) -> float:
    """Open minutes in [start, end); 0 when end is not after start."""
    start, end = _utc(start), _utc(end)
    if end <= start:
        return 0.0
    total = timedelta()
    for begin, finish in open_periods(calendar, start):
        if begin >= end:
            break
        total += min(finish, end) - begin
    return total / _MINUTE


Interval = tuple[datetime, datetime | None]  # a pause: start, end (None: still paused)


def add_with_pauses(calendar: BusinessHours | None, start: datetime, minutes: float,
                    pauses: list[Interval]) -> datetime | None:
    """Like add_business_minutes, but the clock stands still during `pauses`. None: the clock is paused now and
    the target is not reached before the pause began (no due time while waiting)."""
    cursor, remaining = _utc(start), float(minutes)
    for pause_start, pause_end in sorted(pauses, key=lambda p: p[0]):
        pause_start = _utc(pause_start)
        if pause_end is not None and _utc(pause_end) <= cursor:
            continue
        if pause_start > cursor:
            candidate = add_business_minutes(calendar, cursor, remaining)
            if candidate <= pause_start:
                return candidate
            remaining -= business_minutes_between(calendar, cursor, pause_start)
        if pause_end is None:
            return None
        cursor = max(cursor, _utc(pause_end))
    return add_business_minutes(calendar, cursor, max(remaining, 0.0))


def elapsed_with_pauses(calendar: BusinessHours | None, start: datetime, end: datetime,
                        pauses: list[Interval]) -> float:
    """Open minutes in [start, end) outside the pauses (a first-response or resolution time as reports show it)."""
    total = business_minutes_between(calendar, start, end)
    for pause_start, pause_end in pauses:
        lo = max(_utc(pause_start), _utc(start))
        hi = min(_utc(pause_end) if pause_end is not None else _utc(end), _utc(end))
        if hi > lo:
            total -= business_minutes_between(calendar, lo, hi)
    return max(total, 0.0)
