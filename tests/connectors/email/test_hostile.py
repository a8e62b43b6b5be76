"""A mailbox full of hostile and broken mails next to good ones: every mail is ingested readable and safe or
rejected with a logged reason; the connector keeps running and no neighbour is lost."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import re

import pytest

from tests.connectors.email.dovecot import Dovecot
from tests.connectors.email.helpers import connector
from tests.connectors.email.hostile_corpus import good_mail, hostile_mails
from tests.connectors.memory_host import MemoryHost


def _safe_text(text: str) -> bool:
    return "\x00" not in text and not any("\udc80" <= ch <= "\udcff" for ch in text)


async def test_hostile_corpus_in_one_mailbox(dovecot: Dovecot, caplog: pytest.LogCaptureFixture) -> None:
    corpus = hostile_mails()
    assert len(corpus) >= 15
    raws: list[bytes] = []
    for index, hostile in enumerate(corpus):
        raws += [good_mail(index), hostile.raw]
    raws.append(good_mail(len(corpus)))
    await asyncio.to_thread(dovecot.append_many, raws)

    host = MemoryHost()
    conn = connector(dovecot, host)
    expected = len(raws) - sum(1 for h in corpus if h.check is None)
    caplog.set_level(logging.WARNING, logger="connectors.email")
    await conn.start()
    task = asyncio.create_task(conn.run())
    try:
        messages = await host.wait_for(expected, timeout=60)
        assert not task.done(), "the connector stopped"
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await conn.stop()

    by_sender = {m.sender.value: m for m in messages}
    for index in range(len(corpus) + 1):
        assert f"good mail number {index}" in by_sender[f"good{index}@customer.example"].text
    for index, hostile in enumerate(corpus):
        if hostile.check is None:
            continue
        address = re.search(rb"(a\d+|whale)@customer\.example", hostile.raw[:2000]).group(0).decode()
        assert hostile.check(by_sender[address]), hostile.name
    for m in messages:
        assert _safe_text(m.text) and _safe_text(m.subject or "")
    assert len(messages) == expected
    assert conn.rejected == 1
    assert any("rejected UID" in r.getMessage() and "no sender" in r.getMessage() for r in caplog.records)
    # the cursor moved past the rejected mail: a restart starts after the last UID
    assert int(host.checkpoint["last_uid"]) == len(raws)
