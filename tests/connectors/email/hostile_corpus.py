"""Hostile and broken mails, each with what a safe outcome looks like. Shared by the Dovecot test and the bench."""
from __future__ import annotations

import base64
import os
from collections.abc import Callable
from dataclasses import dataclass

from inbox.domain import InboundMessage

TWENTY_MB = 20 * 1024 * 1024


@dataclass(frozen=True)
class HostileMail:
    name: str
    raw: bytes
    # None: must be rejected (with a logged reason); otherwise a check the ingested message must pass
    check: Callable[[InboundMessage], bool] | None


def _m(headers: str, body: bytes) -> bytes:
    return headers.strip("\n").replace("\n", "\r\n").encode("ascii") + b"\r\n\r\n" + body


def _big_attachment() -> bytes:
    payload = base64.encodebytes(os.urandom(TWENTY_MB))
    return _m(
        """
From: whale@customer.example
Message-ID: <h-big@customer.example>
Subject: statement export
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="BIG"
""",
        b"--BIG\r\nContent-Type: text/plain\r\n\r\nsee the export attached\r\n"
        b"--BIG\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"export.bin\"\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + payload.replace(b"\n", b"\r\n") + b"--BIG--\r\n",
    )


def hostile_mails() -> list[HostileMail]:
    refs = " ".join(f"<ref{i}@list.example>" for i in range(500))
    return [
        HostileMail("no message-id", _m("From: a1@customer.example\nSubject: no id", b"no message id here"),
                    lambda m: m.provider_id.startswith("synthetic:") and "no message id here" in m.text),
        HostileMail("boundary never occurs", _m(
            'From: a2@customer.example\nMessage-ID: <h-bnd@x>\nSubject: bnd\nContent-Type: multipart/mixed; boundary="DECLARED"',
            b"--ACTUAL\r\nContent-Type: text/plain\r\n\r\nthe real text\r\n--ACTUAL--\r\n"),
            lambda m: "the real text" in m.text),
        HostileMail("closing boundary missing", _m(
            'From: a3@customer.example\nMessage-ID: <h-close@x>\nSubject: close\nContent-Type: multipart/mixed; boundary="B"',
            b"--B\r\nContent-Type: text/plain\r\n\r\nunterminated multipart\r\n"),
            lambda m: "unterminated multipart" in m.text),
        HostileMail("undeclared charset GBK", _m(
            "From: a4@customer.example\nMessage-ID: <h-undecl@x>\nSubject: undeclared",
            "我的充值没有到账".encode("gbk")), lambda m: "我的充值没有到账" in m.text),
        HostileMail("declared utf-8 but GBK", _m(
            "From: a5@customer.example\nMessage-ID: <h-wrongcs@x>\nSubject: wrong\nContent-Type: text/plain; charset=utf-8",
            "提现被拒绝".encode("gbk")), lambda m: "提现被拒绝" in m.text),
        HostileMail("invalid utf-8", _m(
            "From: a6@customer.example\nMessage-ID: <h-badutf@x>\nSubject: bad\nContent-Type: text/plain; charset=utf-8",
            b"ok start \xff\xfe\xc3\x28 end"), lambda m: "ok start" in m.text and "end" in m.text),
        HostileMail("8-bit headers", "From: 李四 <a7@customer.example>\r\nMessage-ID: <h-8bit@x>\r\nSubject: 账户冻结\r\n\r\nbody".encode(),
                    lambda m: m.subject == "账户冻结" and m.sender.display_name == "李四"),
        HostileMail("20 MB attachment", _big_attachment(),
                    lambda m: any(a.size == TWENTY_MB and a.name == "export.bin" for a in m.attachments)),
        HostileMail("nested message/rfc822", _m(
            'From: a9@customer.example\nMessage-ID: <h-nested@x>\nSubject: fwd\nContent-Type: multipart/mixed; boundary="N"',
            b"--N\r\nContent-Type: text/plain\r\n\r\nforwarding the phishing mail\r\n--N\r\nContent-Type: message/rfc822\r\n\r\n"
            b"From: scam@phish.example\r\nSubject: verify your wallet\r\nMessage-ID: <inner@phish>\r\n\r\nsend your seed\r\n--N--\r\n"),
            lambda m: "forwarding the phishing mail" in m.text and "send your seed" not in m.text
            and any(a.content_type == "message/rfc822" and a.name.endswith(".eml") for a in m.attachments)),
        HostileMail("html with scripts", _m(
            "From: a10@customer.example\nMessage-ID: <h-html@x>\nSubject: html\nContent-Type: text/html; charset=utf-8",
            b'<p>hello</p><script>alert(document.cookie)</script><a href="javascript:steal()">win</a>'
            b'<img src=x onerror="steal()"><iframe src="https://evil.example"></iframe>'),
            lambda m: "hello" in m.text and "alert" not in m.text and m.html is not None
            and "javascript" not in m.html and "onerror" not in m.html and "<script" not in m.html
            and "iframe" not in m.html),
        HostileMail("500 references", _m(
            f"From: a11@customer.example\nMessage-ID: <h-refs@x>\nSubject: long thread\nReferences: {refs}",
            b"so many refs"), lambda m: m.thread_key == "ref0@list.example" and len(m.thread_hints) <= 40
            and m.thread_hints[-1] == "ref499@list.example"),
        HostileMail("empty body", _m("From: a12@customer.example\nMessage-ID: <h-empty@x>\nSubject: (empty)", b""),
                    lambda m: m.text == "" and m.subject == "(empty)"),
        HostileMail("no sender at all", _m("Message-ID: <h-nofrom@x>\nSubject: anonymous", b"who sent this"), None),
        HostileMail("broken base64", _m(
            "From: a14@customer.example\nMessage-ID: <h-b64@x>\nSubject: b64\nContent-Type: text/plain\n"
            "Content-Transfer-Encoding: base64", b"aGVsbG8gd29ybGQ=== !!!not base64***\r\n"),
            lambda m: isinstance(m.text, str)),
        HostileMail("unknown charset name", _m(
            "From: a15@customer.example\nMessage-ID: <h-unkcs@x>\nSubject: cs\nContent-Type: text/plain; charset=x-no-such",
            "转账失败".encode()), lambda m: "转账失败" in m.text),
        HostileMail("NUL and control bytes", _m(
            "From: a16@customer.example\nMessage-ID: <h-nul@x>\nSubject: ctl", b"before\x00\x01\x1bafter"),
            lambda m: "\x00" not in m.text and "before" in m.text and "after" in m.text),
        HostileMail("garbage date and content-type", _m(
            "From: a17@customer.example\nMessage-ID: <h-date@x>\nSubject: d\nDate: yesterday-ish\nContent-Type: ;;;",
            b"odd headers"), lambda m: "odd headers" in m.text and m.sent_at.tzinfo is not None),
        HostileMail("bad encoded word", _m(
            "From: =?utf-8?B?!!!?= <a18@customer.example>\nMessage-ID: <h-ew@x>\nSubject: =?gbk?B?broken?=",
            b"text"), lambda m: m.sender.value == "a18@customer.example"),
        HostileMail("date in the future", _m(
            "From: a19@customer.example\nMessage-ID: <h-future@x>\nSubject: f\nDate: Fri, 01 Jan 2100 00:00:00 +0000",
            b"time traveller"), lambda m: m.sent_at.year < 2100),
    ]


def good_mail(index: int) -> bytes:
    return _m(
        f"From: good{index}@customer.example\nMessage-ID: <good-{index}@customer.example>\nSubject: good {index}\n"
        "Content-Type: text/plain; charset=utf-8",
        f"good mail number {index} 正常邮件".encode(),
    )
