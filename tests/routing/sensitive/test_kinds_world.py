"""Third-party values (routing/sensitive/evaluation/world_vectors.json, provenance inside) in support wording:
IBAN registry examples of every country, Bitcoin Core key_io vectors, BIP-173/350 addresses, card networks' test
numbers, libphonenumber-style national numbers, grouped CN IDs; and digests that are not keys (issue #13)."""
import json
from pathlib import Path

import pytest

from routing.sensitive import detect

VECTORS = json.loads(
    (Path(__file__).resolve().parents[3] / "routing/sensitive/evaluation/world_vectors.json").read_text("utf-8")
)


def kinds(text: str) -> list[tuple[str, str]]:
    return [(f.kind, text[f.start : f.end]) for f in detect(text)]


def grouped(value: str, separator: str = " ") -> str:
    return separator.join(value[i : i + 4] for i in range(0, len(value), 4))


@pytest.mark.parametrize("iban", VECTORS["iban"])
def test_iban_registry_examples_compact_grouped_dashed_and_printed(iban: str) -> None:
    printed = f"{iban[:2]} {iban[2:4]} " + grouped(iban[4:])
    for value in (iban, grouped(iban), grouped(iban, "-"), printed):
        assert kinds(f"please withdraw to {value} thanks") == [("iban", value)], value
        assert kinds(f"提现到{value}一直失败") == [("iban", value)], value


@pytest.mark.parametrize("address", VECTORS["bitcoin_addresses"])
def test_bitcoin_core_and_bip350_addresses(address: str) -> None:
    assert kinds(f"I sent BTC to {address} yesterday") == [("wallet_address", address)]


@pytest.mark.parametrize("key", VECTORS["bitcoin_private_keys"])
def test_bitcoin_core_wif_keys_of_every_chain(key: str) -> None:
    assert kinds(f"导出的是 {key} 对吗") == [("private_key", key)]


@pytest.mark.parametrize("card", VECTORS["cards"])
def test_card_network_test_numbers(card: str) -> None:
    assert kinds(f"my card number is {card}") == [("card_number", card)]


@pytest.mark.parametrize("phone, region", VECTORS["phones"])
def test_national_and_international_phone_formats(phone: str, region: str) -> None:
    assert kinds(f"call me at {phone} please") == [("phone", phone)]


def test_iban_printed_with_spaces_is_not_a_phone() -> None:
    text = "ES 91 2100 0418 4502 0005 1332"
    assert kinds(f"我的账户 {text}") == [("iban", text)]


@pytest.mark.parametrize("number", VECTORS["cn_ids"])
def test_cn_id_in_printed_groups(number: str) -> None:
    for value in (number, f"{number[:6]} {number[6:14]} {number[14:]}", f"{number[:6]}-{number[6:14]}-{number[14:]}"):
        assert kinds(f"身份证 {value}") == [("cn_id", value)]


def test_idn_email_addresses() -> None:
    text = "email me at 用户@例子.广告 or josé@bücher.de, 谢谢"
    assert kinds(text) == [("email", "用户@例子.广告"), ("email", "josé@bücher.de")]


def test_key_word_before_a_hex_value_makes_it_a_private_key() -> None:
    value = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
    assert kinds(f"my key {value} was stolen") == [("private_key", value)]


@pytest.mark.parametrize(
    "text",
    [
        "SHA256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 matches the website",
        "the checksum of the apk is 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08, is it safe?",
        "安装包的SHA-256校验值是 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae 对吗",
    ],
)
def test_digests_in_developer_context_are_not_keys(text: str) -> None:
    assert kinds(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "order 150010000000007 shipped",  # 15 digits starting with 1, Luhn-valid, no card words: not UATP
        "at 05.12.2024 the fee was 0.00012345 BTC",
        "会议时间 2024-05-12 10:30，订单号 2024051210301234",
    ],
)
def test_numbers_that_are_not_cards_or_phones(text: str) -> None:
    assert [kind for kind, _ in kinds(text) if kind in ("card_number", "phone")] == []


@pytest.mark.parametrize("iban", VECTORS["iban"][:30])
def test_iban_with_the_wrong_bban_structure_is_not_taken_even_with_valid_check_digits(iban: str) -> None:
    from stdnum import iban as stdnum_iban

    def forge(position: int) -> str:
        bban = iban[4:position] + ("Q" if iban[position].isdigit() else "7") + iban[position + 1 :]
        return iban[:2] + stdnum_iban.calc_check_digits(iban[:2] + "00" + bban) + bban

    # A letter where the registry says digit, or a digit where it says letter (the first such place), check
    # digits recomputed to match.
    forged = next((forge(p) for p in range(4, len(iban)) if not stdnum_iban.is_valid(forge(p))), None)
    if forged is None:
        pytest.skip("every BBAN character of this country is alphanumeric: no structure to break")
    assert "iban" not in [kind for kind, _ in kinds(f"IBAN {forged}")]
