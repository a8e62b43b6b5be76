"""Every kind, in both languages, with the hard negatives next to it."""
import itertools

import pytest

from routing.sensitive import TIERS, detect


def kinds(text: str) -> list[tuple[str, str]]:
    return [(f.kind, text[f.start : f.end]) for f in detect(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my password is Tr0ub4dor&3", [("password", "Tr0ub4dor&3")]),
        ('password: "correct horse"', []),  # quoted values may not contain spaces: not a single token
        ("密码是abc12345，谢谢", [("password", "abc12345")]),
        ("我的支付密码为 884422", [("password", "884422")]),
        ("the verification code is 123456", [("otp", "123456")]),
        ("verification code 123456 expired", [("otp", "123456")]),
        ("验证码123456已失效", [("otp", "123456")]),
        ("my pin is 1234", [("password", "1234")]),
        ("pass: qwerty123", [("password", "qwerty123")]),
        ("I paid 4111 1111 1111 1111 yesterday", [("card_number", "4111 1111 1111 1111")]),
        ("Call me at 138 1234 5678", [("phone", "138 1234 5678")]),
        ("验证码 654321", [("otp", "654321")]),
        ("654321是验证码", [("otp", "654321")]),
        ("card 4111 1111 1111 1111 thanks", [("card_number", "4111 1111 1111 1111")]),
        ("银行卡号6222021234567890128", [("card_number", "6222021234567890128")]),
        ("my Maestro card 6759 6498 2643 8453", [("card_number", "6759 6498 2643 8453")]),
        ("debit card 5018000000000000007 was charged", [("card_number", "5018000000000000007")]),
        ("карта 2201 0000 0000 0003", [("card_number", "2201 0000 0000 0003")]),
        ("身份证号11010519491231002X", [("cn_id", "11010519491231002X")]),
        ("IBAN DE89 3704 0044 0532 0130 00 please", [("iban", "DE89 3704 0044 0532 0130 00")]),
        ("我的手机13812345678，邮箱abc.def@qq.com", [("phone", "13812345678"), ("email", "abc.def@qq.com")]),
        ("手机号：１３８１２３４５６７８", [("phone", "１３８１２３４５６７８")]),
        ("call +44 20 7946 0958", [("phone", "+44 20 7946 0958")]),
        ("地址TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7谢谢", [("wallet_address", "TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7")]),
        ("to bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", [("wallet_address", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4")]),
        ("0x52908400098527886E0F7030069857D2E4169EE7", [("wallet_address", "0x52908400098527886E0F7030069857D2E4169EE7")]),
        ("wif 5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ", [("private_key", "5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ")]),
    ],
)
def test_positive(text: str, expected: list[tuple[str, str]]) -> None:
    assert kinds(text) == expected


HEX = "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"


def test_64_hex_is_decided_by_context() -> None:
    assert kinds(f"txid {HEX}") == [("tx_hash", HEX)]
    assert kinds(f"交易哈希：0x{HEX}") == [("tx_hash", "0x" + HEX)]
    assert kinds(f"private key: {HEX}") == [("private_key", HEX)]
    assert kinds(f"这是我的私钥{HEX}") == [("private_key", HEX)]
    assert kinds(f"https://etherscan.io/tx/0x{HEX}") == [("tx_hash", "0x" + HEX)]
    assert kinds(f"my deposit {HEX} has not arrived") == [("tx_hash", HEX)]
    assert kinds(HEX) == [("private_key", HEX)]  # no context: fail safe


@pytest.mark.parametrize(
    "text",
    [
        "Order 4111111111111111 has not shipped",  # passes Luhn, but it is an order number
        "订单号 6222021234567890128 一直没处理",
        "身份证号110105194912310021验证失败",  # fails the ID checksum
        "I forgot my password, how do I reset it?",
        "my password is not working",
        "密码错误怎么办",
        "I get error code 4031 when withdrawing",
        "邀请码 123456 用不了",
        "timestamp 1700000000123 in the log",
        "at 2024-03-14 12:30:45 I paid 12,345.67 USDT",
        "fee was 0.00012345 BTC",
        "验证码2024年过期了吗",
        "时间戳1676671391，金额¥3,380,000",
        "Reference: 4111111111111111",
        "my uid is 13812345678",
        "My password is still not working after reset",
        "Your verification code is incorrect",
        "zip code 10001",
        "HTTP status code 4040",
        "我的验证码收不到",
        "密码是什么",
        "sign in with fingerprint stopped working and password login fails too",
        "my password doesn't work anymore",
        "my password was changed yesterday",
        "login(user=None, password=None)",
        "it keeps saying incorrect password although I'm sure it's correct",
        "hello quick question: where do I reset my PIN Thanks.",
        "您好，卡在谷歌验证码页面怎么办？",
    ],
)
def test_hard_negatives(text: str) -> None:
    assert detect(text) == []


def test_offsets_point_into_the_original_text_with_invisible_characters() -> None:
    text = "卡号 4111\u200b1111 1111 1111 谢谢"
    [finding] = detect(text)
    assert finding.kind == "card_number"
    assert text[finding.start : finding.end] == "4111\u200b1111 1111 1111"


def test_findings_sorted_non_overlapping_with_tiers() -> None:
    text = "email a@b.co phone 13812345678 password: hunter22 txid " + HEX
    findings = detect(text)
    assert [f.start for f in findings] == sorted(f.start for f in findings)
    assert all(a.end <= b.start for a, b in itertools.pairwise(findings))
    assert all(f.tier == TIERS[f.kind] for f in findings)
    assert [f.kind for f in findings] == ["email", "phone", "password", "tx_hash"]


def test_card_inside_iban_is_the_iban() -> None:
    text = "withdraw to IBAN FR27 2305 0229 5254 6994 9526 198 please"
    assert [f.kind for f in detect(text)] in ([("iban")], ["iban"])


def test_other_phone_regions_are_configurable() -> None:
    from routing.sensitive import DetectorOptions, SensitiveDetector

    # Written like a phone number, a national number of a common region is found by default (issue #13) ...
    formatted = "call me on (415) 555-2671"
    assert [(f.kind, formatted[f.start : f.end]) for f in detect(formatted)] == [("phone", "(415) 555-2671")]
    # ... digits alone only in the configured regions, next to phone words.
    text = "call me on 4155552671"
    assert [f.kind for f in detect(text)] == []
    us = SensitiveDetector(DetectorOptions(phone_regions=("CN", "US")))
    assert [(f.kind, text[f.start : f.end]) for f in us.detect(text)] == [("phone", "4155552671")]
