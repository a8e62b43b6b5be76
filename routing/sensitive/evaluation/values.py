"""Valid (and deliberately invalid) sensitive values for the evaluation corpus, drawn from a seeded `random.Random`."""
from __future__ import annotations

import hashlib
import random
from datetime import date, timedelta

import phonenumbers
from mnemonic import Mnemonic

from routing.sensitive.checksums import luhn_ok

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_MNEMONICS = {name: Mnemonic(name) for name in ("english", "chinese_simplified", "chinese_traditional")}


def base58check(payload: bytes) -> str:
    data = payload + hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
    value = int.from_bytes(data, "big")
    out = ""
    while value:
        value, digit = divmod(value, 58)
        out = _B58[digit] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def _bech32_polymod(values: list[int]) -> int:
    generator = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    checksum = 1
    for value in values:
        top = checksum >> 25
        checksum = (checksum & 0x1FFFFFF) << 5 ^ value
        for bit in range(5):
            checksum ^= generator[bit] if (top >> bit) & 1 else 0
    return checksum


def segwit_address(rng: random.Random, version: int = 0) -> str:
    program = rng.randbytes(20 if version == 0 else 32)
    bits, acc, data = 0, 0, [version]
    for byte in program:
        acc = (acc << 8) | byte
        bits += 8
        while bits >= 5:
            bits -= 5
            data.append((acc >> bits) & 31)
    if bits:
        data.append((acc << (5 - bits)) & 31)
    hrp = "bc"
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    constant = 1 if version == 0 else 0x2BC830A3
    polymod = _bech32_polymod(expanded + data + [0] * 6) ^ constant
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(_BECH32[d] for d in data + checksum)


def mnemonic(rng: random.Random, language: str, words: int) -> list[str]:
    entropy = rng.randbytes(words * 4 // 3)
    return _MNEMONICS[language].to_mnemonic(entropy).split()


def wordlist(language: str) -> list[str]:
    return _MNEMONICS[language].wordlist


def card_number(rng: random.Random) -> str:
    prefix, length = rng.choice(
        [("4", 16), ("4", 16), ("51", 16), ("55", 16), ("2221", 16), ("62", 16), ("62", 19), ("622202", 19),
         ("34", 15), ("37", 15), ("6011", 16), ("3530", 16)]
    )  # fmt: skip
    return complete_luhn(prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1)))


def complete_luhn(partial: str) -> str:
    for check in "0123456789":
        if luhn_ok(partial + check):
            return partial + check
    raise AssertionError("unreachable")


def group_card(number: str, separator: str) -> str:
    if len(number) == 15:
        return separator.join((number[:4], number[4:10], number[10:]))
    return separator.join(number[i : i + 4] for i in range(0, len(number), 4))


_REGIONS = ("110101", "110105", "310104", "440305", "330106", "510107", "320102", "420111", "370202", "610113")


def cn_id(rng: random.Random, valid: bool = True) -> str:
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 365 * 55))
    body = rng.choice(_REGIONS) + born.strftime("%Y%m%d") + f"{rng.randrange(1000):03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, weights)) % 11]
    if not valid:
        check = rng.choice([c for c in "0123456789" if c != check])
    return body + check


_IBAN_FORMATS = {"DE": "n18", "GB": "a4n14", "FR": "n23", "NL": "a4n10", "ES": "n20", "CH": "n17"}


def iban(rng: random.Random) -> str:
    country = rng.choice(sorted(_IBAN_FORMATS))
    spec = _IBAN_FORMATS[country]
    bban = ""
    if spec.startswith("a"):
        bban += "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(int(spec[1])))
        spec = spec[2:]
    bban += "".join(rng.choice("0123456789") for _ in range(int(spec[1:])))
    numeric = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{country}{98 - int(numeric) % 97:02d}{bban}"


def cn_mobile(rng: random.Random) -> str:
    while True:
        number = rng.choice(["138", "139", "135", "186", "150", "177", "199", "158", "189"]) + "".join(
            rng.choice("0123456789") for _ in range(8)
        )
        if phonenumbers.is_valid_number(phonenumbers.parse(number, "CN")):
            return number


def foreign_phone(rng: random.Random) -> str:
    while True:
        code, digits = rng.choice([("1", 10), ("44", 10), ("852", 8), ("65", 8)])  # US, GB, HK, SG
        national = "".join(rng.choice("23456789" if i == 0 else "0123456789") for i in range(digits))
        number = phonenumbers.parse(f"+{code}{national}")
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def email(rng: random.Random) -> str:
    user = rng.choice(["li.wei", "zhangsan", "alice", "bob.smith", "wang_fang88", "crypto.fan", "j.doe", "support2"])
    return f"{user}{rng.randrange(100)}@" + rng.choice(["qq.com", "163.com", "gmail.com", "example.com", "outlook.com"])


def hex64(rng: random.Random) -> str:
    return rng.randbytes(32).hex()


def wif(rng: random.Random) -> str:
    return base58check(b"\x80" + rng.randbytes(32) + (b"\x01" if rng.random() < 0.5 else b""))


def xprv(rng: random.Random) -> str:
    return base58check(bytes.fromhex("0488ade4") + rng.randbytes(9) + rng.randbytes(32) + b"\x00" + rng.randbytes(32))


def wallet_address(rng: random.Random) -> str:
    choice = rng.randrange(5)
    if choice == 0:
        return base58check(b"\x00" + rng.randbytes(20))
    if choice == 1:
        return base58check(b"\x05" + rng.randbytes(20))
    if choice == 2:
        return segwit_address(rng, rng.choice([0, 1]))
    if choice == 3:
        return "0x" + rng.randbytes(20).hex()
    return base58check(b"\x41" + rng.randbytes(20))


def password(rng: random.Random) -> str:
    stem = rng.choice(["Tr0ub4dor", "sunshine", "Wallet", "qwerty", "abc", "Zhang", "P@ss", "mima", "Dragon"])
    return stem + rng.choice(["2024", "!88", "#1", "123456", "_xyz", "&3", "9527"])


def otp(rng: random.Random) -> str:
    return "".join(rng.choice("0123456789") for _ in range(rng.choice([6, 6, 6, 4, 8])))


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)
