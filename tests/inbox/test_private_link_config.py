"""`inbox.private_link_ttl_days`: documented in the example config, validated, and what the running outbox uses."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from inbox.api.context import CTX
from inbox.config import ConfigError, InboxSettings, parse_settings
from tests.inbox.appserver import running, settings_for


def test_default_is_seven_days_and_the_example_config_says_so() -> None:
    assert InboxSettings().private_link_ttl_days == 7
    example = (Path(__file__).resolve().parents[2] / "config" / "inbox.example.yaml").read_text(encoding="utf-8")
    assert "private_link_ttl_days: 7" in example


@pytest.mark.parametrize("value", ["0", "-1", "never", "1000"])
def test_bad_values_are_refused_by_key(value: str) -> None:
    with pytest.raises(ConfigError) as e:
        parse_settings(f"inbox: {{private_link_ttl_days: {value}}}", "inbox.yaml", {})
    assert any(p.startswith("inbox.yaml: inbox.private_link_ttl_days") for p in e.value.problems), e.value.problems


async def test_the_running_outbox_issues_links_for_the_configured_time(engine, db_url) -> None:  # noqa: ANN001
    settings = settings_for(db_url, inbox=InboxSettings(private_link_ttl_days=0.5))
    async with running(settings) as (server, http):
        assert server.app[CTX].dispatcher.link_ttl == timedelta(hours=12)
