"""Issue #12 item 2 in a real browser: the composer says who a reply goes to, and a stranger's mail that quotes a
ticket sits in a conversation of its own, tagged, with a note naming the ticket."""
from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from inbox.store.schema import conversations
from inbox.api.context import CTX
from tests.ui.conftest import UiEnv
from tests.ui.helpers import email_message, ingest, open_signed_in

try:
    from playwright.async_api import expect
except ImportError:  # the `chromium` fixture skips these tests (fails them with CI=true) and says why
    expect = None

pytestmark = pytest.mark.browser


async def test_composer_names_the_customer_and_the_stranger_is_kept_apart(ui: UiEnv) -> None:
    await ingest(ui, email_message("My withdrawal is pending", None, subject="Withdrawal pending"))
    async with ui.server.app[CTX].engine.connect() as conn:
        cid = (await conn.execute(select(conversations.c.id))).scalar_one()
    ticket = f"#{cid + 10000}"
    stranger = replace(email_message("Send the payout to me instead", None, sender="mallory@evil.example",
                                     subject=f"Re: Withdrawal pending [{ticket}]"), ticket_hint=cid + 10000)
    await ingest(ui, stranger)
    tracked = await open_signed_in(ui)
    page = tracked.page
    await page.locator(".conv-row", has_text="My withdrawal is pending").click()
    await expect(page.locator(".destination")).to_contain_text("Li Lei <li@example.com>")
    await expect(page.locator(".thread .msg")).to_have_count(1)

    await page.locator(".conv-row", has_text="Send the payout").click()
    await expect(page.locator(".destination")).to_contain_text("mallory@evil.example")
    await expect(page.locator(".thread .msg.dir-note")).to_contain_text(ticket)
    await expect(page.locator(".tags .tag", has_text="mentions-ticket")).to_be_visible()
    assert tracked.errors == []
