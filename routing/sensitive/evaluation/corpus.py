"""A seeded generator of labelled support messages for measuring the detector.

Every kind appears in English and Chinese, in the formats customers really use (grouped digits, full-width digits,
zero-width characters, numbered word lists, values glued to Chinese text), next to hard negatives that look
sensitive but are not: Luhn-passing order numbers, 18-digit numbers failing the ID checksum, timestamps, amounts,
sentences made of BIP-39 words, "I forgot my password", "error code 4031".
"""
from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from routing.sensitive.context import SEED_KEYWORDS, has_any
from routing.sensitive.evaluation import values as v
from routing.sensitive.seed_windows import checksum_ok


@dataclass(frozen=True, slots=True)
class Label:
    kind: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class LabelledMessage:
    text: str
    labels: tuple[Label, ...]
    language: str


class _Builder:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.labels: list[Label] = []
        self.length = 0

    def text(self, piece: str) -> None:
        self.parts.append(piece)
        self.length += len(piece)

    def value(self, kind: str, piece: str) -> None:
        self.labels.append(Label(kind, self.length, self.length + len(piece)))
        self.text(piece)

    def templated(self, template: str, kind: str, piece: str) -> None:
        before, after = template.split("{v}")
        self.text(before)
        self.value(kind, piece)
        self.text(after)


Rng = random.Random
_WORD = re.compile(r"\S+")
ValueMaker = Callable[[Rng, str], str]

_FILLER = {
    "en": ["Hi support,", "Hello,", "Please help.", "Thanks in advance!", "This is urgent.", "Any update?", ""],
    "zh": ["你好，", "客服您好：", "麻烦帮忙看一下。", "谢谢！", "急急急！", "请尽快处理。", ""],
}

_TEMPLATES: dict[str, dict[str, list[str]]] = {
    "seed_phrase": {
        "en": ["Here is my seed phrase: {v} please help", "my recovery phrase is\n{v}\nwhy is my wallet empty",
               "{v}", "Is this right? {v}", "Mnemonic:\n{v}"],
        "zh": ["我的助记词是：{v}，请帮我恢复钱包", "助記詞：{v}", "{v}", "请问这个对吗\n{v}"],
    },
    "private_key": {
        "en": ["my private key is {v}", "exported private key: {v} can you restore it", "WIF {v}", "privkey={v}"],
        "zh": ["私钥：{v}", "这是我的私钥{v}请帮忙", "导出的私钥是 {v}"],
    },
    "password": {
        "en": ["my password is {v}", "Password: {v}", "login pwd = {v}", 'my password is "{v}" and it fails'],
        "zh": ["密码是{v}", "登录密码：{v}", "我的支付密码为 {v}，帮我看看"],
    },
    "otp": {
        "en": ["the verification code is {v}", "SMS code: {v}", "my 2FA code {v}", "OTP {v} expired?"],
        "zh": ["验证码 {v}", "短信验证码是{v}", "{v}是验证码", "谷歌验证码：{v}"],
    },
    "card_number": {
        "en": ["my card number is {v}", "Card: {v}", "you charged my visa {v} twice"],
        "zh": ["银行卡号{v}", "我的卡号是 {v}", "绑卡失败，卡号：{v}"],
    },
    "cn_id": {
        "en": ["my Chinese ID number is {v}", "ID card {v} was rejected in KYC"],
        "zh": ["身份证号{v}", "我的身份证号码是 {v}，实名认证一直失败"],
    },
    "iban": {"en": ["my IBAN is {v}", "withdraw to IBAN {v} please"], "zh": ["我的IBAN是{v}", "提现到 {v} 失败"]},
    "phone": {
        "en": ["call me at {v}", "my phone is {v}.", "WhatsApp {v} anytime"],
        "zh": ["我的手机号{v}", "电话：{v}", "手机号码是 {v}，请回电"],
    },
    "email": {
        "en": ["email me at {v}", "my account email is {v}."], "zh": ["我的邮箱是{v}", "邮箱{v}，请联系我"],
    },
    "wallet_address": {
        "en": ["I sent USDT to {v} but it never arrived", "deposit address {v}"],
        "zh": ["我的充值地址是{v}", "提币到{v}一直没到账"],
    },
    "tx_hash": {
        "en": ["txid: {v}", "tx hash {v} still pending", "see https://etherscan.io/tx/{v}"],
        "zh": ["交易哈希：{v}", "交易ID {v} 一直未确认"],
    },
}  # fmt: skip


