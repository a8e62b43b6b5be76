"""UI latency (python bench/ui_latency.py) in Debian's Chromium against the real app (SQLite): first paint of the inbox with N conversations,
customer message -> row in the agent's list, agent send -> customer socket, draft -> guard verdict shown."""
import asyncio, dataclasses, statistics, sys, tempfile, time, uuid
sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))  # run from the checkout
from datetime import datetime, timezone
from playwright.async_api import async_playwright, expect
from tests.inbox.appserver import add_agent, running, settings_for
from tests.ui.conftest import CHROMIUM_ARGS
from tests.ui.helpers import customer, say, recv
from inbox.api.context import CTX
from inbox.domain import Channel, ContactIdentity, IdentityKind, InboundMessage, Visibility
from connectors.webchat import WebchatConfig
from connectors.webchat.limits import ChatLimits
from inbox.config import ConnectorEntry
# One customer sends ROUNDS messages back to back: a load generator, not an abuser, so the chat's limits are lifted.
LOAD_LIMITS = ChatLimits(messages_per_minute=1_000_000, message_burst=100_000)

N_CONV, ROUNDS = 500, 20

def fig(name, xs):
    xs = sorted(xs)
    print(f"{name}: median {statistics.median(xs)*1000:.0f} ms, p95 {xs[int(len(xs)*0.95)-1]*1000:.0f} ms, max {xs[-1]*1000:.0f} ms (n={len(xs)})")

async def main():
    tmp = tempfile.mkdtemp()
    db = f"sqlite+aiosqlite:///{tmp}/inbox.db"
    await add_agent(db, "ana@example.com", "correct horse")
    chat = ConnectorEntry("app-chat", WebchatConfig(type="webchat", identity_secret="app-secret", limits=LOAD_LIMITS))
    async with running(dataclasses.replace(settings_for(db), connectors=(chat,))) as (server, http):
        class Env: pass
        env = Env(); env.http = http
        base = str(server.make_url("")).rstrip("/")
        now = datetime.now(timezone.utc)
        await server.app[CTX].pipeline.ingest([InboundMessage(connector="tg", channel=Channel.TELEGRAM, provider_id=str(i),
            thread_key=f"chat:{i}", visibility=Visibility.PRIVATE, sender=ContactIdentity(IdentityKind.TELEGRAM, str(i), f"User {i}"),
            text=f"我的提现还没到账 message {i}", sent_at=now) for i in range(N_CONV)])
        async with async_playwright() as pw:
            ctx = await pw.chromium.launch_persistent_context(f"{tmp}/profile", executable_path="/usr/bin/chromium",
                args=CHROMIUM_ARGS, headless=True, viewport={"width": 1400, "height": 900})
            page = ctx.pages[0]
            await page.goto(base + "/")
            await page.fill("#login-email", "ana@example.com"); await page.fill("#login-password", "correct horse")
            await page.click("#login-form button[type=submit]")
            await page.wait_for_selector(".conv-row")
            loads = []
            for _ in range(5):
                t0 = time.perf_counter(); await page.reload(); await page.wait_for_selector(".conv-row >> nth=99")
                loads.append(time.perf_counter() - t0)
            fig(f"reload to 100 rows shown ({N_CONV} conversations stored)", loads)
            await page.wait_for_timeout(500)
            live, sends, guards = [], [], []
            async with customer(env, "bench") as chat:
                for i in range(ROUNDS):
                    marker = uuid.uuid4().hex[:8]
                    await page.evaluate("""(marker) => { window.__seenAt = null;
                        const list = document.querySelector('.conv-list');
                        const obs = new MutationObserver(() => { if (list.textContent.includes(marker)) { window.__seenAt = Date.now(); obs.disconnect(); } });
                        obs.observe(list, {childList: true, subtree: true, characterData: true}); }""", marker)
                    t0 = time.time()
                    await say(chat, f"live {marker}")
                    await page.locator(".conv-row", has_text=marker).wait_for()
                    live.append((await page.evaluate("window.__seenAt")) / 1000 - t0)
                await page.locator(".conv-row", has_text="live").first.click()
                for i in range(ROUNDS):
                    await page.fill("textarea.draft", f"reply {i}")
                    t0 = time.perf_counter()
                    await page.click("button.send")
                    await recv(chat, "message")
                    sends.append(time.perf_counter() - t0)
                for i in range(ROUNDS):
                    await page.evaluate("""() => { window.__seenAt = null;
                        const box = document.querySelector('.guard');
                        const obs = new MutationObserver(() => { if (box.querySelector('.guard-item')) { window.__seenAt = Date.now(); obs.disconnect(); } });
                        obs.observe(box, {childList: true, subtree: true}); }""")
                    await page.fill("textarea.draft", f"Your transfer 0x{uuid.uuid4().hex}{uuid.uuid4().hex} is done {i}")
                    t0 = await page.evaluate("Date.now()") / 1000  # just after the input event
                    await page.wait_for_selector(".guard-item", state="visible")
                    guards.append((await page.evaluate("window.__seenAt")) / 1000 - t0)
                    await page.fill("textarea.draft", ""); await page.wait_for_selector(".guard-item", state="detached")
            fig("customer message -> row in agent's list", live)
            fig("click Send -> customer's socket has the reply", sends)
            fig("draft typed -> guard verdict shown (after typing stops; includes the 400 ms debounce)", guards)
            await ctx.close()

asyncio.run(main())
