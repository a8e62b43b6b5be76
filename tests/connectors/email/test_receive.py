"""Receiving from a real Dovecot: IDLE push, polling, the checkpointed cursor across restarts and downtime,
UIDVALIDITY changes, the first-start backlog window, reconnects, and our own mail never ingested."""
from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from connectors.base import AuthError
from connectors.email.smtp_out import outbound_message_id
from tests.connectors.email.conftest import _missing_peer
from tests.connectors.email.dovecot import Dovecot, dovecot_binary
from tests.connectors.email.helpers import RecordingHost, connector, make_mail, running


async def _append(dovecot: Dovecot, *raws: bytes) -> None:
    await asyncio.to_thread(dovecot.append_many, list(raws))


async def test_idle_push_delivers_new_mail(dovecot: Dovecot) -> None:
    host = RecordingHost()
    # an hour-long poll interval: only IDLE can bring the mail in within the wait below
    conn = connector(dovecot, host, imap={"poll_interval": 3600})
    async with running(conn) as task:
        await asyncio.sleep(0.5)  # let the first (empty) round finish and IDLE begin
        await _append(dovecot, make_mail("pushed by IDLE", message_id="idle-1@c.example"))
        [message] = await host.wait_for(1, timeout=10)
        assert not task.done() and conn.uses_idle
    assert message.provider_id == "idle-1@c.example"
    assert host.synced >= 1


async def test_mail_arriving_during_a_sync_is_not_left_waiting(dovecot: Dovecot) -> None:
    """Mail that lands while a command runs is announced (EXISTS) with that command's answer and not again by IDLE;
    without a STATUS check it waited for the five-minute full check. The mail is appended right after the
    connector's SELECT (in its IMAP thread), before its SEARCH: that exact interleaving, every time."""
    host = RecordingHost()
    conn = connector(dovecot, host, imap={"poll_interval": 3600})
    real_select = conn._session.select
    appended = []

    def select_then_mail_arrives():  # noqa: ANN202
        state = real_select()
        if not appended:
            dovecot.append(make_mail("arrived mid-sync", message_id="race-1@c.example"))
            appended.append(True)
        return state

    conn._session.select = select_then_mail_arrives
    async with running(conn):
        [message] = await host.wait_for(1, timeout=10)
    assert message.provider_id == "race-1@c.example"


async def test_polling_when_idle_is_off(dovecot: Dovecot) -> None:
    host = RecordingHost()
    conn = connector(dovecot, host, imap={"idle": False, "poll_interval": 0.2})
    async with running(conn):
        await asyncio.sleep(0.3)
        await _append(dovecot, make_mail("found by polling", message_id="poll-1@c.example"))
        [message] = await host.wait_for(1, timeout=10)
    assert "found by polling" in message.text


async def test_restart_and_downtime_fetch_everything_since_cursor_once(dovecot: Dovecot) -> None:
    host = RecordingHost()
    await _append(dovecot, *(make_mail(f"before {i}", message_id=f"pre-{i}@c.example") for i in range(3)))
    async with running(connector(dovecot, host)):
        await host.wait_for(3, timeout=10)
    # "downtime": more mail than several batches arrives while no connector runs
    await _append(dovecot, *(make_mail(f"during {i}", message_id=f"down-{i}@c.example") for i in range(450)))
    conn = connector(dovecot, host, batch_size=100)
    async with running(conn):
        await host.wait_for(453, timeout=60)
        await _append(dovecot, make_mail("after restart", message_id="post@c.example"))
        await host.wait_for(454, timeout=10)
    assert len(host.delivered) == len(set(host.delivered)) == 454  # nothing twice, nothing missing
    assert host.checkpoint["last_uid"] == "454"
    assert max(len(c) for c in host.checkpoints) >= 2


async def test_uidvalidity_change_resyncs_without_duplicates(dovecot: Dovecot) -> None:
    host = RecordingHost()
    await _append(dovecot, *(make_mail(f"old {i}", message_id=f"uv-{i}@c.example") for i in range(3)))
    async with running(connector(dovecot, host)):
        await host.wait_for(3, timeout=10)
    old_validity = host.checkpoint["uidvalidity"]
    await asyncio.to_thread(dovecot.change_uidvalidity, 424242)
    await _append(dovecot, make_mail("new after rebuild", message_id="uv-new@c.example"))
    async with running(connector(dovecot, host)):
        await host.wait_for(4, timeout=10)
        await asyncio.sleep(0.5)
    assert host.checkpoint["uidvalidity"] == "424242" != old_validity
    assert {m.provider_id for m in host.messages} == {"uv-0@c.example", "uv-1@c.example", "uv-2@c.example",
                                                      "uv-new@c.example"}
    assert len(host.messages) == 4  # re-sent ids were deduped by provider id, not stored twice
    assert any("UIDVALIDITY changed" in p for p in host.problems)


