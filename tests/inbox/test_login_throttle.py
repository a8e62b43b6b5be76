"""Issue #12 item 4: a login flood must not stall the server. Password checks run off the event loop, failures are
throttled per account and per client address (429 + Retry-After) and audited (never the password).

How fast /healthz stays under a flood is measured by bench/login_flood.py, not here."""
from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path

from sqlalchemy import select

from inbox import auth
from inbox.api.context import CTX
from inbox.api.login_throttle import FailureWindow, LoginThrottle
from inbox.config import InboxSettings
from inbox.store.schema import audit
from tests.inbox.appserver import add_agent, running, settings_for

PASSWORD = "correct horse"
WRONG = "wrong-password-123"


async def _login(http, email: str, password: str) -> tuple[int, dict, dict]:  # noqa: ANN001
    async with http.post("/api/v1/auth/login", json={"email": email, "password": password}) as r:
        return r.status, dict(r.headers), await r.json()


async def _audit_rows(server) -> list:  # noqa: ANN001
    async with server.app[CTX].engine.connect() as conn:
        return (await conn.execute(select(audit).order_by(audit.c.id))).all()


async def test_five_failures_lock_the_account_with_retry_after_and_are_audited(tmp_path: Path) -> None:
    db = f"sqlite+aiosqlite:///{tmp_path}/inbox.db"
    await add_agent(db, "ana@example.com")
    await add_agent(db, "bob@example.com")
    async with running(settings_for(db)) as (server, http):
        for _ in range(5):
            status, _, body = await _login(http, "ana@example.com", WRONG)
            assert status == 401, body
        status, headers, body = await _login(http, "Ana@Example.com ", WRONG)  # same account, other spelling
        assert status == 429, body
        assert 1 <= int(headers["Retry-After"]) <= 60 and body["retry_after"] == int(headers["Retry-After"])
        # Locked for the window, even with the right password (a guesser must not learn it was right).
        status, _, _ = await _login(http, "ana@example.com", PASSWORD)
        assert status == 429
        # Another account from the same address still signs in.
        status, _, body = await _login(http, "bob@example.com", PASSWORD)
        assert status == 200 and body["token"]

        rows = await _audit_rows(server)
    failed = [r for r in rows if r.action == "login_failed"]
    throttled = [r for r in rows if r.action == "login_throttled"]
    assert len(failed) == 5 and {r.actor for r in failed} == {"ana@example.com"}
    assert all("127.0.0.1" in r.detail for r in failed)
    assert len(throttled) == 1  # a flood is audited once per blocked period, not row by row
    for r in rows:
        assert WRONG not in f"{r.actor} {r.detail}" and PASSWORD not in f"{r.actor} {r.detail}"


async def test_a_password_typed_into_the_email_field_is_not_audited(tmp_path: Path) -> None:
    db = f"sqlite+aiosqlite:///{tmp_path}/inbox.db"
    await add_agent(db, "ana@example.com")
    async with running(settings_for(db)) as (server, http):
        status, _, _ = await _login(http, "MySecretPassw0rd", "whatever")
        assert status == 401
        rows = await _audit_rows(server)
    assert [r.actor for r in rows] == ["(not an email address)"]


async def test_unknown_accounts_are_throttled_like_real_ones(tmp_path: Path) -> None:
    """Otherwise a 429 (or its absence) would tell which emails have an account."""
    db = f"sqlite+aiosqlite:///{tmp_path}/inbox.db"
    await add_agent(db, "ana@example.com")
    async with running(settings_for(db)) as (_, http):
        for email in ("ana@example.com", "nobody@example.com"):
            statuses = [(await _login(http, email, WRONG))[0] for _ in range(6)]
            assert statuses == [401] * 5 + [429], (email, statuses)


