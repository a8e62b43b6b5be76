"""The agent's inbox in a real browser: sign-in, live updates, replying through the guard, hostile mail."""
from __future__ import annotations

import re

import pytest

from tests.ui.conftest import ADMIN, PASSWORD, UiEnv
from tests.ui.helpers import (
    customer,
    email_message,
    ingest,
    open_signed_in,
    recv,
    say,
    telegram_public,
)

try:
    from playwright.async_api import expect
except ImportError:  # the `chromium` fixture skips these tests (fails them with CI=true) and says why
    expect = None

pytestmark = pytest.mark.browser
SEED = "abandon amount liar amount expire adjust cage candy arch gather drum buyer"  # valid BIP-39 checksum


async def test_wrong_password_is_refused_and_nothing_is_stored(ui: UiEnv) -> None:
    page = await ui.context.new_page()
    await page.goto(ui.base_url + "/")
    await page.fill("#login-email", ADMIN)
    await page.fill("#login-password", "not the password")
    await page.click("#login-form button[type=submit]")
    await expect(page.locator("#login-error")).to_have_text("Wrong email or password.")
    assert await ui.context.cookies() == []  # a wrong password starts no session
    await page.fill("#login-password", PASSWORD)
    await page.click("#login-form button[type=submit]")
    await expect(page.locator("#shell")).to_be_visible()
    # The session is an HttpOnly, SameSite=Strict cookie: script in the page cannot read the token.
    [cookie] = await ui.context.cookies()
    assert cookie["name"] == "inbox_session" and cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert await page.evaluate("document.cookie") == ""
    stored = await page.evaluate("JSON.stringify(sessionStorage) + JSON.stringify(localStorage)")
    assert cookie["value"] not in stored


async def test_customer_message_appears_live_and_reply_reaches_the_customer(ui: UiEnv) -> None:
    tracked = await open_signed_in(ui)
    page = tracked.page
    await expect(page.locator(".conv-list .empty")).to_be_visible()
    await page.evaluate("window.__sameDocument = true")  # gone if the page reloads
    async with customer(ui, "alice") as chat:
        await say(chat, "我的提现还没到账 withdrawal pending")
        row = page.locator(".conv-row", has_text="我的提现还没到账")
        await expect(row).to_be_visible()
        await expect(row.locator(".badge.ch-webchat")).to_have_text("In-app chat")
        await expect(row.locator(".ticket")).to_have_text(re.compile(r"#\d{5,}"))
        await row.click()
        await expect(page.locator(".thread .msg.dir-inbound")).to_have_count(1)
        await expect(page.locator(".destination")).to_contain_text("In-app chat")
        await expect(page.locator(".destination")).to_contain_text("private")

        await say(chat, "还有一个问题 one more thing")
        await expect(page.locator(".thread .msg.dir-inbound")).to_have_count(2)
        await expect(page.locator(".thread .msg.dir-inbound").nth(1)).to_contain_text("one more thing")

        await page.fill("textarea.draft", "We are checking it 正在处理")
        await page.click("button.send")
        frame = await recv(chat, "message")
        assert frame["from"] == "agent" and frame["text"] == "We are checking it 正在处理"
        outbound = page.locator(".thread .msg.dir-outbound")
        await expect(outbound).to_contain_text("We are checking it 正在处理")
        await expect(outbound.locator(".delivery")).to_have_text("sent")
        await expect(page.locator("textarea.draft")).to_have_value("")
    assert await page.evaluate("window.__sameDocument") is True
    assert tracked.errors == []


async def test_seed_phrase_in_a_draft_shows_a_warning(ui: UiEnv) -> None:
    async with customer(ui, "bob") as chat:
        await say(chat, "I lost access to my wallet")
    tracked = await open_signed_in(ui)
    page = tracked.page
    await page.locator(".conv-row", has_text="I lost access").click()
    await page.fill("textarea.draft", f"Please send your recovery phrase: {SEED}")
    warning = page.locator(".guard-item.danger")
    await expect(warning).to_contain_text("seed phrase")
    await page.fill("textarea.draft", "Thanks, we are on it")
    await expect(warning).to_have_count(0)
    await expect(page.locator(".guard-item.ok")).to_be_visible()
    assert tracked.errors == []


