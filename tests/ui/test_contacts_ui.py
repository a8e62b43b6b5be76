"""Contacts, notifications and the admin's people pages in a real browser."""
from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from inbox.api.context import CTX
from inbox.store.schema import conversations
from tests.inbox.appserver import token_for
from tests.ui.conftest import ADMIN, AGENT, PASSWORD, UiEnv
from tests.ui.helpers import customer, email_message, ingest, open_signed_in, say

try:
    from playwright.async_api import expect
except ImportError:  # the `chromium` fixture skips these tests (fails them with CI=true) and says why
    expect = None

pytestmark = pytest.mark.browser
RULES = Path(__file__).resolve().parents[2] / "inbox" / "defaults" / "rules.yaml"


async def wait_js(page, expression: str) -> None:  # noqa: ANN001
    """Poll a JavaScript expression until it is true (the app's CSP forbids wait_for_function's eval)."""
    for _ in range(100):
        if await page.evaluate(expression):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"still false: {expression}")


async def _auth(ui: UiEnv, email: str, password: str = PASSWORD) -> dict[str, str]:
    return {"Authorization": f"Bearer {await token_for(ui.http, email, password)}"}


async def test_agent_renames_a_contact_adds_a_phone_merges_and_undoes(ui: UiEnv) -> None:
    async with customer(ui, "alice") as chat:
        await say(chat, "where is my withdrawal?")
    await ingest(ui, email_message("same person, by mail", None, sender="alice.chen@example.com"))
    tracked = await open_signed_in(ui)
    page = tracked.page
    page.on("dialog", lambda dialog: dialog.accept())
    await page.locator(".conv-row", has_text="where is my withdrawal").click()
    await page.locator(".details a.contact-link").click()
    await expect(page.locator("#contact-count")).to_have_text("1 conversation on every channel you may see")

    await page.fill("#contact-name", "Alice Chen")
    await page.click("#contact-rename button[type=submit]")
    await expect(page.locator(".contact-title")).to_have_text("Alice Chen")
    await page.select_option("#identity-kind", "phone")
    await page.fill("#identity-value", "+86 138 0013 8000")
    await page.click("#add-identity button[type=submit]")
    await expect(page.locator("#contact-identities li[data-kind=phone]")).to_contain_text("+8613800138000")
    await expect(page.locator("#contact-identities li[data-kind=phone]")).to_contain_text("added by an agent")

    await page.fill("#merge-search", "alice.chen@")
    await page.locator("#merge-results .merge-button").click()
    await expect(page.locator("#contact-count")).to_have_text("2 conversations on every channel you may see")
    await expect(page.locator("#contact-conversations")).to_contain_text("Email")
    await expect(page.locator("#contact-identities")).to_contain_text("alice.chen@example.com")

    await page.locator("#merge-history .undo-merge").click()
    await expect(page.locator("#contact-count")).to_have_text("1 conversation on every channel you may see")
    await expect(page.locator("#merge-history")).to_contain_text("undone")
    await expect(page.locator("#contact-identities")).not_to_contain_text("alice.chen@example.com")
    assert tracked.errors == []


@pytest.mark.parametrize("ui", [{"rules_from": RULES}], indirect=True)
async def test_admin_edits_an_agent_resets_the_password_and_deactivates(ui: UiEnv) -> None:
    admin = await _auth(ui, ADMIN)
    async with ui.http.post("/api/v1/teams", headers=admin, json={"name": "payments"}) as r:
        assert r.status == 409  # serve created the teams its rules name on start
    ana_old = await _auth(ui, AGENT)
    tracked = await open_signed_in(ui, ADMIN)
    page = tracked.page
    page.on("dialog", lambda dialog: dialog.accept())
    await page.goto(ui.base_url + "/#/admin/agents")
    row = page.locator("#agents-table tr", has_text=AGENT)
    await row.locator(".edit-agent").click()
    await page.fill("#agent-name", "Ana Li")
    await page.select_option("#agent-team", "payments")
    await page.click(".agent-form button[type=submit]")
    await expect(row).to_contain_text("Ana Li")
    await expect(row).to_contain_text("payments")

    await row.locator(".edit-agent").click()
    await page.fill("#agent-password", "a fresh password")
    await page.click("#agent-set-password")
    await expect(page.locator(".toast", has_text="New password set")).to_be_visible()
    async with ui.http.get("/api/v1/me", headers=ana_old) as r:
        assert r.status == 401  # the old session ended
    ana_new = await _auth(ui, AGENT, "a fresh password")

    await row.locator(".edit-agent").click()
    await page.click("#agent-deactivate")
    await expect(row.locator(".active")).to_have_text("no")
    async with ui.http.get("/api/v1/me", headers=ana_new) as r:
        assert r.status == 401

    # the rules page warns about teams the rules name that nobody is in (created on start, so they exist)
    await page.goto(ui.base_url + "/#/admin/rules")
    await expect(page.locator("#rules-team-warnings")).to_contain_text("Team security has no active agent")
    await expect(page.locator("#rules-team-warnings")).to_contain_text("Team payments has no active agent")
    assert tracked.errors == []


