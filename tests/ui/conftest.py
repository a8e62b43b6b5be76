"""A real browser (Debian's Chromium driven by Playwright) against the real app on loopback (SQLite).

Chromium is installed by the test script (`apt-get install -y chromium`), not here: without it these tests skip,
or fail when CI=true. A failing test leaves a screenshot in test-artifacts/.
"""
from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from inbox.config import RoutingSettings
from tests.conftest import missing_peer
from tests.inbox.appserver import add_agent, running, settings_for

CHROMIUM = os.environ.get("INBOX_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "correct horse"
ADMIN = "admin@example.com"
AGENT = "ana@example.com"


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@dataclass
class UiEnv:
    base_url: str
    server: object  # aiohttp TestServer: server.app[CTX] reaches the running services
    http: object  # aiohttp ClientSession on the same server
    db_url: str
    context: object  # playwright BrowserContext (fresh profile)
    # Another browser (its own profile, so its own session cookie): `await env.other_browser()`. Two agents signed
    # in at once need two browsers, as in real life: the tabs of one browser share one session.
    other_browser: object = None


@pytest.fixture
def chromium() -> str:
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        missing_peer(f"Chromium at {CHROMIUM}")
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        missing_peer("the playwright Python package")
    return CHROMIUM


async def _screenshot_on_failure(request: pytest.FixtureRequest, context) -> None:
    report = getattr(request.node, "rep_call", None)
    if report is None or not report.failed:
        return
    ARTIFACTS.mkdir(exist_ok=True)
    name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
    for i, page in enumerate(context.pages):
        try:
            await page.screenshot(path=str(ARTIFACTS / f"{name}-{i}.png"), full_page=True)
        except Exception as e:  # noqa: BLE001 - a crashed page must not hide the test's own failure
            print(f"screenshot of page {i} failed: {e!r}")


@pytest.fixture
async def ui(chromium: str, tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[UiEnv]:
    from playwright.async_api import async_playwright

    db_url = f"sqlite+aiosqlite:///{tmp_path}/inbox.db"
    await add_agent(db_url, ADMIN, PASSWORD, role="admin")
    await add_agent(db_url, AGENT, PASSWORD, role="agent")
    options = dict(getattr(request, "param", {}))
    if "rules_from" in options:  # a copy of a rules file, so the test may edit it
        rules = tmp_path / "rules.yaml"
        shutil.copy(options.pop("rules_from"), rules)
        options["routing"] = RoutingSettings(rules=str(rules))
    settings = settings_for(db_url, **options)
    async with running(settings) as (server, http), async_playwright() as pw:
        context = await pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=chromium, args=CHROMIUM_ARGS, headless=True,
            locale="en-US", viewport={"width": 1400, "height": 900})
        context.set_default_timeout(10_000)
        others: list = []

        async def other_browser():  # noqa: ANN202
            other = await pw.chromium.launch_persistent_context(
                str(tmp_path / f"profile-{len(others) + 1}"), executable_path=chromium, args=CHROMIUM_ARGS,
                headless=True, locale="en-US", viewport={"width": 1400, "height": 900})
            other.set_default_timeout(10_000)
            others.append(other)
            return other

        try:
            yield UiEnv(str(server.make_url("")).rstrip("/"), server, http, db_url, context, other_browser)
        finally:
            for c in (context, *others):
                await _screenshot_on_failure(request, c)
                await c.close()


async def sign_in(page, env: UiEnv, email: str = AGENT) -> None:
    await page.goto(env.base_url + "/")
    await page.fill("#login-email", email)
    await page.fill("#login-password", PASSWORD)
    await page.click("#login-form button[type=submit]")
    await page.wait_for_selector("#shell:not([hidden])")