async def test_transaction_hash_on_a_public_thread_says_it_goes_privately(ui: UiEnv) -> None:
    await ingest(ui, telegram_public("My deposit has not arrived"))
    tracked = await open_signed_in(ui)
    page = tracked.page
    await page.locator(".conv-row", has_text="My deposit").click()
    await expect(page.locator(".destination")).to_contain_text("the public thread")
    await page.fill("textarea.draft", "Your transfer 0x" + "cd" * 32 + " is confirmed")
    await expect(page.locator(".guard-item.warn")).to_contain_text("a transaction hash")
    await expect(page.locator(".guard-item.warn")).to_contain_text("private message on Telegram")
    assert tracked.errors == []


HOSTILE_HTML = (
    '<p id="hello">Hello <b>bold</b></p>'
    "<script>window.top.pwned = 'script'; parent.pwned = 'script'</script>"
    "<img src=\"x\" onerror=\"window.top.pwned = 'img'\">"
    "<svg onload=\"window.top.pwned = 'svg'\"></svg>"
    "<iframe src=\"javascript:window.top.pwned = 'iframe'\"></iframe>"
    "<a id=\"trap\" href=\"javascript:window.top.pwned = 'link'\">click me</a>"
)
HOSTILE_TEXT = "Plain part <script>window.pwned = 'text'</script><img src=x onerror=\"window.pwned = 'textimg'\">"


async def test_hostile_html_mail_renders_inert(ui: UiEnv) -> None:
    await ingest(ui, email_message(HOSTILE_TEXT, HOSTILE_HTML, subject="Invoice"))
    tracked = await open_signed_in(ui)
    page = tracked.page
    await page.locator(".conv-row", has_text="Plain part").click()
    frame_el = page.locator(".msg iframe.mail-frame")
    await expect(frame_el).to_have_count(1)
    inner = page.frame_locator(".msg iframe.mail-frame")
    await expect(inner.locator("#hello")).to_contain_text("Hello")  # the mail is shown...
    await inner.locator("#trap").click()
    await page.wait_for_timeout(500)
    assert await page.evaluate("window.pwned") is None  # ...but nothing in it ran
    assert await frame_el.get_attribute("sandbox") == ""  # no allow-scripts, no allow-same-origin

    await page.click(".toggle-format")
    text = page.locator(".msg .msg-body .text")
    await expect(text).to_have_text(HOSTILE_TEXT)  # markup in the text shows as characters
    assert await page.locator(".msg .msg-body img, .msg .msg-body script").count() == 0
    await page.wait_for_timeout(200)
    assert await page.evaluate("window.pwned") is None
    assert tracked.errors == []


async def test_search_finds_chinese_text_and_ticket_numbers(ui: UiEnv) -> None:
    async with customer(ui, "c1") as a, customer(ui, "c2") as b:
        await say(a, "我的提现还没到账")
        await say(b, "how do I change my phone number")
    tracked = await open_signed_in(ui)
    page = tracked.page
    await expect(page.locator(".conv-row")).to_have_count(2)
    await page.keyboard.press("/")
    await expect(page.locator("input.search")).to_be_focused()
    await page.keyboard.type("提现")
    await expect(page.locator(".conv-row")).to_have_count(1)
    await expect(page.locator(".conv-row")).to_contain_text("我的提现还没到账")
    ticket = await page.locator(".conv-row .ticket").inner_text()
    await page.fill("input.search", "")
    await expect(page.locator(".conv-row")).to_have_count(2)
    other = page.locator(".conv-row", has_text="phone number").locator(".ticket")
    other_ticket = await other.inner_text()
    await page.fill("input.search", other_ticket)
    await expect(page.locator(".conv-row")).to_have_count(1)
    await expect(page.locator(".conv-row .ticket")).to_have_text(other_ticket)
    assert ticket != other_ticket
    assert tracked.errors == []


