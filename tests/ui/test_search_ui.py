"""Search in a real browser: the matching message is shown with its match marked, as text (never parsed as HTML)."""
from __future__ import annotations

import pytest

from tests.ui.conftest import UiEnv
from tests.ui.helpers import customer, open_signed_in, say

try:
    from playwright.async_api import expect
except ImportError:  # the `chromium` fixture skips these tests (fails them with CI=true) and says why
    expect = None

pytestmark = pytest.mark.browser


async def test_search_shows_the_matching_message_marked_and_escaped(ui: UiEnv) -> None:
    async with customer(ui, "s1") as a, customer(ui, "s2") as b:
        await say(a, "my withdrawal <img src=x onerror=alert(1)> is stuck")
        await say(b, "another question about cards")
    tracked = await open_signed_in(ui)
    page = tracked.page
    await expect(page.locator(".conv-row")).to_have_count(2)
    await page.fill("input.search", "withdrawal")
    await expect(page.locator(".conv-row")).to_have_count(1)
    snippet = page.locator(".conv-row .snippet")
    await expect(snippet.locator("mark")).to_have_text("withdrawal")
    await expect(snippet).to_contain_text("<img src=x onerror=alert(1)>")  # shown as text
    await expect(page.locator(".conv-row img")).to_have_count(0)
    assert tracked.errors == []