async def test_first_start_imports_only_the_backlog_window(dovecot: Dovecot) -> None:
    host = RecordingHost()
    old = datetime.now(UTC) - timedelta(days=30)
    await asyncio.to_thread(dovecot.append, make_mail("ancient", message_id="ancient@c.example"), old)
    await _append(dovecot, make_mail("recent", message_id="recent@c.example"))
    async with running(connector(dovecot, host, backlog_days=7)):
        await host.wait_for(1, timeout=10)
        await asyncio.sleep(0.5)
    assert [m.provider_id for m in host.messages] == ["recent@c.example"]
    assert host.checkpoint["last_uid"] == "2"


async def test_zero_backlog_starts_from_now(dovecot: Dovecot) -> None:
    host = RecordingHost()
    await _append(dovecot, make_mail("existing", message_id="existing@c.example"))
    async with running(connector(dovecot, host, backlog_days=0)):
        await asyncio.sleep(0.5)
        await _append(dovecot, make_mail("new", message_id="new@c.example"))
        await host.wait_for(1, timeout=10)
    assert [m.provider_id for m in host.messages] == ["new@c.example"]


async def test_own_mail_is_never_ingested(dovecot: Dovecot) -> None:
    host = RecordingHost()
    own_id = outbound_message_id("support-mail", "reply-1", "wallet.example")
    await _append(
        dovecot,
        make_mail("our reply", sender="Wallet Support <support@wallet.example>", message_id=own_id),
        make_mail("customer answer", message_id="cust@c.example", in_reply_to=own_id, references=[own_id]),
    )
    async with running(connector(dovecot, host)):
        [message] = await host.wait_for(1, timeout=10)
        await asyncio.sleep(0.3)
    assert message.provider_id == "cust@c.example"
    assert own_id in message.thread_hints  # the pipeline links our sent id, so this joins our conversation
    assert host.delivered == ["cust@c.example"]


async def test_reconnects_after_connection_loss(dovecot: Dovecot) -> None:
    host = RecordingHost()
    async with running(connector(dovecot, host)) as task:
        await asyncio.sleep(0.5)
        await asyncio.to_thread(dovecot.restart, 1.5)
        await _append(dovecot, make_mail("after the outage", message_id="outage@c.example"))
        [message] = await host.wait_for(1, timeout=20)
        assert not task.done()
    assert message.provider_id == "outage@c.example"
    assert host.problems and all("s3cret" not in p for p in host.problems)


async def test_bad_password_is_auth_error_and_secret_stays_out(dovecot: Dovecot) -> None:
    conn = connector(dovecot, RecordingHost(), imap={"password": "hunter2-wrong"})
    with pytest.raises(AuthError) as caught:
        await conn.start()
    assert "hunter2" not in str(caught.value)
    assert "hunter2" not in repr(conn.settings) and "hunter2" not in str(conn.settings.model_dump())
    await conn.stop()


async def test_password_changed_while_running_raises_auth_error(dovecot: Dovecot) -> None:
    """After a reconnect the server refuses the credentials: run() raises AuthError (supervisor: auth_failed)."""
    host = RecordingHost()
    conn = connector(dovecot, host)
    await conn.start()
    task = asyncio.create_task(conn.run())
    try:
        await asyncio.sleep(0.5)
        users = dovecot.root / "users"
        users.write_text(users.read_text().replace(dovecot.password, "rotated-password"))
        await asyncio.to_thread(dovecot.kick)
        with pytest.raises(AuthError):
            await asyncio.wait_for(task, timeout=20)
    finally:
        task.cancel()
        await conn.stop()


async def test_stop_while_idling_returns_promptly(dovecot: Dovecot) -> None:
    host = RecordingHost()
    conn = connector(dovecot, host, imap={"idle_recheck": 600})
    await conn.start()
    task = asyncio.create_task(conn.run())
    await asyncio.sleep(0.5)
    task.cancel()
    # the IDLE in the worker thread notices the stop flag within its one-second tick, not after idle_recheck
    await asyncio.wait_for(conn.stop(), timeout=5)


async def test_server_without_idle_is_polled() -> None:
    if dovecot_binary() is None:
        _missing_peer("dovecot (apt-get install -y dovecot-imapd)")
    server = Dovecot(capability="IMAP4rev1 UIDPLUS LITERAL+")
    server.start()
    try:
        host = RecordingHost()
        conn = connector(server, host, imap={"poll_interval": 0.3})
        async with running(conn):
            assert not conn.uses_idle
            await asyncio.to_thread(server.append, make_mail("polled, no IDLE here", message_id="noidle@c.example"))
            [message] = await host.wait_for(1, timeout=10)
        assert message.provider_id == "noidle@c.example"
    finally:
        server.stop()