async def test_views_counts_and_keyboard_moves(ui: UiEnv) -> None:
    async with customer(ui, "k1") as a, customer(ui, "k2") as b:
        await say(a, "first customer")
        await say(b, "second customer")
    tracked = await open_signed_in(ui)
    page = tracked.page
    await expect(page.locator(".view-button[data-view=unassigned] .count")).to_have_text("2")
    await expect(page.locator(".view-button[data-view=mine] .count")).to_have_text("0")
    await page.keyboard.press("j")
    await expect(page.locator(".conv-row.selected")).to_contain_text("second customer")  # newest first
    await page.keyboard.press("j")
    await expect(page.locator(".conv-row.selected")).to_contain_text("first customer")
    await page.keyboard.press("k")
    await expect(page.locator(".conv-row.selected")).to_contain_text("second customer")
    await page.keyboard.press("a")  # assign to me
    await expect(page.locator(".view-button[data-view=mine] .count")).to_have_text("1")
    await page.keyboard.press("e")  # resolve: it leaves the open list
    await expect(page.locator(".conv-head .badge.status-resolved")).to_be_visible()
    await expect(page.locator(".conv-row")).to_have_count(1)
    await page.keyboard.press("r")
    await expect(page.locator("textarea.draft")).to_be_focused()
    await page.keyboard.press("Escape")
    await page.keyboard.press("n")
    await expect(page.locator(".composer.note-mode")).to_be_visible()
    await page.keyboard.press("Escape")
    await page.keyboard.press("?")
    await expect(page.locator("#help")).to_be_visible()
    await expect(page.locator("#help-list")).to_contain_text("Resolve")
    assert tracked.errors == []


async def test_tags_status_and_filters(ui: UiEnv) -> None:
    async with customer(ui, "t1") as a, customer(ui, "t2") as b:
        await say(a, "tag me please")
        await say(b, "leave me alone")
    tracked = await open_signed_in(ui)
    page = tracked.page
    await page.locator(".conv-row", has_text="tag me").click()
    await page.fill("input.tag-input", "vip")
    await page.keyboard.press("Enter")
    await expect(page.locator(".details .tag", has_text="vip")).to_be_visible()
    # The classifier may have added a tag of its own (needs_triage for an unclear message): look for ours.
    await expect(page.locator(".conv-row", has_text="tag me").locator(".tag", has_text="vip")).to_have_count(1)
    await page.fill(".filters input[name=tag]", "vip")
    await page.keyboard.press("Enter")
    await expect(page.locator(".conv-row")).to_have_count(1)
    await page.select_option(".details select[name=priority]", "urgent")
    await expect(page.locator(".conv-row .badge.prio-urgent")).to_have_text("Urgent")
    await page.select_option(".details select[name=snooze]", "4h")
    await expect(page.locator(".conv-head .badge.status-snoozed")).to_have_text("Snoozed")
    await expect(page.locator(".details")).to_contain_text("Snoozed until")
    await page.select_option(".filters select[name=status]", "snoozed")
    await expect(page.locator(".conv-row")).to_have_count(1)
    await page.locator(".details .tag", has_text="vip").locator(".tag-remove").click()
    await expect(page.locator(".details .tag", has_text="vip")).to_have_count(0)
    await expect(page.locator(".conv-list .empty")).to_be_visible()  # the tag filter no longer matches
    assert tracked.errors == []


