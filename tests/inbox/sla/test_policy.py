"""SLA policy files: every problem names its key; conditions choose the policy; the config file's section is checked
like every other; migration 0007 matches the schema module and goes down and up again."""
from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from inbox.config import ConfigError, parse_settings
from inbox.sla.policy import Conversationish, PolicyError, parse_policy_set
from inbox.store.db import _alembic_config
from inbox.store.schema import metadata
from tests.inbox.sla.helpers import BEIJING_SPEC

SLA_TABLES = ("conversation_sla", "sla_settings", "sla_cursor", "rating_requests", "satisfaction_ratings",
              "follow_ups", "report_volume", "report_hourly", "report_times", "ix_conversations_updated_at")


def test_every_problem_is_named_by_its_key() -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy_set({
            "calendars": {"shut": {"weekly": {"mon": "closed"}}, "bad": {"timezone": "Mars/Base", "weekly": {"mon": "9-5"}}},
            "policies": [
                {"name": "a", "calendar": "nowhere", "first_response": "1h"},
                {"name": "b", "first_response": "soon"},
                {"name": "c", "when": {"colour": "red"}, "first_response": "1h"},
                {"name": "d", "when": {"priority": "critical"}, "first_response": "1h"},
                {"name": "e"},
                {"name": "f", "first_response": "1h", "at_risk": "150%"},
            ],
            "extra": 1}, "admin")
    problems = "\n".join(caught.value.problems)
    for key in ("sla.extra", "sla.calendars.shut.weekly", "sla.calendars.bad.timezone", "sla.policies[0].calendar",
                "sla.policies[1].first_response", "sla.policies[2].when.colour", "sla.policies[3].when.priority",
                "sla.policies[4]", "sla.policies[5].at_risk"):
        assert key in problems, key


def test_the_first_matching_policy_applies() -> None:
    policy_set = parse_policy_set(BEIJING_SPEC, "config")
    urgent = Conversationish("urgent", "email", None, None, frozenset())
    normal = Conversationish("high", "telegram", "deposit", "red", frozenset({"vip"}))
    assert policy_set.choose(urgent).name == "urgent"
    assert policy_set.choose(normal).name == "normal"
    tagged = parse_policy_set({"policies": [{"name": "vip", "when": {"tag": ["vip"], "team": "red"},
                                             "first_response": 10}]}, "admin")
    assert tagged.choose(normal).targets == {"first_response": 10.0}
    assert tagged.choose(urgent) is None


def test_config_file_section_errors_name_file_and_key() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_settings("sla:\n  policies:\n    - {name: x, first_response: 4 hours}\n", "inbox.yaml", {})
    assert "inbox.yaml: sla.policies[0].first_response" in str(caught.value)
    ok = parse_settings("sla:\n  calendars: {bj: {timezone: Asia/Shanghai, weekly: {mon-fri: '09:00-18:00'},"
                        " holidays: [2026-10-01]}}\n  policies: [{name: x, calendar: bj, first_response: 4h}]\n",
                        "inbox.yaml", {})
    assert ok.sla["policies"][0]["name"] == "x"
    assert parse_policy_set(ok.sla, "config").spec["calendars"]["bj"]["holidays"] == ["2026-10-01"]  # JSON-ready


def _sla_diff(connection) -> list:  # noqa: ANN001
    diff = compare_metadata(MigrationContext.configure(connection), metadata)
    return [d for d in diff if any(name in repr(d) for name in SLA_TABLES)]


async def test_migration_0007_matches_the_schema_and_goes_down_and_up(engine) -> None:  # noqa: ANN001
    async with engine.connect() as conn:
        assert await conn.run_sync(_sla_diff) == []
    async with engine.begin() as conn:
        await conn.run_sync(lambda c: command.downgrade(_alembic_config(c), "0003"))
    async with engine.begin() as conn:
        await conn.run_sync(lambda c: command.upgrade(_alembic_config(c), "head"))
    async with engine.connect() as conn:
        assert await conn.run_sync(_sla_diff) == []
