"""Business time across weekends, holidays, several periods a day, time zones and DST changes.

Expected values are written out by hand from a calendar, and a brute-force check walks minute by minute with
`BusinessHours.is_open` (the rules engine's own, independent reading of the schedule).
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from inbox.sla.business_time import (
    add_business_minutes,
    add_with_pauses,
    business_minutes_between,
    elapsed_with_pauses,
)
from routing.rules.schedule import parse_business_hours

UTC = timezone.utc
SH = ZoneInfo("Asia/Shanghai")
NY = ZoneInfo("America/New_York")
BEIJING = parse_business_hours("beijing", {"timezone": "Asia/Shanghai", "weekly": {"mon-fri": "09:00-18:00"},
                                           "holidays": ["2026-10-01", "2026-10-02"]}, "t")
SPLIT = parse_business_hours("split", {"timezone": "Asia/Shanghai",
                                       "weekly": {"mon-fri": ["09:00-12:00", "13:30-18:00"], "sat": "10:00-14:00"}},
                             "t")
NEW_YORK = parse_business_hours("ny", {"timezone": "America/New_York", "weekly": {"mon-sun": "00:00-24:00"}}, "t")
NY_NIGHT = parse_business_hours("nynight", {"timezone": "America/New_York", "weekly": {"mon-sun": "01:00-04:00"}}, "t")


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


def test_friday_afternoon_target_lands_on_monday_morning() -> None:
    # 2026-12-04 is a Friday: 1 h left that day, the other 3 h from Monday 09:00.
    assert add_business_minutes(BEIJING, sh(2026, 12, 4, 17, 0), 240) == sh(2026, 12, 7, 12, 0)


def test_message_at_night_starts_the_clock_at_opening() -> None:
    assert add_business_minutes(BEIJING, sh(2026, 12, 1, 23, 30), 15) == sh(2026, 12, 2, 9, 15)
    assert add_business_minutes(BEIJING, sh(2026, 12, 5, 11, 0), 0) == sh(2026, 12, 7, 9, 0)  # Saturday -> Monday


def test_holidays_are_skipped() -> None:
    # Wed 2026-09-30 17:00 + 2 h: 1 h on Wednesday, Thu/Fri are holidays, then Monday 2026-10-05 10:00.
    assert add_business_minutes(BEIJING, sh(2026, 9, 30, 17, 0), 120) == sh(2026, 10, 5, 10, 0)
    assert business_minutes_between(BEIJING, sh(2026, 9, 30, 17, 0), sh(2026, 10, 5, 10, 0)) == 120


def test_several_periods_a_day_and_saturday_hours() -> None:
    assert add_business_minutes(SPLIT, sh(2026, 12, 1, 11, 30), 60) == sh(2026, 12, 1, 14, 0)  # lunch skipped
    assert add_business_minutes(SPLIT, sh(2026, 12, 4, 17, 0), 120) == sh(2026, 12, 5, 11, 0)  # Fri -> Sat
    assert business_minutes_between(SPLIT, sh(2026, 12, 1, 0, 0), sh(2026, 12, 2, 0, 0)) == 450


def test_the_calendar_zone_decides_not_the_callers() -> None:
    # 01:30 UTC on a Monday is 09:30 in Beijing: open.
    start = datetime(2026, 12, 7, 1, 30, tzinfo=UTC)
    assert add_business_minutes(BEIJING, start, 30) == datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


def test_round_the_clock_is_plain_time() -> None:
    start = datetime(2026, 3, 8, 5, 0, tzinfo=UTC)
    assert add_business_minutes(None, start, 15) == start + timedelta(minutes=15)
    assert business_minutes_between(None, start, start + timedelta(days=2)) == 2880


def test_dst_spring_forward_day_is_23_hours_long() -> None:
    day_start = datetime(2026, 3, 8, tzinfo=NY)  # US clocks go 02:00 -> 03:00 that night
    next_day = datetime(2026, 3, 9, tzinfo=NY)
    assert business_minutes_between(NEW_YORK, day_start, next_day) == 23 * 60
    fall = datetime(2026, 11, 1, tzinfo=NY)  # and back 02:00 -> 01:00: a 25-hour day
    assert business_minutes_between(NEW_YORK, fall, datetime(2026, 11, 2, tzinfo=NY)) == 25 * 60


def test_dst_inside_an_open_period() -> None:
    # 01:00-04:00 local on the spring-forward night: 2 real hours; on the fall-back night: 4.
    assert business_minutes_between(NY_NIGHT, datetime(2026, 3, 8, tzinfo=NY), datetime(2026, 3, 8, 12, tzinfo=NY)) == 120
    assert business_minutes_between(NY_NIGHT, datetime(2026, 11, 1, tzinfo=NY), datetime(2026, 11, 1, 12, tzinfo=NY)) == 240
    # 01:00 EST (06:00 UTC) + 90 min lands at 03:30 EDT (07:30 UTC).
    assert add_business_minutes(NY_NIGHT, datetime(2026, 3, 8, 6, 0, tzinfo=UTC), 90) == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)


def test_a_calendar_with_no_open_time_is_an_error() -> None:
    closed = parse_business_hours("closed", {"weekly": {"mon": "closed"}}, "t")
    with pytest.raises(ValueError):
        add_business_minutes(closed, datetime(2026, 1, 1, tzinfo=UTC), 1)


def test_pauses_stop_the_clock() -> None:
    start = sh(2026, 12, 1, 9, 0)  # Tuesday
    pause = (sh(2026, 12, 1, 10, 0), sh(2026, 12, 1, 15, 0))  # waiting on the customer for 5 business hours
    assert add_with_pauses(BEIJING, start, 240, [pause]) == sh(2026, 12, 1, 18, 0)
    assert add_with_pauses(BEIJING, start, 240, [(sh(2026, 12, 1, 10, 0), None)]) is None  # paused now: no due
    assert add_with_pauses(BEIJING, start, 30, [(sh(2026, 12, 1, 10, 0), None)]) == sh(2026, 12, 1, 9, 30)
    assert elapsed_with_pauses(BEIJING, start, sh(2026, 12, 1, 18, 0), [pause]) == 240
    # A pause that starts before the clock (pending, then the customer wrote) only counts from the start.
    assert add_with_pauses(BEIJING, start, 60, [(sh(2026, 11, 30, 9, 0), sh(2026, 12, 1, 9, 30))]) == sh(2026, 12, 1, 10, 30)


@pytest.mark.parametrize("calendar", [BEIJING, SPLIT], ids=["beijing", "split"])
def test_against_a_minute_by_minute_walk(calendar) -> None:  # noqa: ANN001
    rng = random.Random(17)
    for _ in range(40):
        start = datetime(2026, 9, 25, tzinfo=UTC) + timedelta(minutes=rng.randrange(0, 20 * 1440))
        minutes = rng.randrange(1, 1200)
        got = add_business_minutes(calendar, start, minutes)
        # Counting open minutes one by one from start must reach `minutes` exactly at `got`.
        counted, moment = 0, start
        while moment < got:
            counted += calendar.is_open(moment)
            moment += timedelta(minutes=1)
        assert counted == minutes, (start, minutes, got)
        assert calendar.is_open(got - timedelta(minutes=1))
        assert business_minutes_between(calendar, start, got) == minutes
