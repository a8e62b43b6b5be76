"""Card numbers, Chinese resident IDs, IBANs, phone numbers and e-mail addresses.

Boundaries are ASCII-only look-arounds: Python's `\\b` treats CJK characters as word characters, so "手机13812345678"
would not split. Amount-like neighbours ("12345.67") are excluded with look-arounds on decimal separators.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

import phonenumbers
from stdnum import numdb

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
# Compact, or in the 6-8-4 groups of the printed card (region, birth date, sequence and check).
_CN_ID = re.compile(
    r"[1-9](?<![0-9A-Za-z][1-9])(?:[0-9]{16}|[0-9]{5}([ \-])[0-9]{8}\1[0-9]{3})[0-9Xx](?![0-9A-Za-z])"
)
_CN_MOBILE = re.compile(
    r"(?:\+(?<![0-9A-Za-z+]\+)86[ \-]?1|0(?<![0-9A-Za-z]0)086[ \-]?1|1(?<![0-9A-Za-z+]1))[3-9][0-9](?:[ \-]?[0-9]{4}){2}"
    + _END
)
_INTERNATIONAL = re.compile(r"(?:\+(?<![0-9A-Za-z+]\+)|0(?<![0-9A-Za-z]0)0)[1-9][0-9 ()\-]{6,18}[0-9]" + _END)
_CN_LANDLINE = re.compile(
    r"(?:\((?<![0-9A-Za-z]\()0[1-9][0-9]{1,2}\)|0(?<![0-9A-Za-z]0)[1-9][0-9]{1,2}[ \-])(?:[0-9]{7,8}|[0-9]{3,4}[ \-][0-9]{4})"
    + _END
)
_LOCAL_PHONE = re.compile(r"[(0-9](?<![0-9A-Za-z][(0-9])[0-9]{1,4}\)?[ .\-]?[0-9]{3,4}[ .\-]?[0-9]{3,5}" + _END)
_EMAIL = re.compile(
    r"[A-Za-z0-9_%+\-](?<![A-Za-z0-9._%+\-][A-Za-z0-9_%+\-])(?:[A-Za-z0-9._%+\-]{0,63})@[A-Za-z0-9]"
    r"(?:[A-Za-z0-9\-]{0,62})(?:\.[A-Za-z0-9\-]{1,63})*\.[A-Za-z]{2,24}(?![A-Za-z0-9\-])"
)
# Written compact, in groups of four, dashed, or printed with a space after the country ("ES 58 0049 0290 …").
_IBAN = re.compile(r"[A-Z](?<![0-9A-Za-z][A-Z])[A-Z] ?[0-9]{2}(?:[ \-]?[A-Z0-9]){8,30}(?![0-9A-Za-z])")

# ISO 13616 lengths per country from python-stdnum's copy of the SWIFT IBAN registry (every registry country, and
# the partner countries it lists); the full check (mod 97 and the country's BBAN structure) is stdnum's too.
_IBAN_LENGTHS = {
    code: 4 + sum(int(count) for count in re.findall(r"([0-9]+)!", properties.get("bban", "")))
    for _, code, _, properties, _ in numdb.get("iban").prefixes
    if properties.get("bban")
}
_BBAN_CLASSES = {"n": "[0-9]", "a": "[A-Z]", "c": "[A-Za-z0-9]"}
# The registry's BBAN structure per country ("4!n4!n1!n1!n10!n"), compiled once: stdnum's own is_valid recompiles
# and re-cleans per call (~0.5 ms), too slow for every message; its checks are the same (mod 97 + structure).
_BBAN_FORMATS = {
    code: re.compile("".join(f"{_BBAN_CLASSES[kind]}{{{count}}}" for count, kind in re.findall(r"([0-9]+)!([nac])",
                                                                                             properties["bban"])))
    for _, code, _, properties, _ in numdb.get("iban").prefixes
    if properties.get("bban")
}

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
    if digits[0] == "1":  # UATP (airline cards): 15 digits; only next to card words, see find_cards_and_ids
        return length == 15
    if four == 5019:  # Dankort
        return length == 16
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
        number = match.group().replace(" ", "").replace("-", "")
        if _clean_start(text, match.start()) and cn_id_ok(number) and not _card_rather_than_id(number, lower, match.start()):
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
        if digits[0] == "1" and card_words is None:
            continue  # 15 digits starting with 1 are as often a reference number: UATP only when called a card
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
            if char not in " -":
                count += 1
                if count == expected:
                    cut = position + 1
                    break
        compact = raw[:cut].replace(" ", "").replace("-", "")
        if len(compact) == expected and iban_ok(compact) and _BBAN_FORMATS[compact[:2]].fullmatch(compact, 4):
            end = match.start() + cut
            if end == match.end() or not text[end].isalnum():
                found.append(("iban", match.start(), end))
    return found


# Internationalised addresses (RFC 6531/IDNA): accented local parts, domains in any script ("josé@bücher.de",
# "用户@例子.广告"). A CJK local part or top-level label has no boundary inside glued Chinese text, so it counts
# only after a space or punctuation (local part) and before a non-letter (top-level label).
_EMAIL_IDN = re.compile(
    r"(?:[A-Za-z0-9%+\-\u00c0-\u024f](?<![A-Za-z0-9._%+\-\u00c0-\u024f][A-Za-z0-9%+\-\u00c0-\u024f])"
    r"[A-Za-z0-9._%+\-\u00c0-\u024f]{0,63}"
    r"|(?<![^\s:：,，(（])[\u4e00-\u9fff\u3040-\u30ff\uac00-\ud7a3]{1,20})"
    r"@(?:[^\W_][\w\-]{0,62}\.)+(?:[A-Za-z]{2,24}(?![A-Za-z0-9\-])|xn--[a-z0-9\-]{2,59}|[^\W\d_A-Za-z]{2,24}(?![^\W\d_]))"
)


def find_emails(text: str) -> list[Candidate]:
    found: list[Candidate] = []
    if not text.isascii():
        found.extend(("email", match.start(), match.end()) for match in _EMAIL_IDN.finditer(text)
                     if not match.group().isascii())
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
        taken.update(start for _, start, _ in found)
    spans = [(start, end) for _, start, end in found]
    for match in _NATIONAL_FORMATTED.finditer(text):
        candidate = match.group()
        if match.start() in taken or not _clean_start(text, match.start()):
            continue
        if any(low <= match.start() < high for low, high in spans):
            continue  # part of a number already read (an international one)
        if not 9 <= sum(char.isdigit() for char in candidate) <= 12:
            continue
        # The shape says which regions write numbers this way: "(415) …" is North American, a leading 0 a trunk
        # prefix, "415-555-0132" North American again.
        shaped = _TRUNK_ZERO_REGIONS if candidate[0] == "0" else ("US", "CA")
        if any(_valid(candidate, region) for region in dict.fromkeys((*regions, *shaped))):
            found.append(("phone", match.start(), match.end()))
    return found


# National numbers written the way a phone number is written ("(415) 555-0132", "090-1234-5678", "020 7946 0958"):
# the grouping itself says phone, and libphonenumber's per-region metadata says whether it is a real number.
_NATIONAL_FORMATTED = re.compile(
    r"(?:\((?<![0-9A-Za-z]\()[0-9]{2,4}\) ?[0-9]{3,4}[ .\-][0-9]{4}"
    r"|0(?<![0-9A-Za-z+.,]0)[0-9]{1,4}(?:[ .\-][0-9]{2,6}){1,4}"
    r"|[2-9](?<![0-9A-Za-z+.,][2-9])[0-9]{2}[.\-][0-9]{3}[.\-][0-9]{4})" + _END
)
_TRUNK_ZERO_REGIONS = ("CN", "JP", "GB", "KR", "TW", "AU", "DE", "FR")


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


# Regions whose national numbers are the digits after one national (trunk) prefix, no leading zero kept: for them
# the number is built directly and only libphonenumber's validity check runs (its parser costs three times more).
_DIRECT_REGIONS = frozenset({"CN", "US", "CA", "JP", "GB", "KR", "TW", "AU", "DE", "FR", "HK", "SG"})


def _valid(candidate: str, region: str | None) -> bool:
    if region in _DIRECT_REGIONS and candidate[0] != "+" and not candidate.startswith("00"):
        digits = "".join(char for char in candidate if "0" <= char <= "9")
        prefix = phonenumbers.PhoneMetadata.metadata_for_region(region).national_prefix
        if prefix and digits.startswith(prefix):
            digits = digits[len(prefix) :]
        if not digits or digits[0] == "0":
            return False
        number = phonenumbers.PhoneNumber(
            country_code=phonenumbers.country_code_for_region(region), national_number=int(digits)
        )
        return phonenumbers.is_valid_number_for_region(number, region)
    if candidate.startswith("00"):
        candidate = "+" + candidate[2:]
    try:
        number = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(number)
