"""Routing rules through the whole inbox: the default rule set assigns and prioritises, reasons show in the API,
and an edit to the rules file changes routing within seconds, without a restart; a bad edit keeps the old rules."""
from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from connectors.webchat.identity import user_hash
from inbox.config import RoutingSettings
from tests.inbox.appserver import add_agent, running, settings_for, token_for
from tests.integration.helpers import conversations, eventually

RULES = Path(__file__).resolve().parents[2] / "inbox" / "defaults" / "rules.yaml"
EXTRA_RULE = """
  - name: vip-watch
    rules:
      - name: tag-vip
        when: {text_contains: "VIP"}
        then:
          - add_tag: vip
"""


async def _say(http, user: str, text: str) -> None:  # noqa: ANN001
    async with http.ws_connect(f"/chat/v1/ws?user_id={user}&user_hash={user_hash('app-secret', user)}") as ws:
        await ws.receive_json()  # history
        await ws.send_json({"type": "message", "text": text, "client_id": f"{user}-1"})
        while (await ws.receive_json())["type"] != "ack":
            pass


async def test_default_rules_route_and_edits_apply_live(engine, db_url, tmp_path) -> None:  # noqa: ANN001
    rules = tmp_path / "rules.yaml"
    shutil.copy(RULES, rules)
    await add_agent(db_url, "sec@example.com", team="security")
    await add_agent(db_url, "boss@example.com", role="admin")
    async with running(settings_for(db_url, routing=RoutingSettings(rules=str(rules)))) as (server, http):
        token = await token_for(http, "boss@example.com")
        await _say(http, "u1", "my account was hacked, someone stole all my USDT, unauthorised transfer!")
        [conv] = await eventually(lambda: conversations(http, token), what="the conversation")
        assert conv["type"] == "security" and conv["priority"] == "urgent" and conv["team"] == "security"
        assert conv["assignee"]["email"] == "sec@example.com"  # round robin among the team's available agents
        assert conv["type_reasons"]
        async with http.get(f"/api/v1/conversations/{conv['id']}/audit",
                            headers={"Authorization": f"Bearer {token}"}) as r:
            actors = {a["actor"] for a in (await r.json())["audit"]}
        assert any(a.startswith("rule:") for a in actors)

        # An admin adds a rule by editing the file: it applies to the next message, no restart.
        await asyncio.sleep(1.1)  # the holder looks at the file at most once a second
        rules.write_text(rules.read_text(encoding="utf-8") + EXTRA_RULE, encoding="utf-8")
        await asyncio.sleep(1.1)
        await _say(http, "u2", "I am a VIP customer, how do I change my phone number?")
        tagged = await eventually(lambda: _with_tag(http, token, "vip"), what="the new rule to tag")
        assert len(tagged) == 1

        # A broken edit keeps the rules that were running; the error is visible to admins.
        rules.write_text("groups: [ {name: oops, rules: [ {name: x, then: [ {explode: 1} ] } ] } ]\n", encoding="utf-8")
        await asyncio.sleep(1.1)
        await _say(http, "u3", "VIP here, where is my deposit?")
        await eventually(lambda: _with_tag_count(http, token, "vip", 2), what="old rules still applied")
        async with http.get("/api/v1/rules", headers={"Authorization": f"Bearer {token}"}) as r:
            assert (await r.json())["last_error"]


async def _with_tag(http, token, tag):  # noqa: ANN001, ANN202
    return await conversations(http, token, tag=tag)


async def _with_tag_count(http, token, tag, n):  # noqa: ANN001, ANN202
    return len(await conversations(http, token, tag=tag)) == n
