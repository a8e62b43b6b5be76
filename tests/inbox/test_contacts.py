"""Contacts through the real app: signed app profiles, the contact page, rename (masked), typed email/phone,
manual and automatic merges and their undo, and what other teams' agents and hostile input get."""
from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from aiohttp import ClientSession, WSServerHandshakeError
from sqlalchemy import select, update

from connectors.webchat.identity import profile_hash, user_hash
from inbox.api.context import CTX
from inbox.domain import Channel, IdentityKind
from inbox.store.db import create_engine
from inbox.store.schema import audit, contact_identities, conversations, teams
from tests.inbox.appserver import add_agent, running, settings_for, token_for
from tests.inbox.factories import chat

SECRET = "app-secret"


@dataclass
class Env:
    server: object
    http: ClientSession
    admin: dict[str, str]
    ana: dict[str, str]  # team "payments"
    ben: dict[str, str]  # team "security"

    @property
    def engine(self):  # noqa: ANN201
        return self.server.app[CTX].engine


@pytest.fixture
async def env(db_url: str) -> AsyncIterator[Env]:
    """The app on SQLite and on PostgreSQL (a fresh schema per test)."""
    if db_url.startswith("postgresql"):
        engine = create_engine(db_url)
        async with engine.begin() as conn:
            await conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            await conn.exec_driver_sql("CREATE SCHEMA public")
        await engine.dispose()
    await add_agent(db_url, "boss@example.com", role="admin")
    await add_agent(db_url, "ana@example.com", team="payments")
    await add_agent(db_url, "ben@example.com", team="security")
    async with running(settings_for(db_url, identity_secret=SECRET)) as (server, http):
        heads = [{"Authorization": f"Bearer {await token_for(http, e)}"}
                 for e in ("boss@example.com", "ana@example.com", "ben@example.com")]
        yield Env(server, http, *heads)


async def _say(ws, text: str) -> int:  # noqa: ANN001
    await ws.send_json({"type": "message", "text": text, "client_id": str(uuid.uuid4())})
    while True:
        frame = await ws.receive_json(timeout=5)
        if frame["type"] == "ack":
            return frame["id"]
        assert frame["type"] in ("history", "visitor"), frame


async def chat_as(env: Env, user: str, text: str, **profile: str) -> None:
    query = {"user_id": user, "user_hash": user_hash(SECRET, user)}
    if profile:
        query.update(profile)
        query["profile_hash"] = profile_hash(SECRET, user, profile.get("name", ""), profile.get("email", ""),
                                             profile.get("phone", ""))
    async with env.http.ws_connect("/chat/v1/ws?" + urlencode(query)) as ws:
        await _say(ws, text)


async def email_from(env: Env, address: str, text: str) -> None:
    message = chat(text, address, connector="support-mail", kind=IdentityKind.EMAIL, channel=Channel.EMAIL,
                   thread_key=f"<{uuid.uuid4()}@example.com>")
    [stored] = await env.server.app[CTX].pipeline.ingest([message])
    assert stored is not None


async def contact_of(env: Env, kind: str, value: str) -> int:
    async with env.engine.connect() as conn:
        return (await conn.execute(select(contact_identities.c.contact_id).where(
            contact_identities.c.kind == kind, contact_identities.c.value == value))).scalar_one()


async def page(env: Env, contact_id: int, who: dict[str, str]) -> tuple[int, dict]:
    async with env.http.get(f"/api/v1/contacts/{contact_id}", headers=who) as r:
        return r.status, await r.json()


async def test_signed_profile_names_the_contact_and_links_its_email(env: Env) -> None:
    await chat_as(env, "u-100", "hello", name="Li Lei", email="Li.Lei@Example.com", phone="+86 138 0013 8000")
    contact_id = await contact_of(env, "app", "u-100")
    status, body = await page(env, contact_id, env.admin)
    assert status == 200
    contact = body["contact"]
    assert contact["name"] == "Li Lei"
    kinds = {(i["kind"], i["value"], i["verified"]) for i in contact["identities"]}
    assert {("email", "li.lei@example.com", True), ("phone", "+8613800138000", True)} <= kinds
    # a mail from that address lands on the same contact: one person, two channels
    await email_from(env, "li.lei@example.com", "my withdrawal")
    status, body = await page(env, contact_id, env.admin)
    assert sorted(c["channel"] for c in body["contact"]["conversations"]) == ["email", "webchat"]


