"""Polling mode against the stand-in: delivery, offsets across restarts, bad input, failures."""
from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from connectors.base import AuthError
from inbox.domain import InboundMessage, Visibility
from tests.connectors.memory_host import MemoryHost
from tests.connectors.telegram.conftest import ALICE, BOB, GROUP, eventually, running
from tests.connectors.telegram.standin import TgChat


class RecordingHost(MemoryHost):
    """Remembers every deliver call (batch provider ids and checkpoint)."""

    def __init__(self, checkpoint: dict[str, str] | None = None, fail_deliveries: int = 0) -> None:
        super().__init__()
        self.checkpoint = dict(checkpoint or {})
        self.batches: list[tuple[list[str], dict[str, str] | None]] = []
        self.fail_deliveries = fail_deliveries

    async def deliver(
        self, messages: Sequence[InboundMessage], checkpoint: dict[str, str] | None = None
    ) -> list[int | None]:
        if self.fail_deliveries:
            self.fail_deliveries -= 1
            raise RuntimeError("database unavailable")
        self.batches.append(([m.provider_id for m in messages], checkpoint))
        return await super().deliver(messages, checkpoint)


async def test_private_and_group_messages_arrive_with_their_visibility(standin, make_connector) -> None:
    host = RecordingHost()
    connector = make_connector(host)
    async with running(connector):
        standin.inject_message(TgChat.private(ALICE), ALICE, "deposit not credited")
        standin.inject_message(GROUP, BOB, "is withdrawal down?")
        messages = await host.wait_for(2, timeout=5)
    by_text = {m.text: m for m in messages}
    assert by_text["deposit not credited"].visibility is Visibility.PRIVATE
    assert by_text["is withdrawal down?"].visibility is Visibility.PUBLIC
    assert by_text["is withdrawal down?"].thread_key == f"group:{GROUP.id}:user:{BOB.id}"
    assert host.synced >= 1


async def test_offset_is_checkpointed_with_each_batch(standin, make_connector) -> None:
    host = RecordingHost()
    async with running(make_connector(host)):
        update = standin.inject_message(TgChat.private(ALICE), ALICE, "hello")
        await host.wait_for(1)
    assert host.checkpoint == {"offset": str(update["update_id"] + 1)}
    assert host.batches[0] == ([f"{ALICE.id}:{update['message']['message_id']}"], host.checkpoint)


async def test_batch_with_nothing_deliverable_still_moves_the_offset(standin, make_connector) -> None:
    host = RecordingHost()
    async with running(make_connector(host)):
        standin.inject_join(GROUP, ALICE)
        last = standin.inject_my_chat_member(GROUP, BOB, status="administrator")
        await eventually(lambda: host.checkpoint.get("offset") == str(last["update_id"] + 1))
    assert host.messages == []
    assert all(ids == [] for ids, _ in host.batches)
    assert host.problems == []  # ignoring these is normal, not a problem


async def test_malformed_update_is_skipped_without_stalling(standin, make_connector) -> None:
    host = RecordingHost()
    async with running(make_connector(host)):
        standin.inject({"message": {"message_id": 1, "date": 1700000000, "text": "no chat"}})
        good = standin.inject_message(TgChat.private(BOB), BOB, "after the broken one")
        [m] = await host.wait_for(1)
        await eventually(lambda: host.checkpoint.get("offset") == str(good["update_id"] + 1))
    assert m.text == "after the broken one"
    assert any("malformed" in p for p in host.problems)


async def test_restart_with_checkpoint_neither_loses_nor_repeats(standin, make_connector) -> None:
    first_host = RecordingHost()
    async with running(make_connector(first_host)):
        for n in range(3):
            standin.inject_message(TgChat.private(ALICE), ALICE, f"before {n}")
        await first_host.wait_for(3)
        await eventually(lambda: first_host.checkpoint.get("offset") is not None)

    # While we are down, more arrive; and Telegram hands out the old ones again as if our confirmation was lost.
    standin.inject_message(GROUP, BOB, "while down 1")
    standin.inject_message(GROUP, BOB, "while down 2")
    standin.unconfirm_all()

    second_host = RecordingHost(checkpoint=first_host.checkpoint)
    async with running(make_connector(second_host)):
        await second_host.wait_for(2)
        standin.inject_message(TgChat.private(ALICE), ALICE, "after restart")
        await second_host.wait_for(3)
    assert [m.text for m in first_host.messages] == ["before 0", "before 1", "before 2"]
    assert [m.text for m in second_host.messages] == ["while down 1", "while down 2", "after restart"]


async def test_failed_delivery_loses_nothing(standin, make_connector) -> None:
    host = RecordingHost(fail_deliveries=1)
    connector = make_connector(host)
    standin.inject_message(TgChat.private(ALICE), ALICE, "must not be lost")
    await connector.start()
    try:
        with pytest.raises(RuntimeError, match="database unavailable"):
            await asyncio.wait_for(connector.run(), timeout=5)
    finally:
        await connector.stop()
    assert host.checkpoint == {}
    # The supervisor restarts the connector with the same host.
    async with running(make_connector(host)):
        [m] = await host.wait_for(1)
    assert m.text == "must not be lost"


async def test_rate_limited_poll_waits_and_continues(standin, make_connector) -> None:
    host = RecordingHost()
    standin.fail_next("getUpdates", 429, "Too Many Requests: retry after 1", retry_after=1)
    standin.inject_message(TgChat.private(ALICE), ALICE, "after the limit")
    async with running(make_connector(host)):
        [m] = await host.wait_for(1, timeout=5)
    assert m.text == "after the limit"
    assert any("rate limited" in p for p in host.problems)


async def test_revoked_token_while_polling_is_auth_error(standin, make_connector) -> None:
    host = RecordingHost()
    connector = make_connector(host)
    await connector.start()
    standin.revoke_token()
    try:
        with pytest.raises(AuthError) as caught:
            await asyncio.wait_for(connector.run(), timeout=5)
    finally:
        await connector.stop()
    assert standin.token not in str(caught.value)


async def test_start_clears_a_leftover_webhook(standin, make_connector) -> None:
    standin.webhook = None
    host = RecordingHost()
    connector = make_connector(host)
    await connector.start()
    await connector.stop()
    assert standin.calls_of("deleteWebhook")


async def test_messages_from_other_chats_keep_their_own_threads(standin, make_connector) -> None:
    host = RecordingHost()
    async with running(make_connector(host)):
        a = standin.inject_message(GROUP, ALICE, "my card payment failed")
        standin.inject_message(GROUP, BOB, "me too", reply_to=a["message"]["message_id"])
        messages = await host.wait_for(2)
    alice, bob = messages
    assert alice.thread_key != bob.thread_key
    assert bob.thread_hints == (alice.provider_id,)