async def test_note_mentions_notify_and_presence_shows(ui: UiEnv) -> None:
    async with customer(ui, "m1") as chat:
        await say(chat, "please look at this")
    ana = await open_signed_in(ui)
    boss = await open_signed_in(ui, ADMIN, await ui.other_browser())  # two agents: two browsers
    await ana.page.locator(".conv-row", has_text="please look").click()
    await boss.page.locator(".conv-row", has_text="please look").click()
    await expect(ana.page.locator(".presence")).to_have_text("admin is viewing")
    await expect(boss.page.locator(".presence")).to_have_text("ana is viewing")

    await ana.page.keyboard.press("n")
    await ana.page.keyboard.type("@adm")
    await expect(ana.page.locator(".suggest li")).to_be_visible()
    await expect(ana.page.locator(".suggest li")).to_contain_text("@admin")
    await ana.page.keyboard.press("Enter")
    await ana.page.keyboard.type("can you check the limits?")
    await expect(boss.page.locator(".presence")).to_have_text("ana is typing…")
    await ana.page.click("button.send")
    await expect(boss.page.locator(".toast.mention")).to_contain_text("ana mentioned you")
    await expect(boss.page.locator(".thread .msg.dir-note")).to_contain_text("@admin can you check the limits?")
    await ana.page.locator(".conv-head .close").click()
    await expect(boss.page.locator(".presence")).to_have_text("")
    await ana.page.locator(".conv-row", has_text="please look").click()
    await expect(boss.page.locator(".presence")).to_have_text("ana is viewing")
    await ana.page.close(run_before_unload=True)  # closing the tab counts as leaving
    await expect(boss.page.locator(".presence")).to_have_text("")
    assert ana.errors == [] and boss.errors == []


async def test_canned_reply_by_shortcut(ui: UiEnv) -> None:
    from tests.inbox.appserver import token_for

    token = await token_for(ui.http, ADMIN, PASSWORD)
    async with ui.http.post("/api/v1/canned-replies", headers={"Authorization": f"Bearer {token}"}, json={
            "shortcut": "wd", "title": "Withdrawal delay", "text": "Hi {name}, ticket {ticket} is being checked.",
            "language": "en"}) as r:
        assert r.status == 201, await r.text()
    async with customer(ui, "carol") as chat:
        await say(chat, "where is my money")
    tracked = await open_signed_in(ui)
    page = tracked.page
    await page.locator(".conv-row", has_text="where is my money").click()
    ticket = await page.locator(".conv-head .ticket").inner_text()
    await page.keyboard.press("r")
    await page.keyboard.type("/w")
    await expect(page.locator(".suggest li")).to_be_visible()
    await expect(page.locator(".suggest li")).to_contain_text("/wd")
    await page.keyboard.press("Enter")
    await expect(page.locator("textarea.draft")).to_have_value(f"Hi carol, ticket {ticket} is being checked.")
    assert tracked.errors == []


async def test_language_switch(ui: UiEnv) -> None:
    tracked = await open_signed_in(ui)
    page = tracked.page
    await expect(page.locator("#nav-inbox")).to_have_text("Inbox")
    await page.select_option(".topbar .lang-select", "zh")
    await expect(page.locator("#nav-inbox")).to_have_text("收件箱")
    await expect(page.locator(".view-button[data-view=unassigned]")).to_contain_text("未分配")
    assert await page.evaluate("document.documentElement.lang") == "zh-CN"
    await page.reload()
    await expect(page.locator("#nav-inbox")).to_have_text("收件箱")  # the choice is remembered
    assert tracked.errors == []


async def test_a_long_list_shows_more_on_request(ui: UiEnv) -> None:
    await ingest(ui, *[telegram_public(f"question number {i}", user=str(1000 + i), thread=f"chat:{i}") for i in range(130)])
    tracked = await open_signed_in(ui)
    page = tracked.page
    await expect(page.locator(".total")).to_have_text("130 conversations")
    await expect(page.locator(".conv-row")).to_have_count(100)
    await page.click("button.more")
    await expect(page.locator(".conv-row")).to_have_count(130)
    await expect(page.locator("button.more")).to_be_hidden()
    assert tracked.errors == []
