"""The composer's attach button in a real browser: pick a file, it uploads, the reply carries it, the thread shows
it with a download link (issue 18, part 3)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from inbox.api.context import CTX
from inbox.store.schema import messages
from tests.ui.conftest import UiEnv
from tests.ui.helpers import email_message, ingest, open_signed_in

try:
    from playwright.async_api import expect
except ImportError:  # the `chromium` fixture skips these tests (fails them with CI=true) and says why
    expect = None

pytestmark = pytest.mark.browser


async def test_an_agent_attaches_a_file_to_a_reply(ui: UiEnv) -> None:
    await ingest(ui, email_message("please send my statement", None))
    tracked = await open_signed_in(ui)
    page = tracked.page
    await page.locator(".conv-row").first.click()
    await page.locator(".composer .attach-input").set_input_files(
        files=[{"name": "statement.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 statement"}])
    await expect(page.locator(".composer .composer-files li")).to_contain_text("statement.pdf")
    await page.locator(".composer textarea.draft").fill("Here is your statement")
    await page.locator(".composer button.send").click()
    outbound = page.locator(".thread .msg.dir-outbound").last
    await expect(outbound.locator(".attachments a.attachment-link")).to_contain_text("statement.pdf")
    await expect(page.locator(".composer .composer-files li")).to_have_count(0)
    engine = ui.server.app[CTX].engine
    async with engine.connect() as conn:
        stored = (await conn.execute(select(messages.c.attachments).where(messages.c.direction == "outbound")
                                     .order_by(messages.c.id.desc()).limit(1))).scalar_one()
    assert stored[0]["name"] == "statement.pdf" and stored[0]["content_type"] == "application/pdf"
    assert tracked.errors == []
