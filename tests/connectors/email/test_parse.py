"""MIME parsing: charsets Chinese customers send, RFC 2047 headers, HTML-only bodies, attachments, ids."""
from __future__ import annotations

from email.message import EmailMessage

import pytest

from connectors.email.parse import MailRejected, parse_mail
from connectors.email.thread_keys import SYNTHETIC_PREFIX
from inbox.domain import Channel, IdentityKind, Visibility


def _raw(headers: str, body: bytes) -> bytes:
    return headers.replace("\n", "\r\n").encode("ascii") + b"\r\n\r\n" + body


@pytest.mark.parametrize(
    ("charset", "codec", "text"),
    [
        ("gb2312", "gb2312", "我的提现还没有到账，请帮忙查询"),
        ("GBK", "gbk", "充值未到账，交易哈希已提供"),
        ("gb18030", "gb18030", "账户被冻结了怎么办 𠀀"),
        ("big5", "big5", "我的帳戶無法登入，請協助"),
        ("utf-8", "utf-8", "提现失败 withdrawal failed"),
        ("iso-2022-jp", "iso2022_jp", "出金が保留中です"),
        ("gb2312", "gbk", "提現還沒到賬"),  # traditional characters sent as GBK under a gb2312 label
    ],
)
def test_body_charsets(charset: str, codec: str, text: str) -> None:
    raw = _raw(
        f"From: a@customer.example\nMessage-ID: <c-{codec}@x>\nSubject: test\n"
        f"Content-Type: text/plain; charset={charset}\nContent-Transfer-Encoding: 8bit",
        text.encode(codec),
    )
    assert parse_mail(raw, "mail").text == text


@pytest.mark.parametrize(
    ("encoded", "expected"),
    [
        ("=?gb2312?B?zOHP1g==?= [#10234]", "提现 [#10234]"),
        ("=?GBK?Q?=B3=E4=D6=B5?=", "充值"),
        ("=?big5?B?pKSk5Q==?=", "中文"),
        ("=?UTF-8?B?5oiR55qE6ZKx5YyF?= =?UTF-8?Q?_wallet?=", "我的钱包 wallet"),
        ("=?ISO-2022-JP?B?GyRCPVA2YhsoQg==?=", "出金"),
    ],
)
def test_rfc2047_subjects(encoded: str, expected: str) -> None:
    raw = _raw(f"From: a@x.example\nMessage-ID: <s@x>\nSubject: {encoded}", b"body")
    message = parse_mail(raw, "mail")
    assert message.subject == expected


def test_normalized_fields_and_sender_name() -> None:
    raw = _raw(
        "From: =?utf-8?B?5byg5LiJ?= <ZhangSan@Customer.Example>\nMessage-ID: <abc@customer.example>\n"
        "Subject: help\nDate: Mon, 03 Jun 2024 10:00:00 +0800",
        b"hello",
    )
    m = parse_mail(raw, "support-mail")
    assert (m.connector, m.channel, m.visibility) == ("support-mail", Channel.EMAIL, Visibility.PRIVATE)
    assert m.sender.kind == IdentityKind.EMAIL
    assert m.sender.value == "zhangsan@customer.example"
    assert m.sender.display_name == "张三"
    assert m.provider_id == "abc@customer.example" and m.thread_key == "abc@customer.example"
    assert m.sent_at.utcoffset() is not None and m.sent_at.hour == 10


def test_plain_text_preferred_and_html_sanitized() -> None:
    mail = EmailMessage()
    mail["From"] = "a@x.example"
    mail["Message-ID"] = "<alt@x>"
    mail.set_content("plain version")
    mail.add_alternative('<p onclick="steal()">html <script>alert(1)</script>version</p>', subtype="html")
    m = parse_mail(mail.as_bytes(), "mail")
    assert m.text == "plain version"
    assert m.html is not None and "script" not in m.html and "onclick" not in m.html and "html" in m.html


def test_html_only_becomes_readable_text() -> None:
    mail = EmailMessage()
    mail["From"] = "a@x.example"
    mail["Message-ID"] = "<html-only@x>"
    mail.set_content(
        "<html><head><style>p{color:red}</style></head><body><p>您好，</p><p>我的<b>提现</b>还没到账。"
        '<a href="javascript:alert(1)">点这里</a> <a href="https://explorer.example/tx/0xabc">tx</a></p>'
        "<script>document.cookie</script></body></html>",
        subtype="html",
    )
    m = parse_mail(mail.as_bytes(), "mail")
    assert "您好，" in m.text and "我的提现还没到账。" in m.text
    assert "https://explorer.example/tx/0xabc" in m.text
    assert "javascript" not in m.text and "document.cookie" not in m.text and "color:red" not in m.text
    assert m.html is not None and "javascript:" not in m.html and "<script" not in m.html


def test_attachments_kept_with_name_type_size_and_bytes() -> None:
    mail = EmailMessage()
    mail["From"] = "a@x.example"
    mail["Message-ID"] = "<att@x>"
    mail.set_content("screenshot attached")
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
    mail.add_attachment(png, maintype="image", subtype="png", filename="截图.png")
    mail.add_attachment(b"%PDF-1.4 statement", maintype="application", subtype="pdf", filename="statement.pdf")
    m = parse_mail(mail.as_bytes(), "mail")
    assert m.text == "screenshot attached"
    assert [(a.name, a.content_type, a.size) for a in m.attachments] == [
        ("截图.png", "image/png", len(png)),
        ("statement.pdf", "application/pdf", 18),
    ]
    assert m.attachments[0].content == png


def test_missing_message_id_gets_stable_synthetic_id() -> None:
    raw = _raw("From: a@x.example\nSubject: no id", b"where is my money")
    first, second = parse_mail(raw, "mail"), parse_mail(raw, "mail")
    assert first.provider_id.startswith(SYNTHETIC_PREFIX)
    assert first.provider_id == second.provider_id
    other = parse_mail(_raw("From: a@x.example\nSubject: no id", b"another mail"), "mail")
    assert other.provider_id != first.provider_id


def test_thread_headers_ticket_and_reply() -> None:
    raw = _raw(
        "From: a@x.example\nMessage-ID: <m3@x>\nIn-Reply-To: <m2@x>\nReferences: <m1@x>\n <m2@x>\n"
        "Subject: Re: Withdrawal pending [#10234]",
        b"still waiting",
    )
    m = parse_mail(raw, "mail")
    assert m.thread_key == "m1@x"
    assert m.thread_hints == ("m1@x", "m2@x")
    assert m.reply_to_provider_id == "m2@x"
    assert m.ticket_hint == 10234


def test_no_sender_is_rejected_with_reason() -> None:
    with pytest.raises(MailRejected, match="no sender"):
        parse_mail(_raw("Subject: who am I\nMessage-ID: <n@x>", b"text"), "mail")
    with pytest.raises(MailRejected, match="empty"):
        parse_mail(b"\r\n\r\n", "mail")


@pytest.mark.parametrize(
    ("codec", "text"),
    [
        ("gbk", "我的提现还没有到账，请帮我查一下"),
        ("big5", "我的帳戶被凍結了，請幫我處理"),
        ("utf-8", "充值没有到账"),
    ],
)
def test_undeclared_chinese_charset_is_guessed(codec: str, text: str) -> None:
    raw = _raw(f"From: a@customer.example\nMessage-ID: <u-{codec}@x>\nSubject: t", text.encode(codec))
    assert parse_mail(raw, "mail").text == text
