"""One session per browser (issue #20 item 4) without a token in any URL (issue #12 item 5), in a real browser."""
from __future__ import annotations

import re

import pytest

from tests.ui.conftest import AGENT, UiEnv
from tests.ui.helpers import TrackedPage, customer, open_signed_in, say

try:
    from playwright.async_api import expect
except ImportError:  # the `chromium` fixture skips these tests (fails them with CI=true) and says why
    expect = None

pytestmark = pytest.mark.browser


async def test_a_second_tab_is_signed_in_and_live(ui: UiEnv) -> None:
    first = await open_signed_in(ui)
    second = TrackedPage(await ui.context.new_page())
    sockets: list[str] = []
    second.page.on("websocket", lambda ws: sockets.append(ws.url))
    await second.page.goto(ui.base_url + "/")
    await expect(second.page.locator("#shell")).to_be_visible()  # no sign-in form in the new tab
    await expect(second.page.locator("#login")).to_be_hidden()
    await expect(second.page.locator("#me")).to_have_text("ana")
    await expect(second.page.locator("#conn-state")).to_have_text("● live")
    async with customer(ui, "tabs") as chat:
        await say(chat, "seen in both tabs")
        for tab in (first, second):
            await expect(tab.page.locator(".conv-row", has_text="seen in both tabs")).to_be_visible()
    assert sockets and all(url.endswith("/api/v1/events") for url in sockets)  # no credential in the URL
    assert first.errors == [] and second.errors == []


async def test_signing_out_in_one_tab_signs_out_the_others(ui: UiEnv) -> None:
    first = await open_signed_in(ui)
    second = TrackedPage(await ui.context.new_page())
    await second.page.goto(ui.base_url + "/")
    await expect(second.page.locator("#conn-state")).to_have_text("● live")
    await first.page.click("#logout")
    await expect(first.page.locator("#login")).to_be_visible()
    # The server closed the second tab's events socket with the session: it asks to sign in again.
    await expect(second.page.locator("#login")).to_be_visible()
    await expect(second.page.locator("#login-error")).to_have_text("Your session has ended; please sign in again.")
    assert await ui.context.cookies() == []
    third = await ui.context.new_page()
    await third.goto(ui.base_url + "/")
    await expect(third.locator("#login")).to_be_visible()
    assert first.errors == [] and second.errors == []


async def test_too_many_wrong_passwords_say_when_to_try_again(ui: UiEnv) -> None:
    page = await ui.context.new_page()
    await page.goto(ui.base_url + "/")
    await page.fill("#login-email", AGENT)
    for _ in range(5):
        await page.fill("#login-password", "not the password")
        await page.click("#login-form button[type=submit]")
        await expect(page.locator("#login-error")).to_have_text("Wrong email or password.")
        await page.evaluate("document.querySelector('#login-error').textContent = ''")
    await page.click("#login-form button[type=submit]")
    await expect(page.locator("#login-error")).to_have_text(
        re.compile(r"^Too many failed sign-ins\. Try again in \d+ s\.$"))
    assert await ui.context.cookies() == []
