"""Card numbers, Chinese resident IDs, IBANs, phone numbers and e-mail addresses.

Boundaries are ASCII-only look-arounds: Python's `\\b` treats CJK characters as word characters, so "手机13812345678"
would not split. Amount-like neighbours ("12345.67") are excluded with look-arounds on decimal separators.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

import phonenumbers

from routing.sensitive.checksums import cn_id_ok, iban_ok, luhn_ok
from routing.sensitive.context import (
    CARD_CONTEXT,
    ID_CONTEXT,
    NOT_CARD_CONTEXT,
    PHONE_CONTEXT,
    appears_near,
    nearest_before,
)

Candidate = tuple[str, int, int]

# Patterns start with a plain character class so the regex engine can skip ahead quickly (a leading look-behind
# would be tried at every position); `_clean_start` then rules out amounts' decimals.
_END = r"(?![0-9A-Za-z])(?![.,][0-9])"

# Each pattern checks the character before its first one right after consuming it (`(?<!…[0-9])`): a match is
# only tried where a token starts, so a 100k-digit line costs one attempt, not one per digit.
_CARD = re.compile(r"[0-9](?<![0-9A-Za-z][0-9])(?:[ \-]?[0-9]){12,18}" + _END)
_CN_ID = re.compile(r"[1-9](?<![0-9A-Za-z][1-9])[0-9]{16}[0-9Xx](?![0-9A-Za-z])")
_CN_MOBILE = re.compile(
    r"(?:\+(?<![0-9A-Za-z+]\+)86[ \-]?1|0(?<![0-9A-Za-z]0)086[ \-]?1|1(?<![0-9A-Za-z+]1))[3-9][0-9](?:[ \-]?[0-9]{4}){2}"
    + _END
)
_INTERNATIONAL = re.compile(r"(?:\+(?<![0-9A-Za-z+]\+)|0(?<![0-9A-Za-z]0)0)[1-9][0-9 ()\-]{6,18}[0-9]" + _END)
_CN_LANDLINE = re.compile(
    r"(?:\((?<![0-9A-Za-z]\()0[1-9][0-9]{1,2}\)|0(?<![0-9A-Za-z]0)[1-9][0-9]{1,2}[ \-])[0-9]{7,8}" + _END
)
_LOCAL_PHONE = re.compile(r"[(0-9](?<![0-9A-Za-z][(0-9])[0-9]{1,4}\)?[ .\-]?[0-9]{3,4}[ .\-]?[0-9]{3,5}" + _END)
_EMAIL = re.compile(
    r"[A-Za-z0-9_%+\-](?<![A-Za-z0-9._%+\-][A-Za-z0-9_%+\-])(?:[A-Za-z0-9._%+\-]{0,63})@[A-Za-z0-9]"
    r"(?:[A-Za-z0-9\-]{0,62})(?:\.[A-Za-z0-9\-]{1,63})*\.[A-Za-z]{2,24}(?![A-Za-z0-9\-])"
)
_IBAN = re.compile(r"[A-Z](?<![0-9A-Za-z][A-Z])[A-Z][0-9]{2}(?: ?[A-Z0-9]){11,30}(?![0-9A-Za-z])")

# ISO 13616 lengths for the countries our customers bank in (and the common SEPA ones).
_IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AT": 20, "BE": 16, "BG": 22, "BH": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18,
    "EE": 20, "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IS": 26,
    "IT": 27, "KW": 30, "KZ": 20, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31, "NL": 18, "NO": 15,
    "PK": 24, "PL": 28, "PT": 25, "QA": 29, "RO": 24, "SA": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "TR": 26,
    "UA": 29, "VG": 24,
}  # fmt: skip

_CONTEXT_BEFORE = 24


def _clean_start(text: str, start: int) -> bool:
    """Not the tail of a longer number or word, and not the decimals of an amount ("12345.67")."""
    if start == 0:
        return True
    before = text[start - 1]
    if before.isascii() and (before.isalnum() or before == "+"):
        return False
    return not (before in ".," and start >= 2 and text[start - 2].isdigit())


def _card_issuer_ok(digits: str) -> bool:
    length = len(digits)
    if digits[0] == "4":
        return length in (13, 16, 19)
    two = int(digits[:2])
    four = int(digits[:4])
    if 51 <= two <= 55 or 2221 <= four <= 2720:
        return length == 16
    if two in (34, 37):
        return length == 15
    if two == 62 or two == 81:  # UnionPay (81 is its newer range)
        return 16 <= length <= 19
    if digits.startswith("6011") or two == 65 or 644 <= int(digits[:3]) <= 649:
        return 16 <= length <= 19
    if 3528 <= four <= 3589:
        return 16 <= length <= 19
    if two in (36, 38, 39) or 300 <= int(digits[:3]) <= 305:
        return 14 <= length <= 16
    if four in _MAESTRO:  # UK and European debit cards
        return 13 <= length <= 19
    if 2200 <= four <= 2204:  # Mir
        return 16 <= length <= 19
    return False


_MAESTRO = frozenset({5018, 5020, 5038, 5893, 6304, 6759, 6761, 6762, 6763})


def _groups_ok(candidate: str) -> bool:
    """Written with separators, a card number uses one separator and groups of at least three digits."""
    if candidate.isdigit():
        return True
    separator = " " if " " in candidate else "-"
    if separator == " " and "-" in candidate:
        return False
    return all(len(group) >= 3 for group in candidate.split(separator))


def find_cards_and_ids(text: str, lower: str) -> list[Candidate]:
    found: list[Candidate] = []
    for match in _CN_ID.finditer(text):
        if _clean_start(text, match.start()) and cn_id_ok(match.group()) and not _card_rather_than_id(match.group(), lower, match.start()):
            found.append(("cn_id", match.start(), match.end()))
    taken = {(start, end) for _, start, end in found}
    for match in _CARD.finditer(text):
        candidate = match.group()
        digits = candidate.replace(" ", "").replace("-", "")
        if (match.start(), match.end()) in taken or not _groups_ok(candidate):
            continue
        if not _clean_start(text, match.start()):
            continue
        if not (_card_issuer_ok(digits) and luhn_ok(digits)):
            continue
        start = match.start()
        card_words = nearest_before(CARD_CONTEXT, lower, start, _CONTEXT_BEFORE)
        other_words = nearest_before(NOT_CARD_CONTEXT, lower, start, _CONTEXT_BEFORE)
        if other_words is not None and (card_words is None or other_words < card_words):
            continue  # an order or reference number that happens to pass Luhn
        found.append(("card_number", start, match.end()))
    return found


def _card_rather_than_id(number: str, lower: str, start: int) -> bool:
    """An 18-digit UnionPay number can pass the ID checks too; the words before it decide."""
    if not (number.isdigit() and _card_issuer_ok(number) and luhn_ok(number)):
        return False
    near_card = appears_near(CARD_CONTEXT, lower, start, start, _CONTEXT_BEFORE, 0)
    return near_card and not appears_near(ID_CONTEXT, lower, start, start, _CONTEXT_BEFORE, 0)


def find_ibans(text: str) -> list[Candidate]:
    found: list[Candidate] = []
    for match in _IBAN.finditer(text):
        if not _clean_start(text, match.start()):
            continue
        raw = match.group()
        expected = _IBAN_LENGTHS.get(raw[:2])
        if expected is None:
            continue
        # Keep exactly `expected` alphanumerics: the pattern may have run on into a following capitalised word.
        count = 0
        cut = len(raw)
        for position, char in enumerate(raw):
            if char != " ":
                count += 1
                if count == expected:
                    cut = position + 1
                    break
        compact = raw[:cut].replace(" ", "")
        if len(compact) == expected and iban_ok(compact):
            end = match.start() + cut
            if end == match.end() or not text[end].isalnum():
                found.append(("iban", match.start(), end))
    return found


def find_emails(text: str) -> list[Candidate]:
    found: list[Candidate] = []
    for match in _EMAIL.finditer(text):
        start = match.start()
        # The pattern has no left boundary: step back over what it skipped (".name@x" is not an address start).
        if start and (text[start - 1].isascii() and (text[start - 1].isalnum() or text[start - 1] in "._%+-")):
            continue
        found.append(("email", start, match.end()))
    return found


def find_phones(text: str, lower: str, regions: tuple[str, ...]) -> list[Candidate]:
    found: list[Candidate] = []
    taken: set[int] = set()
    for match in _CN_MOBILE.finditer(text):
        if (
            _clean_start(text, match.start())
            and _valid(match.group(), "CN")
            and not _looks_like_reference(lower, match.start())
        ):
            found.append(("phone", match.start(), match.end()))
            taken.add(match.start())
    for match in _INTERNATIONAL.finditer(text):
        if match.start() not in taken and _clean_start(text, match.start()) and _valid(match.group(), None):
            found.append(("phone", match.start(), match.end()))
            taken.add(match.start())
    if "CN" in regions:
        for match in _CN_LANDLINE.finditer(text):
            if match.start() not in taken and _clean_start(text, match.start()) and _valid(match.group(), "CN"):
                found.append(("phone", match.start(), match.end()))
                taken.add(match.start())
    others = [region for region in regions if region != "CN"]
    if others:
        found.extend(_local_numbers(text, lower, others, taken))
    return found


def _local_numbers(text: str, lower: str, regions: Iterable[str], taken: set[int]) -> list[Candidate]:
    """National-format numbers of the configured regions: only when formatted like a phone or next to phone words."""
    found: list[Candidate] = []
    for match in _LOCAL_PHONE.finditer(text):
        candidate = match.group()
        if match.start() in taken or not _clean_start(text, match.start()):
            continue
        formatted = not candidate.isdigit()
        if not (formatted or appears_near(PHONE_CONTEXT, lower, match.start(), match.start(), 30, 0)):
            continue
        if any(_valid(candidate, region) for region in regions):
            found.append(("phone", match.start(), match.end()))
    return found


def _looks_like_reference(lower: str, start: int) -> bool:
    return not appears_near(PHONE_CONTEXT, lower, start, start, 24, 0) and appears_near(
        NOT_CARD_CONTEXT, lower, start, start, 24, 0
    )


def _valid(candidate: str, region: str | None) -> bool:
    if candidate.startswith("00"):
        candidate = "+" + candidate[2:]
    try:
        number = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(number)