async def test_admin_renames_and_deletes_teams_and_tests_a_connector(ui: UiEnv) -> None:
    admin = await _auth(ui, ADMIN)
    for name in ("payments", "billing"):
        async with ui.http.post("/api/v1/teams", headers=admin, json={"name": name}) as r:
            assert r.status == 201
    async with ui.http.patch("/api/v1/agents/2", headers=admin, json={"team": "payments"}) as r:
        assert r.status == 200
    tracked = await open_signed_in(ui, ADMIN)
    page = tracked.page
    page.on("dialog", lambda dialog: dialog.accept())
    await page.goto(ui.base_url + "/#/admin/teams")
    billing = page.locator("#team-list li", has=page.locator("input.team-name[value=billing]"))
    await billing.locator("input.team-name").fill("Billing & fees")
    await billing.get_by_role("button", name="Rename").click()
    # the value attribute is only written when the list is drawn again from the server
    await expect(page.locator('#team-list input.team-name[value="Billing & fees"]')).to_have_count(1)
    payments = page.locator("#team-list li", has=page.locator("input.team-name[value=payments]"))
    await payments.locator(".delete-team").click()
    await expect(payments.locator(".warn")).to_contain_text("1 agent, 0 open conversations")
    await payments.locator(".move-delete").click()
    await expect(page.locator("#team-list li")).to_have_count(1)
    async with ui.http.get("/api/v1/agents", headers=admin) as r:
        assert {a["email"]: a["team"] for a in (await r.json())["agents"]}[AGENT] == "Billing & fees"

    await page.goto(ui.base_url + "/#/admin/connectors")
    await page.click("#add-connector")
    await page.select_option("#connector-type", "webchat")
    await expect(page.locator(".edit-connector .field-help", has_text="Messages shown to the customer")).to_be_visible()
    await page.select_option("#connector-type", "email")
    await expect(page.locator("#cf-imap-port-help")).to_contain_text("993 IMAP TLS")
    await page.select_option("#connector-type", "telegram")
    await page.fill(".edit-connector input[name=token]", "999:TOKEN-THAT-MUST-NOT-SHOW")
    await page.fill(".edit-connector input[name=api_base]", "http://127.0.0.1:9")  # nothing listens
    await page.click("#test-connection")
    await expect(page.locator("#connector-test-result .error")).to_contain_text("Connection failed")
    assert "TOKEN-THAT-MUST-NOT-SHOW" not in await page.locator("#connector-test-result").inner_text()
    async with ui.http.get("/api/v1/connectors", headers=admin) as r:
        assert [c["name"] for c in (await r.json())["connectors"]] == ["app-chat"]  # a test saves nothing
    assert tracked.errors == []


NOTIFICATION_STUB = """
window.__notes = []; window.__beeps = 0; window.__asked = 0;
class FakeNotification {
  constructor(title, options) { window.__notes.push({ title, body: (options || {}).body }); }
  close() {}
}
FakeNotification.permission = "default";
FakeNotification.requestPermission = async () => { window.__asked += 1; FakeNotification.permission = "granted"; return "granted"; };
window.Notification = FakeNotification;
class FakeAudio {
  constructor() { this.currentTime = 0; this.destination = {}; }
  createOscillator() { return { frequency: {}, connect: (x) => x, start: () => { window.__beeps += 1; }, stop() {} }; }
  createGain() { return { gain: {}, connect: (x) => x }; }
}
window.AudioContext = FakeAudio;
"""


