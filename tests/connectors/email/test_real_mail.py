"""Replays of real mail shapes that broke parsing (issue 16 items 11, 12, 14); fixtures/real/README.md says where
each shape comes from."""
from __future__ import annotations

from pathlib import Path

import pytest

from connectors.email.charsets import decode_bytes
from connectors.email.parse import parse_mail

FIXTURES = Path(__file__).parent / "fixtures" / "real"


def _parse(name: str):
    return parse_mail((FIXTURES / name).read_bytes(), "mail")


def test_utf8_russian_with_one_bad_byte_stays_russian() -> None:
    text = _parse("utf8-russian-one-bad-byte.eml").text
    assert text.startswith("Профессиональная переподготовка: расписание зан")
    assert "\ufffd" in text  # the damaged byte shows as a replacement character, nothing else changes
    assert "Просьба подтвердить участие до пятницы." in text
    assert "袩" not in text


@pytest.mark.parametrize("name", ["latin1-undeclared.eml", "latin1-labelled-utf8.eml"])
def test_latin1_formacao_is_not_read_as_chinese(name: str) -> None:
    message = _parse(name)
    assert "Formação" in message.text
    assert "玢" not in message.text and "鏰" not in (message.subject or "") + message.text


def test_undeclared_latin1_subject_and_body() -> None:
    message = _parse("latin1-undeclared.eml")
    assert message.subject == "Formação"
    assert message.text == "Inscrição na Formação de segurança da carteira."


@pytest.mark.parametrize(
    ("declared", "codec", "text"),
    [
        ("utf-8", "gbk", "我的提现还没有到账，请帮我查一下"),  # GBK mail mislabelled UTF-8: clearly Chinese
        (None, "big5", "我的帳戶被凍結了，請幫我處理"),
        ("us-ascii", "gb18030", "充值没有到账"),
    ],
)
def test_a_clearly_chinese_reading_still_wins(declared: str | None, codec: str, text: str) -> None:
    assert decode_bytes(text.encode(codec), declared) == text


def test_from_with_two_bare_addresses_reads_the_first_like_pythons_email_package() -> None:
    import email
    import email.policy

    raw = (FIXTURES / "from-two-bare-addresses.eml").read_bytes()
    reference = email.message_from_bytes(raw, policy=email.policy.default)["From"].addresses[0].addr_spec
    message = parse_mail(raw, "mail")
    assert message.sender.value == reference == "tim@example.com"
    assert message.text == "Please confirm my booking."


def test_html_title_does_not_leak_into_text_or_kept_html() -> None:
    message = _parse("html-title-no-head.eml")
    assert message.text == "My payment failed twice."
    assert "Order confirmation" not in (message.html or "")
