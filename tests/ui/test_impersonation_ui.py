"""The admin's Impersonators tab in a real browser: the list with report links and triage, the registry editor
with the server's problems shown, and hostile account names shown as text."""
from __future__ import annotations

import pytest

from inbox.api.context import CTX
from inbox.domain import utcnow
from inbox.impersonators import record_reports
from tests.ui.conftest import ADMIN, UiEnv
from tests.ui.helpers import open_signed_in

try:
    from playwright.async_api import expect
except ImportError:  # the `chromium` fixture skips these tests (fails them with CI=true) and says why
    expect = None

pytestmark = pytest.mark.browser


async def test_admin_triages_impersonators_and_edits_the_registry(ui: UiEnv) -> None:
    engine = ui.server.app[CTX].engine
    async with engine.begin() as conn:
        await record_reports(conn, [(None, {  # type: ignore[list-item]
            "platform": "x", "account_id": "55", "handle": "@OurWaIlet_Help",
            "display_name": '<img src=x onerror="window.pwned=1">', "score": 0.91,
            "signals": [{"name": "confusable_handle", "weight": 0.75, "detail": "reads as @OurWallet"}],
            "provider_id": "tweet:1", "excerpt": "DM us"})], utcnow())
    page = (await open_signed_in(ui, ADMIN)).page
    await page.goto(ui.base_url + "/#/admin/impersonation")
    row = page.locator("table.impersonators tr[data-id]")
    await expect(row.locator(".who")).to_contain_text('<img src=x onerror="window.pwned=1">')  # as text
    assert await page.evaluate("window.pwned") is None
    await expect(row.locator("a.report")).to_have_attribute("href", "https://help.x.com/en/forms/authenticity/impersonation")
    await expect(row.locator(".signals")).to_contain_text("confusable_handle")
    await row.locator("button", has_text="Reported").click()
    await expect(row.locator(".status")).to_have_text("reported")

    await expect(page.locator(".registry-source")).to_contain_text("config")
    await page.fill("#registry-text", '{"x_handles": ["not a handle!"]}')
    await page.click("#registry-save")
    await expect(page.locator(".impersonation .problems")).to_contain_text("x_handles")
    await page.fill("#registry-text", '{"x_handles": ["OurWallet"], "web_domains": ["ourwallet.com"]}')
    await page.click("#registry-save")
    await expect(page.locator(".registry-source")).to_contain_text("saved")
    async with ui.http.get("/api/v1/verify", params={"q": "0urWallet"}) as r:
        assert (await r.json())["verdict"] == "imitation"
