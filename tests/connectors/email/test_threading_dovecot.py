"""Our thread keys, grouped by the pipeline's rules, agree with Dovecot's own THREAD REFERENCES answer on a
realistic mailbox: long chains, clients that send only In-Reply-To, out-of-order arrival, a missing middle
message, a missing root, a branch, and a reply with no thread headers at all (subject fallback)."""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable

from connectors.email.thread_keys import base_subject
from inbox.domain import InboundMessage
from tests.connectors.email.dovecot import Dovecot
from tests.connectors.email.helpers import connector, make_mail
from tests.connectors.memory_host import MemoryHost


def _mail(mid: str, subject: str, sender: str, refs: list[str] = (), reply_to: str | None = None) -> bytes:
    return make_mail(f"message {mid}", subject=subject, sender=sender, message_id=f"{mid}@c.example",
                     references=[f"{r}@c.example" for r in refs] or None,
                     in_reply_to=f"{reply_to}@c.example" if reply_to else None)


def _corpus() -> list[bytes]:
    """Arrival order as listed. Ids missing from the list (b2, g1) were never delivered."""
    a, b, c = "Withdrawal pending 3 days", "Deposit not credited", "KYC rejected"
    e, f, g, h, i = "充值没有到账", "Swap failed", "Account frozen", "Fee too high", "Card binding problem"
    return [
        _mail("a1", a, "ann@x.example"),
        _mail("c3", "Re: " + c, "cat@x.example", ["c1", "c2"], "c2"),  # arrives before its ancestors
        _mail("a2", "Re: " + a, "support@wallet.example", ["a1"], "a1"),
        _mail("b1", b, "bob@x.example"),
        _mail("e1", e, "eve@x.example"),
        _mail("a3", "Re: " + a, "ann@x.example", ["a1", "a2"], "a2"),
        _mail("b3", "Re: " + b, "bob@x.example", ["b1", "b2"], "b2"),  # b2 is missing
        _mail("c2", "Re: " + c, "support@wallet.example", ["c1"], "c1"),
        _mail("f1", f, "fay@x.example"),
        _mail("d1", "Where is my refund", "dan@x.example"),
        _mail("e2", "回复: " + e, "support@wallet.example", [], "e1"),  # In-Reply-To only
        _mail("g2", "Re: " + g, "gus@x.example", ["g1"], "g1"),  # root g1 never arrives
        _mail("f2", "Re: " + f, "support@wallet.example", ["f1"], "f1"),
        _mail("c1", c, "cat@x.example"),
        _mail("h2", "Re: " + h, "support@wallet.example", [], "h1"),
        _mail("a4", "Re: " + a, "support@wallet.example", ["a1", "a2", "a3"], "a3"),
        _mail("f3", "Re: " + f, "fay@x.example", ["f1"], "f1"),  # a branch beside f2
        _mail("e3", "回复: " + e, "eve@x.example", ["e1", "e2"], "e2"),
        _mail("b4", "Re: " + b, "support@wallet.example", ["b1", "b2", "b3"], "b3"),
        _mail("h1", h, "hal@x.example"),
        _mail("g3", "Re: " + g, "gus@x.example", ["g1", "g2"], "g2"),
        _mail("i1", i, "ivy@x.example"),
        _mail("a5", "Re: " + a, "ann@x.example", [], "a4"),  # In-Reply-To only, deep in the chain
        _mail("f4", "Re: " + f, "support@wallet.example", ["f1", "f3"], "f3"),
        _mail("i2", "Re: " + i, "ivy@x.example"),  # a client that dropped every thread header
    ]


def group_like_pipeline(messages: Iterable[InboundMessage]) -> dict[str, int]:
    """provider_id -> conversation number, following the pipeline's threading rules (a small union-find over
    thread keys), with its email-only subject fallback (same contact, same base subject)."""
    conversation_of_key: dict[str, int] = {}
    by_subject: dict[tuple[str, str], int] = {}
    result: dict[str, int] = {}
    for m in messages:
        keys = [f"ticket:{m.ticket_hint}"] if m.ticket_hint else []
        keys += [*m.thread_hints, m.thread_key]
        conversation = next((conversation_of_key[k] for k in keys if k in conversation_of_key), None)
        if conversation is None:
            conversation = by_subject.get((m.sender.value, base_subject(m.subject)), len(set(result.values())) + 1)
        for key in (*m.thread_hints, m.thread_key, m.provider_id):
            conversation_of_key[key] = conversation
        by_subject.setdefault((m.sender.value, base_subject(m.subject)), conversation)
        result[m.provider_id] = conversation
    return result


def _flatten(node: object) -> set[int]:
    if isinstance(node, int):
        return {node}
    return set().union(*(_flatten(child) for child in node)) if node else set()


async def test_grouping_matches_dovecot_thread_references(dovecot: Dovecot) -> None:
    corpus = _corpus()
    await asyncio.to_thread(dovecot.append_many, corpus)

    host = MemoryHost()
    conn = connector(dovecot, host)
    await conn.start()
    task = asyncio.create_task(conn.run())
    try:
        messages = await host.wait_for(len(corpus), timeout=30)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await conn.stop()

    def uid_of_message_ids() -> dict[str, int]:
        with dovecot.client() as client:
            client.select_folder("INBOX", readonly=True)
            envelopes = client.fetch(client.search(["ALL"]), ["ENVELOPE"])
        return {data[b"ENVELOPE"].message_id.decode().strip("<>"): uid for uid, data in envelopes.items()}

    uid_of = await asyncio.to_thread(uid_of_message_ids)
    ours: dict[int, set[int]] = {}
    for provider_id, conversation in group_like_pipeline(messages).items():
        ours.setdefault(conversation, set()).add(uid_of[provider_id])
    dovecots = [_flatten(thread) for thread in await asyncio.to_thread(dovecot.thread_references)]

    assert sorted(map(sorted, ours.values())) == sorted(map(sorted, dovecots))
    assert len(dovecots) == 9  # a..i: the test must exercise real grouping, not all-singletons
