"""A recovery phrase hidden in a mail's HTML part or subject never reaches the store (issue #12, item 8).

Real shapes: a BIP-39 phrase from the `mnemonic` package, HTML as mail programs write it (Gmail's `<div dir="ltr">`,
bold/span runs, one word a line, `&nbsp;`), quoted-printable and 8bit parts, a long folded Subject; parsed by the
email connector's real parser and stored by the real pipeline with the real guard, on SQLite and PostgreSQL.
"""
from __future__ import annotations

from html import unescape
import quopri
import re
from email.message import EmailMessage

import pytest
from mnemonic import Mnemonic
from sqlalchemy import select

from connectors.email.parse import parse_mail
from inbox.events import EventBus
from inbox.pipeline.core import Pipeline
from inbox.store.schema import conversation_tags, conversations, messages
from routing.guard import GuardPolicy, SensitiveStage

INNOCENT = "Please see the formatted version of this mail."


def phrase() -> list[str]:
    return Mnemonic("english").generate(strength=128).split()


def word_runs(value: str | None, words: list[str], n: int = 3) -> list[str]:
    """Every run of `n` consecutive phrase words that `value` still holds in order (tags, entities, line breaks
    and punctuation between them do not count as a separation)."""
    text = value or ""
    if "=\n" in text or "=3D" in text:  # a quoted-printable raw copy: read what it encodes
        text = quopri.decodestring(text.encode("utf-8", "replace")).decode("utf-8", "replace")
    text = re.sub(r"<[^>]*>", " ", unescape(text))
    tokens = re.findall(r"[a-z]+", text.lower())
    runs = {" ".join(words[i : i + n]) for i in range(len(words) - n + 1)}
    return [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1) if " ".join(tokens[i : i + n]) in runs]


def mail(plain: str, html: str | None, *, subject: str = "Wallet help", cte: str = "quoted-printable") -> bytes:
    m = EmailMessage()
    m["From"] = "Alice Chen <alice@customer.example>"
    m["To"] = "support@wallet.example"
    m["Subject"] = subject
    m["Message-ID"] = "<seed-1@customer.example>"
    m.set_content(plain)
    if html is not None:
        m.add_alternative(html, subtype="html", cte=cte)
    return m.as_bytes()


def gmail_bold_spans(words: list[str]) -> str:
    runs = " ".join(f"<b>{w}</b>" if i % 2 else f'<span style="color:#222">{w}</span>' for i, w in enumerate(words))
    return f'<div dir="ltr">Hi, I think someone has my wallet. My backup words:<br>{runs}<br>Please help!</div>'


def one_word_a_line(words: list[str]) -> str:
    return '<div dir="ltr">' + "".join(f"<div>{w}</div>" for w in words) + "<div><br></div><div>Thanks</div></div>"


def nbsp_entities(words: list[str]) -> str:
    return "<html><body><p>words:&nbsp;" + "&nbsp;".join(words) + "&#32;end</p></body></html>"


async def _stored(engine, raw: bytes):  # noqa: ANN001, ANN202
    p = Pipeline(engine, EventBus(), [SensitiveStage(GuardPolicy())])
    [mid] = await p.ingest([parse_mail(raw, "support-mail")])
    async with engine.connect() as conn:
        row = (await conn.execute(select(messages).where(messages.c.id == mid))).one()
        conv = (await conn.execute(select(conversations).where(conversations.c.id == row.conversation_id))).one()
        tags = set((await conn.execute(select(conversation_tags.c.tag).where(
            conversation_tags.c.conversation_id == conv.id))).scalars())
    return row, conv, tags


def _assert_nothing_kept(row, conv, words: list[str]) -> None:  # noqa: ANN001
    for name, value in (("text", row.text), ("html", row.html), ("raw", row.raw), ("subject", row.subject),
                        ("conversation subject", conv.subject), ("preview (list and search)", conv.preview)):
        assert word_runs(value, words) == [], f"seed words left in the {name}"


@pytest.mark.parametrize("shape", [gmail_bold_spans, one_word_a_line, nbsp_entities])
@pytest.mark.parametrize("cte", ["quoted-printable", "8bit"])
async def test_phrase_only_in_the_html_part(engine, shape, cte: str) -> None:  # noqa: ANN001
    words = phrase()
    raw = mail(INNOCENT, shape(words), cte=cte)
    assert word_runs(parse_mail(raw, "m").html, words), "the test mail must carry the phrase in its HTML"
    row, conv, tags = await _stored(engine, raw)
    _assert_nothing_kept(row, conv, words)
    assert "[seed_phrase removed]" in row.text and row.html is None
    assert [f["kind"] for f in row.findings] == ["seed_phrase"]
    assert "sensitive" in tags and conv.priority in ("high", "urgent")
    if cte == "8bit":  # nothing encoded: the raw copy keeps its headers, the body goes
        assert row.raw is not None and "alice@customer.example" in row.raw and "[body removed" in row.raw
    else:
        assert row.raw is None


async def test_phrase_starting_in_the_subject_runs_on_in_the_html(engine) -> None:  # noqa: ANN001
    words = phrase()
    html = '<div dir="ltr">' + " ".join(f"<b>{w}</b>" for w in words[3:]) + "</div>"
    row, conv, tags = await _stored(engine, mail(INNOCENT, html, subject="my words " + " ".join(words[:3]), cte="8bit"))
    _assert_nothing_kept(row, conv, words)
    assert row.subject == "my words [seed_phrase removed]"
    assert "sensitive" in tags


