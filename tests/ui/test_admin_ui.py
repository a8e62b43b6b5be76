"""Admin pages in a real browser: connectors with health and write-only secrets, rules, agents, teams, canned
replies; and what an agent (not admin) can't see."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.inbox.appserver import token_for
from tests.ui.conftest import ADMIN, PASSWORD, UiEnv
from tests.ui.helpers import customer, open_signed_in, say

try:
    from playwright.async_api import expect
except ImportError:  # the `chromium` fixture skips these tests (fails them with CI=true) and says why
    expect = None

pytestmark = pytest.mark.browser
RULES = Path(__file__).resolve().parents[2] / "inbox" / "defaults" / "rules.yaml"


async def test_admin_adds_a_connector_and_sees_its_health(ui: UiEnv) -> None:
    tracked = await open_signed_in(ui, ADMIN)
    page = tracked.page
    await page.click("#nav-admin")
    await expect(page.locator(".connectors tr[data-name=app-chat] .state .badge")).to_have_text("running")
    await expect(page.locator(".connectors tr[data-name=app-chat] .actions")).to_have_text("from the config file")

    # A setting the connector refuses comes back as the server's list of problems.
    await page.click("#add-connector")
    await page.fill("#connector-name", "wallet-bot")
    await page.select_option("#connector-type", "telegram")
    await page.fill(".edit-connector input[name=token]", "123456:SECRET-TOKEN-VALUE")
    await page.select_option(".edit-connector select[name=mode]", "webhook")
    await page.click(".edit-connector button[type=submit]")
    await expect(page.locator(".edit-connector .problems")).to_contain_text("webhook_secret is required")
    await page.locator(".edit-connector button.ghost").click()

    # A valid one is added, started, and its health shows.
    await page.click("#add-connector")
    await page.fill("#connector-name", "partner-chat")
    await page.select_option("#connector-type", "webchat")
    await page.fill(".edit-connector input[name=identity_secret]", "partner-secret-value-42")
    await page.click(".edit-connector button[type=submit]")
    row = page.locator(".connectors tr[data-name=partner-chat]")
    await expect(row.locator(".state .badge")).to_have_text("running")

    # The secret never comes back: the edit form leaves it blank and says it is kept.
    await row.locator("button", has_text="Edit").click()
    secret = page.locator(".edit-connector input[name=identity_secret]")
    await expect(secret).to_have_value("")
    await expect(secret).to_have_attribute("placeholder", "set — leave blank to keep")
    await page.fill(".edit-connector input[name=history_limit]", "50")
    await page.click(".edit-connector button[type=submit]")
    await expect(page.locator(".edit-connector")).to_have_count(0)
    assert "partner-secret-value-42" not in await page.content()
    token = await token_for(ui.http, ADMIN, PASSWORD)
    async with ui.http.get("/api/v1/connectors", headers={"Authorization": f"Bearer {token}"}) as r:
        listed = {c["name"]: c for c in (await r.json())["connectors"]}
    assert listed["partner-chat"]["config"]["history_limit"] == 50
    assert listed["partner-chat"]["config"]["identity_secret"] == {"secret": True, "set": True}  # kept on edit

    # Disable, then enable again.
    await row.locator(".enabled-toggle").uncheck()
    await expect(row.locator(".state .badge")).to_have_text("stopped")
    await row.locator(".enabled-toggle").check()
    await expect(row.locator(".state .badge")).to_have_text("running")
    assert tracked.errors == []


async def test_a_failing_connector_shows_its_error_without_its_token(ui: UiEnv) -> None:
    tracked = await open_signed_in(ui, ADMIN)
    page = tracked.page
    await page.goto(ui.base_url + "/#/admin/connectors")
    await page.click("#add-connector")
    await page.fill("#connector-name", "dead-bot")
    await page.select_option("#connector-type", "telegram")
    await page.fill(".edit-connector input[name=token]", "999:TOKEN-THAT-MUST-NOT-SHOW")
    await page.fill(".edit-connector input[name=api_base]", "http://127.0.0.1:9")  # nothing listens on discard
    await page.click(".edit-connector button[type=submit]")
    row = page.locator(".connectors tr[data-name=dead-bot]")
    await expect(row.locator(".state .badge")).to_have_text(re.compile("retrying|login failed"), timeout=15_000)
    await expect(row.locator(".last-error")).not_to_have_text("")
    assert "TOKEN-THAT-MUST-NOT-SHOW" not in await page.content()
    assert tracked.errors == []


async def test_rules_page_without_a_rules_file_says_so(ui: UiEnv) -> None:
    tracked = await open_signed_in(ui, ADMIN)
    await tracked.page.goto(ui.base_url + "/#/admin/rules")
    await expect(tracked.page.locator("#rules-missing")).to_contain_text("No rules file is configured")


@pytest.mark.parametrize("ui", [{"rules_from": RULES}], indirect=True)
async def test_rules_view_validate_save_and_dry_run(ui: UiEnv) -> None:
    tracked = await open_signed_in(ui, ADMIN)
    page = tracked.page
    await page.goto(ui.base_url + "/#/admin/rules")
    editor = page.locator("#rules-text")
    await expect(editor).to_have_value(re.compile("security-to-security-team"))
    await expect(page.locator(".rules-status .ok")).to_be_visible()
    await expect(page.locator(".grid td", has_text="money-movement-to-payments")).to_be_visible()

    await page.fill("#dry-text", "my account was hacked, please help")
    await page.click(".dry-run button[type=submit]")
    await expect(page.locator(".fired")).to_contain_text("triage / security-to-security-team")

    original = await editor.input_value()
    broken = original.replace("set_priority: high", "set_priority: sky-high")
    await editor.fill(broken)
    await page.get_by_role("button", name="Validate").click()
    await expect(page.locator(".rules-result .problems")).to_contain_text("sky-high")
    await page.get_by_role("button", name="Save", exact=True).click()
    await expect(page.locator(".rules-result .problems")).to_contain_text("sky-high")
    rules_path = Path(re.search(r"File: (.*)", await page.locator(".rules-status").inner_text()).group(1).strip())
    assert rules_path.read_text(encoding="utf-8") == original  # a bad edit never reaches the file

    edited = original.replace("add_tag: secret_shared", "add_tag: secret_was_shared")
    await editor.fill(edited)
    await page.get_by_role("button", name="Save", exact=True).click()
    await expect(page.locator(".rules-result .ok")).to_be_visible()
    assert rules_path.read_text(encoding="utf-8") == edited
    assert tracked.errors == []


async def test_agents_teams_and_canned_replies_admin(ui: UiEnv) -> None:
    tracked = await open_signed_in(ui, ADMIN)
    page = tracked.page
    await page.goto(ui.base_url + "/#/admin/teams")
    await page.fill("form.inline-form input[name=name]", "payments")
    await page.click("form.inline-form button[type=submit]")
    await expect(page.locator(".team-list")).to_contain_text("payments")

    await page.click(".admin-tabs a[href='#/admin/agents']")
    await page.fill("form.inline-form input[name=email]", "wei@example.com")
    await page.fill("form.inline-form input[name=name]", "wei")
    await page.fill("form.inline-form input[name=password]", "short")
    await page.fill("form.inline-form input[name=team]", "payments")
    await page.evaluate("document.querySelector('form.inline-form input[name=password]').removeAttribute('minlength')")
    await page.click("form.inline-form button[type=submit]")
    await expect(page.locator("form.inline-form .error")).to_contain_text("at least 8 characters")
    await page.fill("form.inline-form input[name=password]", "long enough pass")
    await page.click("form.inline-form button[type=submit]")
    await expect(page.locator(".grid tr", has_text="wei@example.com")).to_contain_text("payments")

    await page.click(".admin-tabs a[href='#/admin/canned']")
    await page.fill("form.inline-form input[name=shortcut]", "提现")
    await page.fill("form.inline-form input[name=title]", "提现延迟")
    await page.fill("form.inline-form textarea[name=text]", "您好，工单 {ticket} 正在处理。")
    await page.select_option("form.inline-form select[name=language]", "zh")
    await page.click("form.inline-form button[type=submit]")
    row = page.locator(".grid tr", has_text="/提现")
    await expect(row).to_contain_text("您好，工单 {ticket} 正在处理。")
    await row.get_by_role("button", name="Delete").click()
    await expect(page.locator(".grid tr", has_text="/提现")).to_have_count(0)
    assert tracked.errors == []


async def test_an_agent_has_no_admin_pages_and_no_reveal(ui: UiEnv) -> None:
    async with customer(ui, "p1") as chat:
        await say(chat, "call me on +86 138 0013 8000")
    tracked = await open_signed_in(ui)
    page = tracked.page
    await expect(page.locator("#nav-admin")).to_be_hidden()
    await page.goto(ui.base_url + "/#/admin/connectors")
    await expect(page.locator(".inbox")).to_be_visible()  # falls back to the inbox
    await page.locator(".conv-row", has_text="call me").click()
    await expect(page.locator(".thread .msg")).to_have_count(1)
    await expect(page.locator("button.reveal")).to_have_count(0)
    assert tracked.errors == []


async def test_admin_reveal_shows_personal_data_and_is_audited(ui: UiEnv) -> None:
    async with customer(ui, "p2") as chat:
        await say(chat, "call me on +86 138 0013 8000")
    tracked = await open_signed_in(ui, ADMIN)
    page = tracked.page
    await page.locator(".conv-row", has_text="call me").click()
    message = page.locator(".thread .msg.dir-inbound .text")
    await expect(message).not_to_contain_text("138 0013 8000")  # masked for display
    await page.click("button.reveal")
    await expect(message).to_contain_text("+86 138 0013 8000")
    await expect(page.locator(".details .warn")).to_contain_text("audit log")
    await page.get_by_role("button", name="Show history").click()
    await expect(page.locator(".audit")).to_contain_text("reveal")
    assert tracked.errors == []