async def test_per_address_limit_across_accounts(tmp_path: Path) -> None:
    db = f"sqlite+aiosqlite:///{tmp_path}/inbox.db"
    await add_agent(db, "ana@example.com")
    settings = settings_for(db, inbox=InboxSettings(login_failures_per_account=100, login_failures_per_address=3))
    async with running(settings) as (_, http):
        statuses = [(await _login(http, f"user{i}@example.com", WRONG))[0] for i in range(3)]
        assert statuses == [401, 401, 401]
        status, headers, _ = await _login(http, "ana@example.com", PASSWORD)
        assert status == 429 and int(headers["Retry-After"]) >= 1


async def test_concurrent_guesses_are_counted_while_in_flight(tmp_path: Path) -> None:
    """20 guesses at once for one account: only 5 reach the password check, the rest are refused at once."""
    db = f"sqlite+aiosqlite:///{tmp_path}/inbox.db"
    await add_agent(db, "ana@example.com")
    async with running(settings_for(db)) as (_, http):
        results = await asyncio.gather(*(_login(http, "ana@example.com", WRONG) for _ in range(20)))
    statuses = sorted(r[0] for r in results)
    assert statuses.count(401) == 5 and statuses.count(429) == 15


async def test_a_success_forgives_its_own_attempt(tmp_path: Path) -> None:
    db = f"sqlite+aiosqlite:///{tmp_path}/inbox.db"
    await add_agent(db, "ana@example.com")
    async with running(settings_for(db)) as (_, http):
        for _ in range(4):
            assert (await _login(http, "ana@example.com", WRONG))[0] == 401
        for _ in range(3):  # successes do not count toward the limit
            assert (await _login(http, "ana@example.com", PASSWORD))[0] == 200
        assert (await _login(http, "ana@example.com", WRONG))[0] == 401
        assert (await _login(http, "ana@example.com", WRONG))[0] == 429


async def test_password_checks_run_off_the_event_loop(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    db = f"sqlite+aiosqlite:///{tmp_path}/inbox.db"
    await add_agent(db, "ana@example.com")
    threads: list[str] = []
    nice: list[int] = []
    real = auth._hasher

    class Spy:  # PasswordHasher has slots: wrap it instead of patching its method
        def verify(self, hash_: str, password: str) -> bool:
            threads.append(threading.current_thread().name)
            nice.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
            return real.verify(hash_, password)

    monkeypatch.setattr(auth, "_hasher", Spy())
    loop_thread = threading.current_thread().name
    async with running(settings_for(db)) as (_, http):
        assert (await _login(http, "ana@example.com", PASSWORD))[0] == 200
        assert (await _login(http, "ana@example.com", WRONG))[0] == 401
        assert (await _login(http, "nobody@example.com", WRONG))[0] == 401
    assert len(threads) == 3 and loop_thread not in threads
    # Linux: the checks run at a lower priority than the event loop's thread (nice is per thread there).
    assert all(n > os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) for n in nice), nice


def test_failure_window_expires_and_says_when() -> None:
    now = [1000.0]
    window = FailureWindow(limit=2, window=60, clock=lambda: now[0])
    window.add("k")
    now[0] += 10
    window.add("k")
    assert window.retry_after("k") == 50  # the oldest failure ages out 60 s after it happened
    now[0] += 50
    assert window.retry_after("k") == 0
    assert window.retry_after("other") == 0


def test_zero_limit_turns_the_throttle_off() -> None:
    throttle = LoginThrottle.from_limits(0, 0, 60)
    for _ in range(100):
        throttle.begin("a", "b")
    assert throttle.retry_after("a", "b") == 0


def test_a_blocked_address_spraying_new_emails_is_audited_once() -> None:
    throttle = LoginThrottle.from_limits(5, 3, 60, clock=lambda: 1000.0)
    for i in range(3):
        throttle.begin(f"user{i}@example.com", "10.0.0.1")
    first = [throttle.first_refusal(f"spray{i}@example.com", "10.0.0.1", 60) for i in range(50)]
    assert first.count(True) == 1
    # A blocked account guessed from ever new addresses: once as well.
    for i in range(5):
        throttle.begin("ana@example.com", f"10.1.0.{i}")
    first = [throttle.first_refusal("ana@example.com", f"10.2.0.{i}", 60) for i in range(50)]
    assert first.count(True) == 1
