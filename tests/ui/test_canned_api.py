"""Canned replies API on SQLite and PostgreSQL: create, list, replace, delete, validation, ownership."""
from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from inbox.ui.canned_api import CannedReplyInput, parse_canned
from tests.inbox.appserver import add_agent, running, settings_for, token_for


def test_parse_canned_accepts_cjk_shortcuts_and_lists_every_problem() -> None:
    assert parse_canned({"shortcut": "/提现", "title": " Delay ", "text": "hi", "language": "zh"}) == \
        CannedReplyInput("提现", "Delay", "hi", "zh")
    problems = parse_canned({"shortcut": "has space", "title": "", "text": 3, "language": "fr", "color": "red"})
    assert isinstance(problems, list) and len(problems) == 5
    assert any(p.startswith("shortcut") for p in problems) and any("color" in p for p in problems)


async def test_canned_reply_crud(engine: AsyncEngine, db_url: str) -> None:
    await add_agent(db_url, "ana@example.com")
    await add_agent(db_url, "ben@example.com")
    await add_agent(db_url, "boss@example.com", role="admin")
    async with running(settings_for(db_url)) as (_, http):
        ana = {"Authorization": f"Bearer {await token_for(http, 'ana@example.com')}"}
        ben = {"Authorization": f"Bearer {await token_for(http, 'ben@example.com')}"}
        boss = {"Authorization": f"Bearer {await token_for(http, 'boss@example.com')}"}
        async with http.get("/api/v1/canned-replies") as r:
            assert r.status == 401

        body = {"shortcut": "wd", "title": "Withdrawal delay", "text": "Ticket {ticket} is being checked.",
                "language": "en"}
        async with http.post("/api/v1/canned-replies", json=body, headers=ana) as r:
            assert r.status == 201, await r.text()
            created = (await r.json())["canned_reply"]
        assert created["shortcut"] == "wd" and created["created_by"] is not None
        async with http.post("/api/v1/canned-replies", json=body, headers=ben) as r:
            assert r.status == 409 and (await r.json())["problems"] == ["shortcut: already in use"]
        async with http.post("/api/v1/canned-replies", json={"shortcut": "", "title": "x"}, headers=ben) as r:
            assert r.status == 400 and len((await r.json())["problems"]) == 2

        async with http.put(f"/api/v1/canned-replies/{created['id']}", json={**body, "title": "Changed"},
                            headers=ben) as r:
            assert r.status == 403  # not the author
        async with http.put(f"/api/v1/canned-replies/{created['id']}", json={**body, "title": "Changed"},
                            headers=ana) as r:
            assert r.status == 200 and (await r.json())["canned_reply"]["title"] == "Changed"
        async with http.get("/api/v1/canned-replies", headers=ben) as r:
            assert [c["title"] for c in (await r.json())["canned_replies"]] == ["Changed"]

        async with http.delete(f"/api/v1/canned-replies/{created['id']}", headers=ben) as r:
            assert r.status == 403
        async with http.delete(f"/api/v1/canned-replies/{created['id']}", headers=boss) as r:
            assert r.status == 200
        async with http.get("/api/v1/canned-replies", headers=ana) as r:
            assert (await r.json())["canned_replies"] == []
        async with http.delete("/api/v1/canned-replies/nope", headers=boss) as r:
            assert r.status == 404
