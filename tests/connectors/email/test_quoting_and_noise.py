"""Quote folding for display, and recognising auto-replies, bounces, lists, no-reply senders and our own mail."""
from __future__ import annotations

import hashlib

import pytest

from connectors.email.parse import parse_mail
from connectors.email.quoting import split_quoted
from connectors.email.smtp_out import outbound_message_id


@pytest.mark.parametrize(
    ("body", "new", "quoted_start"),
    [
        ("Still pending.\n\nOn Mon, 3 Jun 2024 at 10:00, Support <s@x.com> wrote:\n> Please wait", "Still pending.",
         "On Mon"),
        ("还是没到账\n\n在 2024年6月3日 10:00，客服 <s@x.com> 写道：\n> 请稍等", "还是没到账", "在 2024"),
        ("ok\n\n-----Original Message-----\nFrom: S\nSent: x\nTo: y\nSubject: z\n\nold", "ok", "-----Original"),
        ("好的\n发件人: 客服\n发送时间: 2024年6月3日\n收件人: me\n主题: 提现\n\n旧内容", "好的", "发件人"),
        ("thanks\n> quoted line\n> another", "thanks", "> quoted"),
    ],
)
def test_split_quoted(body: str, new: str, quoted_start: str) -> None:
    got_new, got_quoted = split_quoted(body)
    assert got_new == new
    assert got_quoted.startswith(quoted_start)


def test_split_quoted_keeps_unquoted_text_whole() -> None:
    body = "From: my phone\nI lost access to my wallet"
    assert split_quoted(body) == (body, "")
    assert split_quoted("> only a forward\n> nothing new") == ("> only a forward\n> nothing new", "")


def _mail(headers: str, body: str = "text") -> bytes:
    base = f"Message-ID: <n-{hashlib.sha1(headers.encode()).hexdigest()}@x>\n"
    if "Subject:" not in headers:
        base += "Subject: hello\n"
    return (base + headers).replace("\n", "\r\n").encode() + b"\r\n\r\n" + body.encode()


@pytest.mark.parametrize(
    ("headers", "flag"),
    [
        ("From: a@x.example\nAuto-Submitted: auto-replied", "auto_reply"),
        ("From: a@x.example\nX-Autoreply: yes", "auto_reply"),
        ("From: a@x.example\nPrecedence: bulk", "auto_reply"),
        ("From: a@x.example\nPrecedence: auto_reply", "auto_reply"),
        ("From: a@x.example\nSubject: 自动回复: 我正在休假", "auto_reply"),
        ("From: MAILER-DAEMON@mx.example\nContent-Type: text/plain", "bounce"),
        ('From: postmaster@x.example\nContent-Type: multipart/report; report-type=delivery-status; boundary="b"',
         "bounce"),
        ("From: news@x.example\nList-Id: <news.x.example>", "list"),
        ("From: news@x.example\nList-Unsubscribe: <mailto:u@x.example>", "list"),
        ("From: no-reply@exchange.example", "noreply"),
        ("From: noreply@exchange.example", "noreply"),
        ("From: do_not_reply@bank.example", "noreply"),
    ],
)
def test_noise_flags(headers: str, flag: str) -> None:
    assert flag in parse_mail(_mail(headers), "mail").flags


def test_ordinary_mail_has_no_flags() -> None:
    assert parse_mail(_mail("From: alice@customer.example\nAuto-Submitted: no"), "mail").flags == frozenset()


def test_own_mail_is_flagged_own() -> None:
    own_id = outbound_message_id("mail", "key-1", "wallet.example")
    raw = f"From: support@wallet.example\r\nMessage-ID: <{own_id}>\r\nSubject: Re: x\r\n\r\nour reply".encode()
    assert "own" in parse_mail(raw, "mail").flags