async def test_a_wrong_profile_hash_is_refused_and_unsigned_fields_stay_display_only(env: Env) -> None:
    query = {"user_id": "u-1", "user_hash": user_hash(SECRET, "u-1"), "name": "Mallory", "email": "ceo@example.com",
             "profile_hash": profile_hash(SECRET, "u-1", "Mallory", "someone-else@example.com", "")}
    with pytest.raises(WSServerHandshakeError) as refused:
        async with env.http.ws_connect("/chat/v1/ws?" + urlencode(query)):
            pass
    assert refused.value.status == 403
    # newline smuggling cannot move a field boundary
    query = {"user_id": "u-1\nMallory", "user_hash": user_hash(SECRET, "u-1\nMallory"), "profile_hash":
             profile_hash(SECRET, "u-1", "Mallory", "", "")}
    with pytest.raises(WSServerHandshakeError):
        async with env.http.ws_connect("/chat/v1/ws?" + urlencode(query)):
            pass
    # without profile_hash the email is ignored: no identity for ceo@example.com
    await chat_as(env, "u-2", "hi")
    async with env.http.ws_connect("/chat/v1/ws?" + urlencode(
            {"user_id": "u-3", "user_hash": user_hash(SECRET, "u-3"), "email": "ceo@example.com"})) as ws:
        await _say(ws, "hi")
    async with env.engine.connect() as conn:
        assert (await conn.execute(select(contact_identities).where(
            contact_identities.c.value == "ceo@example.com"))).first() is None


async def test_same_verified_email_on_two_channels_merges_and_the_merge_can_be_undone(env: Env) -> None:
    await email_from(env, "wang@example.com", "first by mail")
    mail_contact = await contact_of(env, "email", "wang@example.com")
    await chat_as(env, "u-200", "now in the app", name="Wang Fang", email="wang@example.com")
    app_contact_was = await contact_of(env, "app", "u-200")
    assert app_contact_was == mail_contact  # the younger (app) contact was merged into the older one
    status, body = await page(env, mail_contact, env.admin)
    contact = body["contact"]
    assert sorted(c["channel"] for c in contact["conversations"]) == ["email", "webchat"]
    [merge] = contact["merges"]
    assert merge["actor"] == "auto:email" and merge["unmerged_at"] is None
    async with env.http.post(f"/api/v1/contacts/merges/{merge['id']}/undo", headers=env.ana) as r:
        assert r.status == 200, await r.text()
        restored = (await r.json())["restored_contact_id"]
    assert restored != mail_contact and await contact_of(env, "app", "u-200") == restored
    status, body = await page(env, mail_contact, env.admin)
    assert [c["channel"] for c in body["contact"]["conversations"]] == ["email"]
    async with env.http.post(f"/api/v1/contacts/merges/{merge['id']}/undo", headers=env.ana) as r:
        assert r.status == 409  # once only


async def test_an_agent_typed_email_never_merges_by_itself(env: Env) -> None:
    await chat_as(env, "u-300", "hi")
    typed_on = await contact_of(env, "app", "u-300")
    async with env.http.post(f"/api/v1/contacts/{typed_on}/identities", headers=env.ana,
                             json={"kind": "email", "value": "Zhao@Example.com"}) as r:
        assert r.status == 201, await r.text()
        assert {"kind": "email", "value": "zhao@example.com", "verified": False}.items() <= \
            [i for i in (await r.json())["contact"]["identities"] if i["kind"] == "email"][0].items()
    await chat_as(env, "u-301", "hi", email="zhao@example.com")
    assert await contact_of(env, "app", "u-301") != typed_on


async def test_rename_masks_secrets_and_is_audited(env: Env) -> None:
    await chat_as(env, "u-400", "hi")
    cid = await contact_of(env, "app", "u-400")
    async with env.http.patch(f"/api/v1/contacts/{cid}", headers=env.ana,
                              json={"name": "  Li   4111 1111 1111 1111 "}) as r:
        assert r.status == 200, await r.text()
        name = (await r.json())["contact"]["name"]
    assert "4111" not in name and name.startswith("Li ") and "removed" in name
    async with env.engine.connect() as conn:
        details = [r.detail for r in await conn.execute(select(audit).where(audit.c.action == "contact.rename"))]
    assert details and "4111" not in details[0]
    async with env.http.patch(f"/api/v1/contacts/{cid}", headers=env.ana, json={"name": "Li Na"}) as r:
        assert (await r.json())["contact"]["name"] == "Li Na"


