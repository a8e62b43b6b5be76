"""Passwords and one-time codes, recognised by what the customer says around them, in English and Chinese.

The span is the value only ("my password is [Tr0ub4dor&3]"), so the mask keeps the sentence readable.
"I forgot my password" or "password is wrong" has no value and yields nothing; "error code 4031" is not an OTP.
"""
from __future__ import annotations

import re

Candidate = tuple[str, int, int]

# Sentence punctuation after a value is not part of it; "!" and "?" are kept: passwords end with them often
# ("Summer2024!") and masking one more character of a sentence costs nothing.
_VALUE_TRAILING = ".,;:)]}>\"'”’」』`。，；：）"

_PASSWORD_EN = re.compile(
    r"(?:password|passwd|pwd|passphrase|pass ?code|pin(?: code| number)?|(?:pass|pw)(?=\s*[:=：]))(?![a-z])"
    r"(?: for (?:my |the )?[a-z]+(?: account)?)?(?: (?:is|was|=|is now|:))?[ \t]*[:=：]?[ \t]*"
)
_PASSWORD_ZH = re.compile(
    r"(?:登录密码|登錄密碼|支付密码|支付密碼|交易密码|交易密碼|资金密码|資金密碼|密码|密碼|口令|pin码|pin碼)"
    r"(?:是|为|為|:|：|=|\s){0,3}"
)
# Anchored on the noun ("code", "otp", "passcode") so the engine can skip ahead to its first letter; the
# qualifier before it ("verification", "sms", "2fa") is looked at only when deciding whether "code" is bare.
# "code from Google Authenticator is 301067", "code you sent is 243761": up to five words between the noun and
# its "is"/"was" (lazy, so the nearest "is" wins; without one the words are not taken).
_OTP_EN = re.compile(
    r"(?:otp|passcode|code)(?![a-z])(?:(?: [a-z][a-z'’]*){1,5}?(?= (?:is|was) ))?(?: (?:is|was|=))?[ \t]*[:=：#]?[ \t]*"
)
# Codes named after their value: "482913 is your verification code", Google's "G-284613 is your … code".
_OTP_VALUE_FIRST = re.compile(
    r"([0-9](?<![0-9a-z][0-9])[0-9]{3,7}) (?:is|was) (?:your|the)"
    r"(?: [a-z0-9-]+){0,3}? (?:code|otp|pin|passcode)(?![a-z])"
)
_GOOGLE_CODE = re.compile(r"(?<![0-9a-z])g-([0-9]{6})(?![0-9])")
_OTP_QUALIFIER = re.compile(
    r"(?:verification|verify|security|sms|2fa|mfa|auth|authentication|authenticator|google|login|one[- ]time|"
    r"confirmation|access|email|text)[ -]?$"
)
_OTP_ZH = re.compile(
    r"(?:短信验证码|短信驗證碼|谷歌验证码|谷歌驗證碼|邮箱验证码|郵箱驗證碼|验证码|驗證碼|校验码|校驗碼|动态码|動態碼|"
    r"动态密码|動態密碼|短信码|簡訊碼|安全码|安全碼|一次性密码|一次性密碼|otp)(?:是|为|為|:|：|=|\s){0,3}"
)
# A few characters between the noun and its 是/为 ("谷歌验证器上显示的是 774215", "验证码我收到的是…").
_OTP_ZH_LATER = re.compile(
    r"(?:验证码|驗證碼|验证器|驗證器|动态码|動態碼|身份验证器|身份驗證器)[\u4e00-\u9fff]{1,8}?(?:是|为|為)[:：]?\s*"
)
# Not followed by a unit: "验证码2024年…" is a date, "code 100 usdt" an amount.
_OTP_VALUE = re.compile(
    r"[0-9](?:[ \-]?[0-9]){3,7}(?![0-9A-Za-z])(?!\.[0-9])(?!,[0-9]{3}(?![0-9]))(?!\s*(?:[年月日号號元块塊个個次天岁歲%]|usdt|btc|eth))",
    re.IGNORECASE,
)
_OTP_BEFORE_KEYWORD = re.compile(
    r"([0-9](?<![0-9A-Za-z][0-9])[0-9]{3,7})(?:\s|是|为|為|就是|我的){0,3}(?:短信验证码|验证码|驗證碼|动态码|動態碼)"
)
_NOT_OTP_BEFORE = re.compile(
    r"(?<![a-z])(?:error|err|status|http|promo|coupon|invite|invitation|referral|zip|postal|country|area|tracking|order|"
    r"reference|discount|gift|voucher|product|fault|reason|exit|bank|swift|branch|qr|bar|source|region|"
    r"错误|錯誤|邀请|邀請|推荐|推薦|优惠|優惠|邮编|郵編|区号|區號|订单|訂單|商品|礼品|禮品)[\s:：-]*$"
)

