"""Service levels in a real browser: an admin sets "urgent: first response 15 min, 24/7; normal: 4 hours" on the
SLA page, and agents see the due time, then the breach, highlighted in the list and in the conversation panel."""
from __future__ import annotations

from datetime import timedelta

import pytest

from inbox.domain import utcnow
from inbox.sla.service import SLA
from tests.ui.conftest import ADMIN, UiEnv
from tests.ui.helpers import email_message, ingest, open_signed_in

try:
    from playwright.async_api import expect
except ImportError:  # the `chromium` fixture skips these tests (fails them with CI=true) and says why
    expect = None

pytestmark = pytest.mark.browser


async def test_admin_sets_policies_and_agents_see_due_times_and_breaches(ui: UiEnv) -> None:
    service = ui.server.app[SLA]
    await service.stop()  # the test moves the clock itself
    tracked = await open_signed_in(ui, ADMIN)
    page = tracked.page
    await page.goto(ui.base_url + "/#/admin/sla")
    await page.click("#sla-add")
    await page.click("#sla-add")
    rows = page.locator("tr.sla-policy")
    await rows.nth(0).locator("[name=name]").fill("urgent")
    await rows.nth(0).locator("[name=priority]").fill("urgent")
    await rows.nth(0).locator("[name=first_response]").fill("15m")
    await rows.nth(1).locator("[name=name]").fill("normal")
    await rows.nth(1).locator("[name=first_response]").fill("4 hours")
    await page.click(".sla-form button[type=submit]")
    await expect(page.locator(".sla-form .problems")).to_contain_text("sla.policies[1].first_response")
    await rows.nth(1).locator("[name=first_response]").fill("4h")
    await page.click(".sla-form button[type=submit]")
    await expect(page.locator(".admin-body p.muted").first).to_have_text("Edited here (overrides the config file).")
    await expect(page.locator("tr.sla-policy")).to_have_count(2)

    await ingest(ui, email_message("My withdrawal has been pending for two days", None))
    now = utcnow()
    await service.tick(now)
    await page.goto(ui.base_url + "/#/inbox")
    badge = page.locator(".conv-row .badge.sla")
    await expect(badge).to_contain_text("On track · due")
    await service.tick(now + timedelta(hours=4, minutes=1))  # the breach arrives as an event: no reload
    await expect(page.locator(".conv-row .badge.sla-breached")).to_contain_text("Breached · due")
    await page.locator(".conv-row").first.click()
    await expect(page.locator(".sla-block")).to_contain_text("First response")
    await expect(page.locator(".sla-block .badge.sla-breached").first).to_be_visible()
    await page.check("input[name=sort-sla]")
    await page.select_option("select[name=sla]", "breached")
    await expect(page.locator(".conv-row")).to_have_count(1)
    await page.select_option("select[name=sla]", "on_track")
    await expect(page.locator(".conv-row")).to_have_count(0)
    assert tracked.errors == []
