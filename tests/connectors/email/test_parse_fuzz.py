"""Mangled mail never crashes the parser: every mutation of real and hostile samples is either parsed into
clean text (storable as UTF-8, no NULs) or rejected with MailRejected."""
from __future__ import annotations

import random

from connectors.email.parse import MailRejected, parse_mail
from tests.connectors.email.helpers import make_mail
from tests.connectors.email.hostile_corpus import hostile_mails

_INSERTS = [b"\r\n", b"--", b"=?", b"?=", b";", b'"', b"\x00", b"<", b">", b"boundary=", b"charset=", b"\r\n\r\n",
            b":", b"\xff", b"=\r\n", b"Content-Type: multipart/mixed; boundary=x\r\n"]


def _mutate(rng: random.Random, raw: bytes) -> bytes:
    data = bytearray(raw)
    for _ in range(rng.randint(1, 20)):
        pos = rng.randrange(len(data)) if data else 0
        roll = rng.random()
        if roll < 0.4 and data:
            data[pos] = rng.randrange(256)
        elif roll < 0.7:
            data[pos:pos] = rng.choice(_INSERTS)
        elif data:
            del data[pos : pos + rng.randint(1, 30)]
    return bytes(data)


def test_mutated_mail_is_parsed_clean_or_rejected() -> None:
    rng = random.Random(20240603)
    seeds = [h.raw for h in hostile_mails() if len(h.raw) < 100_000]
    seeds += [make_mail("您好，提现还没到账\n\nOn Mon, support wrote:\n> wait", message_id=f"s{i}@x") for i in range(3)]
    parsed = rejected = 0
    for _ in range(1500):
        try:
            message = parse_mail(_mutate(rng, rng.choice(seeds)), "mail")
        except MailRejected:
            rejected += 1
            continue
        parsed += 1
        for text in (message.text, message.subject or "", message.html or "", message.sender.value,
                     *(a.name for a in message.attachments)):
            text.encode("utf-8")  # raises on lone surrogates
            assert "\x00" not in text
    assert parsed > 500 and rejected > 0  # both outcomes exercised