def _seed_value(rng: Rng, language: str) -> str:
    lang = "english" if language == "en" else rng.choice(["chinese_simplified", "chinese_traditional"])
    words = v.mnemonic(rng, lang, rng.choice([12, 12, 24]))
    style = rng.randrange(6)
    if style == 0:
        return " ".join(words)
    if style == 1:
        return ", ".join(words) if language == "en" else "，".join(words)
    if style == 2:
        return "\n".join(words)
    if style == 3:
        return "\n".join(f"{i}. {word}" for i, word in enumerate(words, 1))
    if style == 4:
        return "\u3000".join(words)
    return "".join(words) if language == "zh" else " ".join(words)


def _typo(rng: Rng, words: list[str]) -> list[str]:
    listed = set(v.wordlist("english"))
    position = rng.randrange(len(words))
    word = words[position]
    for _ in range(20):
        cut = rng.randrange(len(word))
        candidate = word[:cut] + rng.choice("abcdefghijklmnopqrstuvwxyz") + word[cut + 1 :]
        if candidate not in listed:
            return words[:position] + [candidate] + words[position + 1 :]
    return words


def _key_value(rng: Rng, language: str) -> str:
    choice = rng.randrange(4)
    if choice == 0:
        return v.hex64(rng)
    if choice == 1:
        return "0x" + v.hex64(rng)
    return v.wif(rng) if choice == 2 else v.xprv(rng)


def _card_value(rng: Rng, language: str) -> str:
    number = v.card_number(rng)
    style = rng.randrange(5)
    if style == 1:
        return v.group_card(number, " ")
    if style == 2:
        return v.group_card(number, "-")
    if style == 3:
        return v.fullwidth(number)
    if style == 4:
        return number[:6] + "\u200b" + number[6:]
    return number


def _phone_value(rng: Rng, language: str) -> str:
    if rng.random() < 0.25:
        return v.foreign_phone(rng)
    number = v.cn_mobile(rng)
    style = rng.randrange(6)
    if style == 1:
        return f"+86 {number[:3]} {number[3:7]} {number[7:]}"
    if style == 2:
        return f"{number[:3]}-{number[3:7]}-{number[7:]}"
    if style == 3:
        return v.fullwidth(number)
    if style == 4:
        return "+86" + number
    return number


def _iban_value(rng: Rng, language: str) -> str:
    number = v.iban(rng)
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4)) if rng.random() < 0.5 else number


def _tx_value(rng: Rng, language: str) -> str:
    return ("0x" if rng.random() < 0.5 else "") + v.hex64(rng)


def _cn_id_value(rng: Rng, language: str) -> str:
    number = v.cn_id(rng)
    return v.fullwidth(number) if rng.random() < 0.1 else number


_VALUES: dict[str, ValueMaker] = {
    "seed_phrase": _seed_value,
    "private_key": _key_value,
    "password": lambda rng, language: v.password(rng),
    "otp": lambda rng, language: v.otp(rng),
    "card_number": _card_value,
    "cn_id": _cn_id_value,
    "iban": _iban_value,
    "phone": _phone_value,
    "email": lambda rng, language: v.email(rng),
    "wallet_address": lambda rng, language: v.wallet_address(rng),
    "tx_hash": _tx_value,
}


def _bip39_sentence(rng: Rng) -> str:
    """Ordinary-sounding text made only of BIP-39 words, with no valid checksum window."""
    common = [w for w in """
        please help account order check again today because money still missing wallet transfer fee price
        balance where when what about above accident credit cash since rather stable they want know need send
        receive lock open close
        """.split() if w in set(v.wordlist("english"))]  # fmt: skip  # noqa: SIM905 - a word list reads better as text
    from mnemonic import Mnemonic

    index = {w: i for i, w in enumerate(Mnemonic("english").wordlist)}
    while True:
        words = [rng.choice(common) for _ in range(rng.choice([12, 13, 15]))]
        windows = [words[i : i + 12] for i in range(len(words) - 11)] + ([words] if len(words) == 15 else [])
        if not any(checksum_ok([index[w] for w in window]) for window in windows):
            return " ".join(words).capitalize() + "."


def _luhn_order_number(rng: Rng) -> str:
    prefix = rng.choice(["2023", "2024", "4", "62", "5"])
    return v.complete_luhn(prefix + "".join(rng.choice("0123456789") for _ in range(15 - len(prefix))))


