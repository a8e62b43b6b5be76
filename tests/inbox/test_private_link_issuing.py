"""How the outbox issues a private link when the platform refuses a private message: who it is bound to, how long it
lives, and that the posted notice is stored without its token."""
from __future__ import annotations

import asyncio
import re
from collections import deque
from datetime import timedelta

from sqlalchemy import insert, select

from connectors.base import PrivateChannelRefused
from inbox.domain import Channel, IdentityKind, Visibility, utcnow
from inbox.events import EventBus
from inbox.outbox import OutboxDispatcher
from inbox.pipeline.core import Pipeline
from inbox.private_links import token_hash
from inbox.replies import enqueue_reply
from inbox.store.schema import contact_identities, conversations, messages, private_links
from tests.inbox.factories import chat
from tests.inbox.scripted_connector import ScriptedConfig, ScriptedConnector


class NoDeepLink(ScriptedConnector):
    """A platform with no private link of its own: the in-app chat link is posted instead."""

    def private_link(self, token: str) -> str | None:
        return None


async def _refused_reply(engine, connector: ScriptedConnector, *, app_user: str | None = None,  # noqa: ANN001
                         ttl: timedelta = timedelta(days=7)) -> tuple[int, str]:
    """Zoe's public post, a private reply the platform refuses; returns (conversation id, posted notice text)."""
    ScriptedConnector.reset()
    [mid] = await Pipeline(engine, EventBus()).ingest([
        chat("help, wrong fee", "zoe", connector="tg", channel=Channel.TELEGRAM, kind=IdentityKind.TELEGRAM,
             visibility=Visibility.PUBLIC, thread_key="group:1:user:zoe")])
    async with engine.begin() as conn:
        cid = (await conn.execute(select(messages.c.conversation_id).where(messages.c.id == mid))).scalar_one()
        if app_user:  # Zoe is also known as a signed user of the wallet app
            contact = (await conn.execute(select(conversations.c.contact_id).where(
                conversations.c.id == cid))).scalar_one()
            await conn.execute(insert(contact_identities).values(contact_id=contact, kind="app", value=app_user))
        await enqueue_reply(conn, cid, "your tx 0xabc is pending", Visibility.PRIVATE, utcnow(),
                            private_link_fallback=True)
    ScriptedConnector.send_script["tg"] = deque([PrivateChannelRefused("403 bot can't initiate conversation")])
    d = OutboxDispatcher(engine, EventBus(), {"tg": connector}.get, "http://inbox.test", link_ttl=ttl)
    await d.start()
    try:
        for _ in range(200):
            if ScriptedConnector.sent:
                break
            await asyncio.sleep(0.05)
        for _ in range(100):  # the notice row is marked sent (and masked) just after the send
            async with engine.connect() as conn:
                status = (await conn.execute(select(messages.c.status).where(
                    messages.c.reason == "guard:private_link"))).scalar()
            if status == "sent":
                break
            await asyncio.sleep(0.05)
    finally:
        await d.stop()
    [notice] = ScriptedConnector.sent
    return cid, notice.text


async def _link_row(engine, token: str):  # noqa: ANN001, ANN202
    async with engine.connect() as conn:
        return (await conn.execute(select(private_links).where(private_links.c.token_hash == token_hash(token)))).one()


async def test_a_deep_link_is_bound_to_the_public_posts_author_and_expires_after_the_ttl(engine) -> None:  # noqa: ANN001
    cid, notice = await _refused_reply(engine, ScriptedConnector("tg", ScriptedConfig(), None),
                                       ttl=timedelta(days=2))
    token = re.search(r"start\?t=([A-Za-z0-9_-]+)", notice).group(1)
    row = await _link_row(engine, token)
    assert (row.for_kind, row.for_value, row.conversation_id) == ("telegram", "zoe", cid)
    assert row.expires_at - row.created_at == timedelta(days=2)
    async with engine.connect() as conn:
        stored = (await conn.execute(select(messages.c.text).where(messages.c.reason == "guard:private_link"))).one()
    assert token not in stored.text and "[private link]" in stored.text


