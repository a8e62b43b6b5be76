"""Connector form schemas and the rules dry run, through the real app."""
from __future__ import annotations

import shutil
from pathlib import Path

from inbox.config import RoutingSettings
from inbox.ui.admin_extras import parse_dry_run
from tests.inbox.appserver import add_agent, running, settings_for, token_for

RULES = Path(__file__).resolve().parents[2] / "inbox" / "defaults" / "rules.yaml"


def test_parse_dry_run_names_each_bad_field() -> None:
    problems = parse_dry_run({"text": " ", "channel": "fax", "visibility": "secret", "rules_text": 5})
    assert isinstance(problems, list) and [p.split(":")[0] for p in problems] == \
        ["text", "channel", "visibility", "rules_text"]
    assert parse_dry_run({"text": "x" * 50_001}) == ["text: at most 50000 characters"]


async def test_connector_types_are_admin_only_and_mark_secrets(tmp_path: Path) -> None:
    db_url = f"sqlite+aiosqlite:///{tmp_path}/inbox.db"
    await add_agent(db_url, "ana@example.com")
    await add_agent(db_url, "boss@example.com", role="admin")
    async with running(settings_for(db_url)) as (_, http):
        ana = {"Authorization": f"Bearer {await token_for(http, 'ana@example.com')}"}
        boss = {"Authorization": f"Bearer {await token_for(http, 'boss@example.com')}"}
        async with http.get("/api/v1/connector-types", headers=ana) as r:
            assert r.status == 403
        async with http.get("/api/v1/connector-types", headers=boss) as r:
            types = (await r.json())["types"]
    assert {"email", "telegram", "twitter", "webchat"} <= set(types)
    assert types["telegram"]["properties"]["token"]["writeOnly"] is True
    assert types["email"]["$defs"]["ImapSettings"]["properties"]["password"]["format"] == "password"


async def test_rules_dry_run(tmp_path: Path) -> None:
    db_url = f"sqlite+aiosqlite:///{tmp_path}/inbox.db"
    await add_agent(db_url, "boss@example.com", role="admin")
    async with running(settings_for(db_url)) as (_, http):
        boss = {"Authorization": f"Bearer {await token_for(http, 'boss@example.com')}"}
        async with http.post("/api/v1/rules/dry-run", json={"text": "hi"}, headers=boss) as r:
            assert r.status == 404 and "no rules file" in (await r.json())["error"]

    rules = tmp_path / "rules.yaml"
    shutil.copy(RULES, rules)
    async with running(settings_for(db_url, routing=RoutingSettings(rules=str(rules)))) as (_, http):
        boss = {"Authorization": f"Bearer {await token_for(http, 'boss@example.com')}"}
        sample = {"text": "my account was hacked", "channel": "telegram", "visibility": "private"}
        async with http.post("/api/v1/rules/dry-run", json=sample, headers=boss) as r:
            assert r.status == 200, await r.text()
            result = await r.json()
        fired = [(f["group"], f["rule"]) for f in result["fired"]]
        assert ("triage", "security-to-security-team") in fired
        assert "security" in result["effects"]["add_tags"] and result["effects"]["priority"] == "urgent"

        draft = rules.read_text(encoding="utf-8").replace("escalate: {team: security, priority: urgent",
                                                          "escalate: {team: security, priority: high")
        async with http.post("/api/v1/rules/dry-run", json={**sample, "rules_text": draft}, headers=boss) as r:
            assert (await r.json())["effects"]["priority"] == "high"  # the draft, not the file in force
        async with http.post("/api/v1/rules/dry-run", json={**sample, "rules_text": "groups: [1"},
                             headers=boss) as r:
            assert r.status == 400 and (await r.json())["problems"]
        async with http.post("/api/v1/rules/dry-run", json={"text": ""}, headers=boss) as r:
            assert r.status == 400
        assert "priority: urgent" in rules.read_text(encoding="utf-8")  # a dry run changes nothing
