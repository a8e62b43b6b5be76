"""In the browser: a reply the guard refuses says why and keeps the draft; an interrupted reply says so and can be
resent; the customer's chat page shows a re-pushed reply once (issue #12 items 7 and 9)."""
from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select, update

from inbox.api.context import CTX
from inbox.domain import Channel, ContactIdentity, IdentityKind, OutboundMessage, Visibility
from inbox.outbox import INTERRUPTED
from inbox.store.db import create_engine
from inbox.store.schema import conversations, messages, outbox
from tests.ui.conftest import UiEnv
from tests.ui.helpers import customer, open_signed_in, recv, say

try:
    from playwright.async_api import expect
except ImportError:  # the `chromium` fixture skips these tests (fails them with CI=true) and says why
    expect = None

pytestmark = pytest.mark.browser
SEED = "abandon amount liar amount expire adjust cage candy arch gather drum buyer"  # valid BIP-39 checksum


async def test_refused_reply_shows_why_and_keeps_the_draft(ui: UiEnv) -> None:
    async with customer(ui, "carol") as chat:
        await say(chat, "I forgot my wallet password")
        tracked = await open_signed_in(ui)
        page = tracked.page
        await page.locator(".conv-row", has_text="I forgot my wallet").click()
        draft = f"Here is the phrase to restore it: {SEED}"
        await page.fill("textarea.draft", draft)
        await page.click("button.send")  # at once, before the preview: the send's own answer must say why
        refusal = page.locator(".guard-item.refused")
        await expect(refusal).to_contain_text("Will not be sent")
        await expect(refusal).to_contain_text("seed phrase")
        await expect(page.locator(".toast.error")).to_contain_text("Not sent")
        await expect(page.locator("textarea.draft")).to_have_value(draft)
        await expect(page.locator(".thread .msg.dir-outbound")).to_have_count(0)
        assert SEED.split()[3] + " " + SEED.split()[4] not in await page.locator(".guard").inner_text()
        with pytest.raises(asyncio.TimeoutError):
            await recv(chat, "message", timeout=0.5)  # nothing reached the customer
    assert tracked.errors == []


async def test_interrupted_reply_is_shown_and_can_be_resent(ui: UiEnv) -> None:
    async with customer(ui, "dave") as chat:
        await say(chat, "where is my deposit")
        tracked = await open_signed_in(ui)
        page = tracked.page
        await page.locator(".conv-row", has_text="where is my deposit").click()
        await page.fill("textarea.draft", "It arrived, please check")
        await page.click("button.send")
        sent = await recv(chat, "message")
        await expect(page.locator(".thread .msg.dir-outbound .delivery")).to_have_text("sent")
        # What a restart leaves on a channel that cannot be re-pushed: failed, flagged interrupted.
        engine = create_engine(ui.db_url)
        try:
            async with engine.begin() as conn:
                await conn.execute(update(messages).where(messages.c.id == sent["id"]).values(
                    status="failed", error=INTERRUPTED, flags=["interrupted"], provider_id=None))
                await conn.execute(update(outbox).where(outbox.c.message_id == sent["id"]).values(state="failed"))
        finally:
            await engine.dispose()
        await page.reload()
        await page.locator(".conv-row", has_text="where is my deposit").click()
        notice = page.locator(".thread .msg.dir-outbound .error.interrupted")
        await expect(notice).to_contain_text("Interrupted by a restart")
        await notice.locator("button.resend").click()
        again = await recv(chat, "message")
        assert again["id"] == sent["id"] and again["text"] == "It arrived, please check"
        await expect(page.locator(".thread .msg.dir-outbound .delivery")).to_have_text("sent")
        await expect(page.locator(".thread .msg.dir-outbound .error")).to_have_count(0)
    assert tracked.errors == []


async def test_chat_page_shows_a_re_pushed_reply_once(ui: UiEnv) -> None:
    page = await ui.context.new_page()
    await page.goto(ui.base_url + "/chat/demo")
    await page.fill("#text", "hello from the demo page")
    await page.press("#text", "Enter")
    await expect(page.locator("#log li.customer:not(.pending)")).to_have_count(1)
    app = ui.server.app[CTX]
    engine = create_engine(ui.db_url)
    try:
        async with engine.connect() as conn:
            thread_key = (await conn.execute(select(conversations.c.thread_key))).scalar_one()
    finally:
        await engine.dispose()
    connector = app.supervisor.get("app-chat")
    reply = OutboundMessage(idempotency_key="k-1", connector="app-chat", channel=Channel.WEBCHAT,
                            thread_key=thread_key, visibility=Visibility.PRIVATE,
                            recipient=ContactIdentity(IdentityKind.VISITOR, "visitor"), text="pushed twice",
                            ticket="#10001", message_id=987654)
    await connector.send(reply)
    await connector.send(reply)  # the re-push after a restart: same message id
    await expect(page.locator("#log li.agent", has_text="pushed twice")).to_have_count(1)
    await page.wait_for_timeout(300)
    await expect(page.locator("#log li.agent", has_text="pushed twice")).to_have_count(1)