async def test_notifications_follow_the_agents_choices(ui: UiEnv) -> None:
    await ui.context.add_init_script(NOTIFICATION_STUB)
    tracked = await open_signed_in(ui)
    page = tracked.page
    await page.click("#notify-button")
    dialog = page.locator("#notify-dialog")
    assert await page.evaluate("window.__asked") == 0  # never asked before the agent chooses
    await dialog.locator("input[name=desktop]").check()
    await expect(dialog.locator("input[name=desktop]")).to_be_checked()
    assert await page.evaluate("window.__asked") == 1
    await dialog.get_by_role("button", name="Close").click()
    await expect(page.locator("#conn-state")).to_have_text("● live")

    async with customer(ui, "newbie") as chat:
        await say(chat, "hello, first time here")
    await wait_js(page, "window.__notes.length === 1")
    assert re.match(r"New conversation #\d+", (await page.evaluate("window.__notes"))[0]["title"])
    assert await page.evaluate("window.__beeps") == 1

    # mentions: on; new conversations: off from now on
    await page.click("#notify-button")
    await dialog.locator("input[name=newConversation]").uncheck()
    await dialog.locator("input[name=sound]").uncheck()
    await dialog.get_by_role("button", name="Close").click()
    async with customer(ui, "second") as chat:
        await say(chat, "another new one")
    admin = await _auth(ui, ADMIN)
    async with ui.server.app[CTX].engine.connect() as conn:
        conv_id = (await conn.execute(select(conversations.c.id).order_by(conversations.c.id))).scalars().first()
    async with ui.http.post(f"/api/v1/conversations/{conv_id}/messages", headers=admin,
                            json={"text": "@ana can you look?", "private_note": True}) as r:
        assert r.status == 201
    await wait_js(page, "window.__notes.length === 2")
    notes = await page.evaluate("window.__notes")
    assert "mentioned you" in notes[1]["title"]  # the second new conversation did not notify
    async with ui.http.patch(f"/api/v1/conversations/{conv_id}", headers=admin, json={"assignee_id": 2}) as r:
        assert r.status == 200
    await wait_js(page, "window.__notes.length === 3")
    assert "was assigned to you" in (await page.evaluate("window.__notes"))[2]["title"]
    assert await page.evaluate("window.__beeps") == 1  # sound was turned off
    # the choice is kept for this agent in this browser
    await page.reload()
    await page.wait_for_selector("#shell:not([hidden])")
    await page.click("#notify-button")
    await expect(page.locator("#notify-dialog input[name=newConversation]")).not_to_be_checked()
    assert tracked.errors == []


async def test_chinese_uses_24_hour_times_plurals_and_a_favicon(ui: UiEnv) -> None:
    async with customer(ui, "only-one") as chat:
        await say(chat, "just one")
    tracked = await open_signed_in(ui)
    page = tracked.page
    await expect(page.locator(".total")).to_have_text("1 conversation")
    fmt = ("async () => { const m = await import('/ui/js/dom.js'); const d = new Date(); d.setHours(15, 5, 0, 0);"
           " return m.formatTime(d.toISOString()); }")
    assert "PM" in await page.evaluate(fmt) or "15:05" in await page.evaluate(fmt)  # English: the browser's habit
    await page.select_option("#shell .lang-select", "zh")
    await expect(page.locator(".total")).to_have_text("共 1 个会话")
    assert await page.evaluate(fmt) == "15:05"
    icon = await page.get_attribute("link[rel=icon]", "href")
    async with ui.http.get(icon) as r:
        assert r.status == 200 and r.content_type == "image/svg+xml"
    assert tracked.errors == []


@pytest.mark.parametrize("ui", [{"rules_from": RULES}], indirect=True)
async def test_rules_editor_drops_stale_errors_after_a_fix(ui: UiEnv) -> None:
    tracked = await open_signed_in(ui, ADMIN)
    page = tracked.page
    await page.goto(ui.base_url + "/#/admin/rules")
    await expect(page.locator(".rules-status .ok")).to_be_visible()
    rules_path = Path(re.search(r"File: (.*)", await page.locator(".rules-status").inner_text()).group(1).strip())
    good = rules_path.read_text(encoding="utf-8")
    # the file is broken behind the inbox's back: the page shows the load error
    rules_path.write_text(good.replace("set_priority: high", "set_priority: sky-high"), encoding="utf-8")
    for _ in range(30):  # the holder looks at the file at most once a second
        await page.reload()
        await page.wait_for_selector(".rules-status p, .rules-status pre")
        if await page.locator(".rules-status .error").count():
            break
        await asyncio.sleep(0.2)
    await expect(page.locator(".rules-status .error")).to_contain_text("sky-high")
    editor = page.locator("#rules-text")
    await page.get_by_role("button", name="Validate").click()
    await expect(page.locator(".rules-result .problems")).to_contain_text("sky-high")
    # typing a fix: the old problems are not shown as if they were current
    await editor.fill(good)
    await expect(page.locator(".rules-result")).to_have_text("Changed since the last check: validate or save.")
    await page.get_by_role("button", name="Save", exact=True).click()
    await expect(page.locator(".rules-result .ok")).to_be_visible()
    await expect(page.locator(".rules-status .ok")).to_be_visible()  # the load error is gone too
    await expect(page.locator(".rules-status .error")).to_have_count(0)
    assert tracked.errors == []