async def test_phone_numbers_are_normalised_and_bad_ones_refused(env: Env) -> None:
    await chat_as(env, "u-500", "hi")
    cid = await contact_of(env, "app", "u-500")
    url = f"/api/v1/contacts/{cid}/identities"
    async with env.http.post(url, headers=env.ana, json={"kind": "phone", "value": "+86 138-0013-8000"}) as r:
        assert r.status == 201
    for bad in ({"kind": "phone", "value": "12345"}, {"kind": "phone", "value": "+" + "9" * 60},
                {"kind": "telegram", "value": "1"}, {"kind": "email", "value": "not-an-address"},
                {"kind": "email", "value": ["x"]}, {"kind": "email"}):
        async with env.http.post(url, headers=env.ana, json=bad) as r:
            assert r.status == 400, bad
    async with env.http.post(url, headers=env.ana, json={"kind": "phone", "value": "+8613800138000"}) as r:
        assert r.status == 409  # the same number written another way
    await chat_as(env, "u-501", "hi")
    other = await contact_of(env, "app", "u-501")
    async with env.http.post(f"/api/v1/contacts/{other}/identities", headers=env.ana,
                             json={"kind": "phone", "value": "+86 (138) 0013 8000"}) as r:
        body = await r.json()
        assert r.status == 409 and body["contact_id"] == cid  # ana may see that contact: she is told which


async def test_manual_merge_moves_everything_and_undo_restores_it(env: Env) -> None:
    await chat_as(env, "u-600", "a")
    await email_from(env, "six@example.com", "b")
    keep, gone = await contact_of(env, "app", "u-600"), await contact_of(env, "email", "six@example.com")
    async with env.http.post(f"/api/v1/contacts/{keep}/merge", headers=env.ana, json={"other": gone}) as r:
        assert r.status == 200, await r.text()
        body = await r.json()
    assert {i["value"] for i in body["contact"]["identities"]} == {"u-600", "six@example.com"}
    assert len(body["contact"]["conversations"]) == 2
    status, gone_page = await page(env, gone, env.admin)
    assert gone_page["contact"]["merged_into"] == keep and gone_page["contact"]["identities"] == []
    async with env.http.post(f"/api/v1/contacts/{keep}/merge", headers=env.ana, json={"other": gone}) as r:
        assert r.status == 409  # already merged away
    async with env.http.post(f"/api/v1/contacts/merges/{body['merge']['id']}/undo", headers=env.ana) as r:
        assert r.status == 200
    assert await contact_of(env, "email", "six@example.com") == gone
    async with env.engine.connect() as conn:
        actions = [r.action for r in await conn.execute(select(audit).order_by(audit.c.id))]
    assert actions[-2:] == ["contact.merge", "contact.unmerge"]