async def test_a_chat_link_is_a_first_claim_link_when_no_signed_identity_is_known(engine) -> None:  # noqa: ANN001
    _, notice = await _refused_reply(engine, NoDeepLink("tg", ScriptedConfig(), None))
    token = re.search(r"http://inbox\.test/chat/demo\?link=([A-Za-z0-9_-]+)", notice).group(1)
    row = await _link_row(engine, token)
    assert row.for_kind is None and row.bound_kind is None


async def test_a_chat_link_is_bound_to_the_customers_signed_app_identity(engine) -> None:  # noqa: ANN001
    cid, notice = await _refused_reply(engine, NoDeepLink("tg", ScriptedConfig(), None), app_user="zoe-app")
    token = re.search(r"/chat/demo\?link=([A-Za-z0-9_-]+)", notice).group(1)
    assert tuple((await _link_row(engine, token))[2:4]) == ("app", "zoe-app")
    p = Pipeline(engine, EventBus())
    # A visitor who got hold of the link does not join; Zoe signed in to the app does.
    [stranger] = await p.ingest([chat("hi", "v1", kind=IdentityKind.VISITOR, thread_key="visitor:v1",
                                      link_token=token)])
    [zoe] = await p.ingest([chat("hi", "zoe-app", kind=IdentityKind.APP, thread_key="app:zoe-app", link_token=token)])
    async with engine.connect() as conn:
        convs = dict((await conn.execute(select(messages.c.id, messages.c.conversation_id).where(
            messages.c.id.in_([stranger, zoe])))).all())
    assert convs[zoe] == cid and convs[stranger] != cid


async def test_a_refusal_after_the_customer_opened_a_private_chat_goes_there_not_to_a_new_link(engine) -> None:  # noqa: ANN001
    """The race: the send was in flight when Zoe's link bound (the pipeline requeued what was waiting, not this)."""
    from inbox.domain import ContactIdentity
    from inbox.private_links import new_token, record_link
    from inbox.store.schema import outbox

    ScriptedConnector.reset()
    p = Pipeline(engine, EventBus())
    [mid] = await p.ingest([chat("help, wrong fee", "zoe", connector="tg", channel=Channel.TELEGRAM,
                                 kind=IdentityKind.TELEGRAM, visibility=Visibility.PUBLIC,
                                 thread_key="group:1:user:zoe")])
    token = new_token()
    async with engine.begin() as conn:
        cid = (await conn.execute(select(messages.c.conversation_id).where(messages.c.id == mid))).scalar_one()
        reply = await enqueue_reply(conn, cid, "your tx 0xabc is pending", Visibility.PRIVATE, utcnow(),
                                    private_link_fallback=True)
        await conn.execute(outbox.update().where(outbox.c.id == reply.outbox_id).values(state="sending"))
        await record_link(conn, token, cid, utcnow(), for_identity=ContactIdentity(IdentityKind.TELEGRAM, "zoe"))
    await p.ingest([chat(f"/start {token}", "zoe", connector="tg", channel=Channel.TELEGRAM,
                         kind=IdentityKind.TELEGRAM, thread_key="chat:zoe", link_token=token)])
    d = OutboxDispatcher(engine, EventBus(), {"tg": ScriptedConnector("tg", ScriptedConfig(), None)}.get,
                         "http://inbox.test")
    async with engine.connect() as conn:
        row = (await conn.execute(select(outbox).where(outbox.c.id == reply.outbox_id))).one()
    await d._refused(row, "403 bot can't initiate conversation", ContactIdentity(IdentityKind.TELEGRAM, "zoe"))
    async with engine.connect() as conn:
        state = (await conn.execute(select(outbox.c.state).where(outbox.c.id == reply.outbox_id))).scalar_one()
        links = (await conn.execute(select(private_links.c.token_hash))).scalars().all()
        notices = (await conn.execute(select(messages.c.id).where(messages.c.reason == "guard:private_link"))).all()
    assert state == "queued" and links == [token_hash(token)] and notices == []
