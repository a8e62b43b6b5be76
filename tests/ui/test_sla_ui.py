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


async def test_a_customer_rates_a_resolved_chat_with_the_buttons(ui: UiEnv) -> None:
    from sqlalchemy import select

    from inbox.store.db import create_engine
    from inbox.store.schema import conversations
    from tests.inbox.appserver import token_for
    from tests.ui.conftest import PASSWORD

    service = ui.server.app[SLA]
    await service.stop()
    token = await token_for(ui.http, ADMIN, PASSWORD)
    auth = {"Authorization": f"Bearer {token}"}
    async with ui.http.put("/api/v1/sla/policies", headers=auth, json={
            "satisfaction": True, "policies": [{"name": "chat", "first_response": "15m"}]}) as r:
        assert r.status == 200
    page = await ui.context.new_page()
    await page.goto(ui.base_url + "/chat/demo")
    await page.fill("#text", "my deposit has not arrived")
    await page.press("#text", "Enter")
    await expect(page.locator("#log li.customer:not(.pending)")).to_have_count(1)
    engine = create_engine(ui.db_url)
    try:
        async with engine.connect() as conn:
            cid = (await conn.execute(select(conversations.c.id))).scalar_one()
    finally:
        await engine.dispose()
    await service.tick()
    async with ui.http.patch(f"/api/v1/conversations/{cid}", headers=auth, json={"status": "resolved"}) as r:
        assert r.status == 200
    await service.tick()
    buttons = page.locator("#log li.agent .rating button")
    await expect(buttons).to_have_count(5)
    await buttons.nth(3).click()  # 4 of 5
    await expect(page.locator("#log li.agent .rating")).to_contain_text("Thank you")
    async with ui.http.get("/api/v1/reports/satisfaction", headers=auth) as r:
        [row] = (await r.json())["rows"]
    assert (row["count"], row["scores"]["4"]) == (1, 1)
    admin = await open_signed_in(ui, ADMIN)
    await admin.page.goto(ui.base_url + "/#/admin/reports")
    satisfaction = admin.page.locator("table.report[data-report=satisfaction] tbody tr")
    await expect(satisfaction).to_have_count(1)
    await expect(satisfaction.locator("td").nth(2)).to_have_text("4")  # agent · count · average
    volume = admin.page.locator("table.report[data-report=volume] tbody tr")
    await expect(volume).to_contain_text("In-app chat")
    csv = admin.page.locator("section[data-section=volume] a", has_text="Download CSV")
    async with ui.http.get(await csv.get_attribute("href"), headers=auth) as r:
        assert r.status == 200 and (await r.text()).startswith("channel,")
    assert admin.errors == []
