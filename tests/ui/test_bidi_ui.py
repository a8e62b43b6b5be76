"""Right-to-left override characters must not make text display differently from what was stored: in a real
browser, a message, a contact name and a file name carrying U+202E read in logical order, with the control shown
as a mark, and file names are flagged. The customer's demo page does the same."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from yarl import URL

from connectors.webchat.identity import user_hash
from inbox.domain import Attachment, Channel, ContactIdentity, IdentityKind, InboundMessage, Visibility
from tests.ui.conftest import UiEnv
from tests.ui.helpers import customer, ingest, open_signed_in, recv, say

try:
    from playwright.async_api import expect
except ImportError:  # the `chromium` fixture skips these tests (fails them with CI=true) and says why
    expect = None

pytestmark = pytest.mark.browser
RLO = "\u202e"

# Where "fdp.exe" is on screen: True when its first letter is left of its last (stored order), False when the
# override shows it mirrored ("exe.pdf"), None when the text is not there.
IN_LOGICAL_ORDER = """(el) => {
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const i = node.data.indexOf("fdp.exe");
    if (i < 0) continue;
    const at = (k) => { const r = document.createRange(); r.setStart(node, k); r.setEnd(node, k + 1);
                        return r.getBoundingClientRect().left; };
    return at(i) < at(i + 6);
  }
  return null;
}"""


async def test_a_message_with_an_override_renders_in_stored_order_and_is_flagged(ui: UiEnv) -> None:
    async with customer(ui, "rlo-sender") as chat:
        await say(chat, f"please open invoice {RLO}fdp.exe now")
    tracked = await open_signed_in(ui)
    page = tracked.page
    await page.locator(".conv-row").first.click()
    message = page.locator(".thread .msg.dir-inbound")
    await expect(message.locator(".text .bidi-ctl")).to_have_text("⟨RLO⟩")
    assert await message.locator(".text").evaluate(IN_LOGICAL_ORDER) is True
    await expect(message.locator(".bidi-warning")).to_be_visible()
    assert await message.locator(".text").get_attribute("dir") == "auto"
    # the list's preview is isolated and shows the mark too
    row = page.locator(".conv-row").first
    await expect(row.locator(".preview .bidi-ctl")).to_have_text("⟨RLO⟩")
    assert await row.locator(".preview").evaluate(IN_LOGICAL_ORDER) is True
    assert tracked.errors == []


async def test_contact_names_with_bidi_controls_are_isolated_and_show_them(ui: UiEnv) -> None:
    name = f"{RLO}fdp.exe Mallory"
    url = URL("/chat/v1/ws").with_query(user_id="mallory", user_hash=user_hash("app-secret", "mallory"), name=name)
    async with ui.http.ws_connect(str(url)) as chat:
        await recv(chat, "history")
        await say(chat, "hello")
    tracked = await open_signed_in(ui)
    page = tracked.page
    contact = page.locator(".conv-row .contact").first
    await expect(contact.locator(".bidi-ctl")).to_have_text("⟨RLO⟩")
    assert await contact.evaluate("(el) => el.tagName") == "BDI"
    assert await contact.evaluate(IN_LOGICAL_ORDER) is True
    await page.locator(".conv-row").first.click()
    head = page.locator(".conv-head .contact")
    await expect(head.locator(".bidi-ctl")).to_have_text("⟨RLO⟩")
    assert await head.evaluate(IN_LOGICAL_ORDER) is True
    author = page.locator(".thread .msg.dir-inbound .author")
    assert await author.evaluate(IN_LOGICAL_ORDER) is True
    await expect(page.locator(".details .contact-name .bidi-ctl")).to_have_text("⟨RLO⟩")
    await expect(page.locator(".thread .msg .bidi-warning")).to_have_count(0)  # the text itself is plain
    assert tracked.errors == []


async def test_an_attachment_name_with_an_override_is_flagged(ui: UiEnv) -> None:
    await ingest(ui, InboundMessage(
        connector="support-mail", channel=Channel.EMAIL, provider_id=f"<{uuid.uuid4()}@example.com>",
        thread_key=f"<{uuid.uuid4()}@example.com>", visibility=Visibility.PRIVATE,
        sender=ContactIdentity(IdentityKind.EMAIL, "li@example.com", "Li Lei"), text="see the attachment",
        subject="Invoice", sent_at=datetime.now(UTC),
        attachments=(Attachment(f"invoice{RLO}fdp.exe", "application/octet-stream", 3, content=b"MZ!"),
                     Attachment("statement.pdf", "application/pdf", 4, content=b"%PDF"))))
    tracked = await open_signed_in(ui)
    page = tracked.page
    await page.locator(".conv-row").first.click()
    files = page.locator(".thread .attachments li")
    await expect(files).to_have_count(2)
    flagged = files.nth(0)
    await expect(flagged.locator(".bidi-flag")).to_be_visible()
    assert "text-direction" in (await flagged.locator(".bidi-flag").get_attribute("title"))
    await expect(flagged.locator(".bidi-ctl")).to_have_text("⟨RLO⟩")
    assert await flagged.evaluate(IN_LOGICAL_ORDER) is True
    await expect(files.nth(1).locator(".bidi-flag")).to_have_count(0)
    await expect(files.nth(1)).to_contain_text("statement.pdf")
    assert tracked.errors == []


async def test_the_chat_demo_page_shows_overrides_as_marks_and_its_own_origin_may_chat(ui: UiEnv) -> None:
    page = await ui.context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    await page.goto(ui.base_url + "/chat/demo")
    await expect(page.locator("#status")).to_contain_text("online")  # the browser's Origin is the server's own
    await page.fill("#text", f"my file {RLO}fdp.exe")
    await page.click("#send button[type=submit]")
    sent = page.locator("#log li.customer").last
    await expect(sent).not_to_have_class("customer pending")  # acked: stored
    await expect(sent.locator(".bidi-ctl")).to_have_text("⟨RLO⟩")
    assert await sent.evaluate(IN_LOGICAL_ORDER) is True
    assert await sent.get_attribute("dir") == "auto"
    assert errors == []


async def test_an_image_shows_as_a_thumbnail_and_files_link_to_a_download(ui: UiEnv) -> None:
    import io

    from PIL import Image

    picture = io.BytesIO()
    Image.new("RGB", (900, 600), (20, 140, 90)).save(picture, "PNG")
    await ingest(ui, InboundMessage(
        connector="support-mail", channel=Channel.EMAIL, provider_id=f"<{uuid.uuid4()}@example.com>",
        thread_key=f"<{uuid.uuid4()}@example.com>", visibility=Visibility.PRIVATE,
        sender=ContactIdentity(IdentityKind.EMAIL, "li@example.com", "Li Lei"), text="proof of the transfer",
        subject="Withdrawal", sent_at=datetime.now(UTC),
        attachments=(Attachment("transfer.png", "image/png", 0, content=picture.getvalue()),
                     Attachment("page.png", "image/png", 0, content=b"<html><script>alert(1)</script></html>"))))
    tracked = await open_signed_in(ui)
    page = tracked.page
    await page.locator(".conv-row").first.click()
    files = page.locator(".thread .attachments li")
    await expect(files).to_have_count(2)
    thumb = files.nth(0).locator("img")
    await expect(thumb).to_be_visible()
    await page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=await thumb.element_handle())
    assert await thumb.evaluate("(img) => img.naturalWidth") <= 320  # the thumbnail, not the 900 px original
    # HTML named .png: no thumbnail, only a download link
    await expect(files.nth(1).locator("img")).to_have_count(0)
    assert (await files.nth(1).locator("a.attachment-link").get_attribute("href")).endswith("?download=1")
    assert tracked.errors == []