# Words that follow "password is" in complaints rather than in disclosures.
_NOT_A_PASSWORD = frozenset(
    """
        wrong incorrect invalid correct right expired locked not no too very the a an same changed reset
        forgotten forgot lost stolen compromised leaked blocked disabled required needed missing empty weak
        strong different being still now already always never working accepted rejected ok okay fine saved
        stored case sensitive please and or but for of to in on at my your our their this that it is was be
        been mandatory long short hidden unknown new old updated what why how when where which who whose these
        those there here also just only really definitely probably supposed good bad simple easy hard set
        known shown visible valid secret private mine safe unsafe ready done gone fails failing failed none
        null nil true false password passwd username user sent
        """.split()  # noqa: SIM905 - a word list reads better as text
)


def find_credentials(text: str, lower: str) -> list[Candidate]:
    found: list[Candidate] = []
    for pattern in (_OTP_ZH, _OTP_EN, _OTP_ZH_LATER):
        for match in pattern.finditer(lower):
            if _inside_word(lower, match.start()):
                continue
            bare_code = lower.startswith("code", match.start()) and not _OTP_QUALIFIER.search(
                lower, max(0, match.start() - 16), match.start()
            )
            if bare_code and _NOT_OTP_BEFORE.search(lower, max(0, match.start() - 16), match.start()):
                continue  # "error code 4031", "invite code 123456"
            value = _OTP_VALUE.match(text, match.end())
            if value is not None:
                found.append(("otp", value.start(), value.end()))
    for pattern in (_OTP_BEFORE_KEYWORD, _OTP_VALUE_FIRST, _GOOGLE_CODE):
        for match in pattern.finditer(lower):
            if pattern is not _GOOGLE_CODE and _part_of_token(lower, match.start(1)):
                continue  # "Lina@2023 验证码 …": the digits end a password, they are not the code
            found.append(("otp", match.start(1), match.end(1)))
    for pattern in (_PASSWORD_ZH, _PASSWORD_EN):
        for match in pattern.finditer(lower):
            if _inside_word(lower, match.start()):
                continue
            connected = _CONNECTOR.search(match.group()) is not None
            span = _password_value(text, match.end(), connected)
            if span is not None:
                found.append(("password", *span))
    return found


def _part_of_token(lower: str, start: int) -> bool:
    """Glued to the token before it (letters, or the symbols passwords are made of)."""
    return start > 0 and (lower[start - 1].isascii() and lower[start - 1].isalnum() or lower[start - 1] in "@#$%&*_+=/\\-~^")


def _inside_word(lower: str, start: int) -> bool:
    return start > 0 and "a" <= lower[start - 1] <= "z"


_CONNECTOR = re.compile(r" is| was|[:=：]|是|为|為")

_QUOTE_PAIRS = {'"': '"', "'": "'", "“": "”", "‘": "’", "「": "」", "『": "』", "`": "`"}


def _password_value(text: str, position: int, connected: bool) -> tuple[int, int] | None:
    """The value after a password keyword. Without "is"/":"/"是" in between ("password login fails") only a
    value with a digit counts; a plain word after "is" counts unless it is a complaint word ("is wrong")."""
    if position < len(text) and text[position] in _QUOTE_PAIRS:
        start = position + 1
        end = text.find(_QUOTE_PAIRS[text[position]], start, start + 65)
        if end < 0:
            return None
        return (start, end) if 4 <= end - start <= 64 and " " not in text[start:end] else None
    start = end = position
    while end < len(text) and "!" <= text[end] <= "~":
        end += 1
    while end > start and text[end - 1] in _VALUE_TRAILING:
        end -= 1
    value = text[start:end]
    if not 4 <= len(value) <= 64:
        return None
    if not connected and not any(char.isdigit() for char in value):
        return None
    if value.replace("'", "").isalpha() and ("'" in value or value.lower() in _NOT_A_PASSWORD):
        return None  # a complaint ("is wrong", "is what") or a contraction ("doesn't")
    if value.isalpha() and value.islower() and value.endswith(("ed", "ing", "ly")):
        return None  # "password was changed", "password is expiring", "is constantly …"
    return start, end