async def test_other_teams_agents_see_only_their_part(env: Env) -> None:
    await chat_as(env, "u-700", "payments question")
    await email_from(env, "seven@example.com", "security question")
    keep, gone = await contact_of(env, "app", "u-700"), await contact_of(env, "email", "seven@example.com")
    async with env.engine.begin() as conn:
        conv_of = {r.contact_id: r.id for r in await conn.execute(select(conversations))}
        for contact_id, team in ((keep, "payments"), (gone, "security")):
            team_id = select(teams.c.id).where(teams.c.name == team).scalar_subquery()
            await conn.execute(update(conversations).where(conversations.c.id == conv_of[contact_id])
                               .values(team_id=team_id))
    assert (await page(env, keep, env.ben))[0] == 404  # as for another team's conversation: existence not told
    await email_from(env, "seven-too@example.com", "also security")
    third = await contact_of(env, "email", "seven-too@example.com")
    async with env.engine.begin() as conn:
        await conn.execute(update(conversations).where(conversations.c.contact_id == third).values(
            team_id=select(teams.c.id).where(teams.c.name == "security").scalar_subquery()))
    async with env.http.post(f"/api/v1/contacts/{gone}/merge", headers=env.admin, json={"other": third}) as r:
        assert r.status == 200
    assert (await page(env, third, env.ana))[0] == 404  # the empty merged-away contact follows the one it went into
    assert (await page(env, third, env.ben))[0] == 200
    async with env.http.post(f"/api/v1/contacts/{keep}/merge", headers=env.ana, json={"other": gone}) as r:
        assert r.status == 404  # ana cannot see the security team's contact, so cannot merge it
    async with env.http.patch(f"/api/v1/contacts/{keep}", headers=env.ben, json={"name": "x"}) as r:
        assert r.status == 404
    async with env.http.post(f"/api/v1/contacts/{keep}/merge", headers=env.admin, json={"other": gone}) as r:
        merge_id = (await r.json())["merge"]["id"]
    status, body = await page(env, keep, env.ben)
    assert status == 200 and [c["channel"] for c in body["contact"]["conversations"]] == ["email", "email"]
    status, body = await page(env, keep, env.ana)
    assert [c["channel"] for c in body["contact"]["conversations"]] == ["webchat"]
    async with env.http.get("/api/v1/contacts?q=seven", headers=env.ana) as r:
        assert [c["id"] for c in (await r.json())["contacts"]] == [keep]
    async with env.http.post(f"/api/v1/contacts/merges/{merge_id}/undo", headers=env.ben) as r:
        assert r.status == 200
    async with env.http.get("/api/v1/contacts?q=u-700", headers=env.ben) as r:
        assert (await r.json())["contacts"] == []


async def test_hostile_input_gets_4xx(env: Env) -> None:
    await chat_as(env, "u-800", "hi")
    cid = await contact_of(env, "app", "u-800")
    async with env.http.get(f"/api/v1/contacts/{cid}") as r:
        assert r.status == 401
    for path in ("/api/v1/contacts/abc", "/api/v1/contacts/99999999999999999999999", "/api/v1/contacts/-1",
                 "/api/v1/contacts/0", "/api/v1/contacts/424242"):
        async with env.http.get(path, headers=env.admin) as r:
            assert r.status == 404, path
    cases = [("patch", f"/api/v1/contacts/{cid}", {"name": ["x"]}), ("patch", f"/api/v1/contacts/{cid}", {"name": "x" * 201}),
             ("patch", f"/api/v1/contacts/{cid}", {"role": "admin"}),
             ("post", f"/api/v1/contacts/{cid}/merge", {"other": "1"}), ("post", f"/api/v1/contacts/{cid}/merge", {"other": True}),
             ("post", f"/api/v1/contacts/{cid}/merge", {"other": 2**70}), ("get", "/api/v1/contacts?q=", None),
             ("get", "/api/v1/contacts?q=" + "x" * 201, None)]
    for method, path, body in cases:
        async with env.http.request(method, path, headers=env.admin, json=body) as r:
            assert 400 <= r.status < 500, (method, path, body, r.status)
    async with env.http.post(f"/api/v1/contacts/{cid}/merge", headers=env.admin, json={"other": cid}) as r:
        assert r.status == 409
    async with env.http.post(f"/api/v1/contacts/{cid}/merge", headers=env.admin, data=b"{not json") as r:
        assert r.status == 400
    async with env.http.get("/api/v1/contacts?q=%25", headers=env.admin) as r:
        assert r.status == 200  # LIKE wildcards are escaped, not an error
    async with env.http.post("/api/v1/contacts/merges/77/undo", headers=env.admin) as r:
        assert r.status == 404


async def test_a_signed_name_names_an_existing_nameless_contact_but_not_a_renamed_one(env: Env) -> None:
    await chat_as(env, "u-900", "before the app sent profiles")
    cid = await contact_of(env, "app", "u-900")
    assert (await page(env, cid, env.admin))[1]["contact"]["name"] is None
    await chat_as(env, "u-900", "now with a profile", name="Zhou Min")
    assert (await page(env, cid, env.admin))[1]["contact"]["name"] == "Zhou Min"
    async with env.http.patch(f"/api/v1/contacts/{cid}", headers=env.ana, json={"name": "Zhou Min (VIP)"}) as r:
        assert r.status == 200
    await chat_as(env, "u-900", "again", name="Zhou M.")
    assert (await page(env, cid, env.admin))[1]["contact"]["name"] == "Zhou Min (VIP)"  # the agent's name stays