def _negative(rng: Rng, language: str) -> str:
    makers: list[Callable[[], str]]
    if language == "en":
        makers = [
            lambda: f"Order {_luhn_order_number(rng)} has not shipped yet",
            lambda: "I forgot my password, how do I reset it?",
            lambda: "my password is not working since yesterday",
            lambda: f"I get error code {rng.randrange(1000, 99999)} when withdrawing",
            lambda: f"timestamp {rng.randrange(1_600_000_000, 1_800_000_000)}{rng.choice(['', '123'])} in the log",
            lambda: f"at 2024-0{rng.randrange(1, 10)}-1{rng.randrange(10)} 12:30:45 I paid {rng.randrange(10, 99)},345.67 USDT",
            lambda: f"fee was 0.000{rng.randrange(10000, 99999)} BTC",
            lambda: _bip39_sentence(rng),
            lambda: "I lost my seed phrase, what can I do?",
            lambda: f"ID {v.cn_id(rng, valid=False)} was rejected",
            lambda: f"invite code {rng.randrange(100000, 999999)} does not work",
            lambda: "Please never ask customers for their private key or recovery phrase.",
        ]
    else:
        makers = [
            lambda: f"订单号 {_luhn_order_number(rng)} 一直没处理",
            lambda: "我忘记密码了，怎么重置？",
            lambda: "密码错误怎么办",
            lambda: f"提示错误码 {rng.randrange(1000, 99999)}",
            lambda: f"身份证号{v.cn_id(rng, valid=False)}验证失败",
            lambda: f"2024年{rng.randrange(1, 13)}月{rng.randrange(1, 28)}日 12:30 提现 1,{rng.randrange(100, 999)}.50 USDT 还没到账",
            lambda: "我的助记词丢了怎么办，钱包还能找回来吗",
            lambda: f"邀请码 {rng.randrange(100000, 999999)} 用不了",
            lambda: "我的账户被冻结了请帮我看一下为什么不能提现，已经等了三天了",
            lambda: "你好我想问一下我的钱包地址在哪里可以找到，还有手续费是多少",
            lambda: f"时间戳{rng.randrange(1_600_000_000, 1_800_000_000)}，金额¥{rng.randrange(1, 9)},380,000",
        ]
    return rng.choice(makers)()


def everyday_message(rng: Rng) -> str:
    """A short message with no sensitive data (filler plus a hard negative), as most inbound traffic is."""
    language = rng.choice(["en", "zh"])
    return (" " if language == "en" else "").join((rng.choice(_FILLER[language]), _negative(rng, language))).strip()


def generate(count: int, seed: int = 7) -> list[LabelledMessage]:
    rng = random.Random(seed)
    kinds = sorted(_TEMPLATES)
    messages: list[LabelledMessage] = []
    for _ in range(count):
        language = rng.choice(["en", "zh"])
        builder = _Builder()
        _append(builder, language, rng.choice(_FILLER[language]))
        if rng.random() < 0.35:
            _append(builder, language, _negative(rng, language))
        else:
            for kind in rng.sample(kinds, rng.choice([1, 1, 1, 2])):
                template = rng.choice(_TEMPLATES[kind][language])
                value = _VALUES[kind](rng, language)
                if kind == "seed_phrase" and language == "en" and has_any(template.lower(), SEED_KEYWORDS) and rng.random() < 0.3:
                    value = _typo_in_phrase(rng, value)  # near-valid phrases count only next to context words
                _append(builder, language, "\n" if kind == "seed_phrase" and template.startswith("{v}") else "")
                builder.templated(template, kind, value)
                if kind == "seed_phrase" and template.endswith("{v}"):
                    builder.text("\n")  # a pasted phrase ends its line
                if rng.random() < 0.3:
                    _append(builder, language, _negative(rng, language))
        _append(builder, language, rng.choice(_FILLER[language]))
        messages.append(LabelledMessage("".join(builder.parts), tuple(builder.labels), language))
    return messages


def _append(builder: _Builder, language: str, piece: str) -> None:
    """English pieces are joined by a space; Chinese ones directly, unless that would glue two ASCII tokens."""
    previous = next((part[-1] for part in reversed(builder.parts) if part), "")
    if language == "en":
        separator = " " if builder.parts else ""
    else:
        ascii_like = unicodedata.normalize("NFKC", previous).isascii() and previous.isalnum()
        separator = "。" if ascii_like else ""
    builder.text(separator + piece)


def _typo_in_phrase(rng: Rng, phrase: str) -> str:
    words = phrase.split()
    bare = [word.strip(",.") for word in words]
    position = rng.randrange(len(words))
    if not bare[position].isalpha():
        return phrase
    changed = _typo(rng, [bare[position]])[0]
    words[position] = words[position].replace(bare[position], changed)
    separators = [phrase[m.end():n.start()] for m, n in zip(_WORD.finditer(phrase), list(_WORD.finditer(phrase))[1:])]
    out = words[0]
    for separator, word in zip(separators, words[1:]):
        out += separator + word
    return out
