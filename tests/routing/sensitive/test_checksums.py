from datetime import date

from routing.sensitive.checksums import (
    base58check_payload,
    bech32_ok,
    cn_id_ok,
    iban_ok,
    luhn_ok,
)


def test_luhn() -> None:
    assert luhn_ok("4111111111111111")
    assert not luhn_ok("4111111111111112")


def test_iban_mod97() -> None:
    assert iban_ok("GB82WEST12345698765432")
    assert not iban_ok("GB82WEST12345698765433")


def test_cn_id_checks_region_date_and_check_digit() -> None:
    assert cn_id_ok("11010519491231002X")
    assert not cn_id_ok("110105194912310021")  # wrong check character
    assert not cn_id_ok("99010519491231002X")  # no such province
    assert not cn_id_ok("110105194902300021")  # 30 February
    assert not cn_id_ok("11010520991231002X", today=date(2026, 1, 1))  # born in the future


def test_base58check_and_bech32() -> None:
    payload = base58check_payload("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2")
    assert payload is not None and payload[0] == 0 and len(payload) == 21
    assert base58check_payload("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3") is None
    assert bech32_ok("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4")
    assert bech32_ok("bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297")  # bech32m, taproot
    assert not bech32_ok("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5")