async def test_whole_phrase_in_a_long_folded_subject(engine) -> None:  # noqa: ANN001
    words = phrase()
    subject = "Re: urgent, wallet emptied, I only typed my recovery words here: " + " ".join(words)
    raw = mail("Someone took everything from my wallet.", None, subject=subject, cte="8bit")
    assert b"\n " in raw.split(b"\n\n")[0], "the generator folds a Subject this long"
    row, conv, tags = await _stored(engine, raw)
    _assert_nothing_kept(row, conv, words)
    assert "[seed_phrase removed]" in row.subject and "sensitive" in tags
    assert row.raw is not None and "Subject: Re: urgent" in row.raw and "[seed_phrase removed]" in row.raw


async def test_phrase_in_both_parts_is_masked_in_the_text_and_the_html_dropped(engine) -> None:  # noqa: ANN001
    words = phrase()
    row, conv, _ = await _stored(engine, mail("my words: " + " ".join(words), gmail_bold_spans(words)))
    _assert_nothing_kept(row, conv, words)
    assert row.text == "my words: [seed_phrase removed]" and row.html is None


async def test_an_innocent_html_mail_is_stored_as_it_came(engine) -> None:  # noqa: ANN001
    words = phrase()
    html = '<div dir="ltr">My <b>withdrawal</b> is pending, words like ' + words[0] + " are fine</div>"
    row, conv, tags = await _stored(engine, mail(INNOCENT, html, cte="8bit"))
    assert row.text == INNOCENT and row.html is not None and "<b>withdrawal</b>" in row.html
    assert row.raw is not None and "withdrawal" in row.raw and "sensitive" not in tags


def _apple_split(words: list[str]) -> bytes:
    """Apple Mail around an inline image: alternative(plain, mixed(html, image, html)); half the phrase each side."""
    m = EmailMessage()
    m["From"] = "Alice Chen <alice@customer.example>"
    m["To"] = "support@wallet.example"
    m["Subject"] = "Screenshot of my wallet"
    m["Message-ID"] = "<apple-1@customer.example>"
    m.make_alternative()
    m.attach(_part("text/plain", INNOCENT))
    mixed = EmailMessage()
    mixed.make_mixed()
    mixed.attach(_part("text/html", "<html><body>My words: " + " ".join(f"<b>{w}</b>" for w in words[:6]) + "</body></html>"))
    image = EmailMessage()
    image.set_content(b"\x89PNG\r\n\x1a\n" + b"\0" * 64, maintype="image", subtype="png", disposition="inline",
                      filename="shot.png")
    mixed.attach(image)
    mixed.attach(_part("text/html", "<html><body>" + " ".join(f"<span>{w}</span>" for w in words[6:]) + "</body></html>"))
    m.attach(mixed)
    return m.as_bytes()


def _part(content_type: str, body: str) -> EmailMessage:
    part = EmailMessage()
    part.set_content(body, subtype=content_type.split("/")[1], cte="quoted-printable")
    return part


async def test_phrase_split_across_html_parts_around_an_image(engine) -> None:  # noqa: ANN001
    words = phrase()
    raw = _apple_split(words)
    parsed = parse_mail(raw, "m")
    assert [a.content_type for a in parsed.attachments] == ["image/png"]  # both HTML parts are the body
    row, conv, tags = await _stored(engine, raw)
    _assert_nothing_kept(row, conv, words)
    assert "[seed_phrase removed]" in row.text and row.html is None and row.raw is None
    assert "sensitive" in tags


@pytest.mark.parametrize(("name", "content_type", "body"), [
    ("backup.txt", "text/plain", "{phrase}\n"),
    ("wallet.html", "text/html", "<p><b>{phrase}</b></p>"),
])
async def test_phrase_in_a_text_attachment_is_not_stored(engine, name: str, content_type: str, body: str) -> None:  # noqa: ANN001
    from inbox.store.schema import blobs

    words = phrase()
    m = EmailMessage()
    m["From"] = "Alice Chen <alice@customer.example>"
    m["Subject"] = "my backup file"
    m["Message-ID"] = "<attach-1@customer.example>"
    m.set_content("Attached is my backup, is it safe?")
    maintype, subtype = content_type.split("/")
    data = body.format(phrase=" ".join(words)).encode()
    m.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    row, conv, tags = await _stored(engine, m.as_bytes())
    _assert_nothing_kept(row, conv, words)
    [attachment] = row.attachments
    assert attachment["name"] == name and "blob" not in attachment
    async with engine.connect() as conn:
        kept = (await conn.execute(select(blobs.c.data))).scalars().all()
    assert all(word_runs(bytes(b).decode("utf-8", "replace"), words) == [] for b in kept)
    assert "sensitive" in tags and row.text == "Attached is my backup, is it safe?"


class _Broken:
    name = "broken"

    def process(self, items) -> None:  # noqa: ANN001
        raise RuntimeError("detector crashed")


async def test_a_mail_the_guard_cannot_check_is_withheld_whole(engine) -> None:  # noqa: ANN001
    words = phrase()
    m = EmailMessage()
    m["From"] = "alice@customer.example"
    m["Subject"] = "words " + " ".join(words[:4])
    m["Message-ID"] = "<broken-1@customer.example>"
    m.set_content(INNOCENT)
    m.add_alternative(gmail_bold_spans(words), subtype="html")
    m.add_attachment(" ".join(words).encode(), maintype="text", subtype="plain", filename="backup.txt")
    p = Pipeline(engine, EventBus(), [_Broken()])
    [mid] = await p.ingest([parse_mail(m.as_bytes(), "support-mail")])
    async with engine.connect() as conn:
        row = (await conn.execute(select(messages).where(messages.c.id == mid))).one()
        conv = (await conn.execute(select(conversations).where(conversations.c.id == row.conversation_id))).one()
    _assert_nothing_kept(row, conv, words)
    assert row.html is None and row.raw is None and "blob" not in row.attachments[0]
