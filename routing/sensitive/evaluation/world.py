"""The second evaluation set: third-party values in hand-written support messages, plus hard negatives.

Built differently from `corpus.py` on purpose: no random values and no shared templates. Every value comes from
someone else's published vectors (`world_vectors.json`, provenance inside: the SWIFT IBAN registry examples,
Bitcoin Core's key_io vectors, BIP-173/350, the BIP-39 reference vectors and their entropies rendered in all ten
official wordlists by the reference implementation, card networks' test numbers, libphonenumber-style national
numbers); the messages around them are written as customers write (Chinese glued to values, SMS templates
forwarded whole, numbered lists, HTML from a mail client). Values and message shapes are paired by rotation, so
the set is fixed and every value appears.
"""
from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator
from functools import cache
from itertools import cycle
from pathlib import Path

from mnemonic import Mnemonic

from routing.sensitive.evaluation.corpus import Label, LabelledMessage

_LANGUAGES = ("english", "japanese", "korean", "spanish", "chinese_simplified", "chinese_traditional", "french",
              "italian", "czech", "portuguese")  # fmt: skip


@cache
def vectors() -> dict[str, object]:
    return json.loads((Path(__file__).with_name("world_vectors.json")).read_text("utf-8"))


def _message(template: str, kind: str, value: str, language: str) -> LabelledMessage:
    before, after = template.split("{v}")
    return LabelledMessage(before + value + after, (Label(kind, len(before), len(before) + len(value)),), language)


# ---- seed phrases -------------------------------------------------------------------------------------------
_SEED_EN = [
    "Here are my words: {v}", "I imported {v} into MetaMask and now the ETH is gone", "{v}\nwhy is my balance zero",
    "recovery phrase {v} please check", "hello, my wallet shows 0 after restore. phrase:\n{v}\nthanks",
    "Is this seed valid? {v}",
]  # fmt: skip
_SEED_ZH = ["我的助记词{v}钱包被盗了怎么办", "备份的助记词是{v}，请帮我恢复", "助記詞{v}錢包打不開", "{v}\n这是我的助记词",
            "这是我的种子{v}谢谢"]  # fmt: skip
_SEED_OTHER = ["{v}", "mi frase semilla: {v} gracias", "ニーモニック：\n{v}\nお願いします", "seed {v} please help",
               "复原钱包用的是 {v}"]  # fmt: skip


def _rendered(words: list[str], style: int) -> str:
    if style == 0:
        return " ".join(words)
    if style == 1:
        return "\n".join(f"{i}. {w}" for i, w in enumerate(words, 1))
    if style == 2:
        return "-".join(words)
    if style == 3:
        return " ".join(f"<span>{w}</span>" for w in words)
    if style == 4:
        return ", ".join(words)
    return "\u200b".join(words)


def _seed_messages() -> Iterator[LabelledMessage]:
    english = cycle(_SEED_EN)
    for position, phrase in enumerate(vectors()["bip39_english"]):  # type: ignore[arg-type]
        yield _message(next(english), "seed_phrase", _rendered(phrase.split(), position % 6), "en")
    chinese, other = cycle(_SEED_ZH), cycle(_SEED_OTHER)
    for position, entropy in enumerate(vectors()["bip39_entropies"]):  # type: ignore[arg-type]
        for language in _LANGUAGES[1:]:
            phrase = unicodedata.normalize("NFC", Mnemonic(language).to_mnemonic(bytes.fromhex(entropy)))
            if language.startswith("chinese"):
                yield _message(next(chinese), "seed_phrase", phrase.replace(" ", ""), "zh")
            elif language == "japanese":
                yield _message("ニーモニック：\n{v}\nお願いします", "seed_phrase", phrase, "zh")
            else:
                yield _message(next(other), "seed_phrase", _rendered(phrase.split(), position % 3), "en")


# ---- keys, credentials --------------------------------------------------------------------------------------
_KEY_TEMPLATES = ["my private key is {v}", "导出的私钥是 {v} 对吗", "WIF: {v}", "私钥{v}，钱包里的币没了"]
_HEX_KEY_TEMPLATES = ["key 0x{v} was in my notes", "private key {v}", "私钥：{v}"]
_OTP = [
    ("the 2FA code from Google Authenticator is {v}", "301067"), ("the verification code you sent is {v}", "243761"),
    ("【某某钱包】您的验证码为{v}，5分钟内有效，请勿泄露给他人。", "731905"), ("验证码 {v}", "482913"),
    ("[WalletApp] Your verification code is {v}. It expires in 5 minutes.", "620194"),
    ("{v} is your Binance verification code", "558120"), ("谷歌验证码：{v}，登录不上", "774215"),
    ("短信验证码是{v}", "3901"), ("my SMS code {v} expired?", "86011932"), ("OTP: {v}", "112358"),
]  # fmt: skip
_PASSWORDS = [
    ("密码 {v} 验证码 482913", "Lina@2023"), ("my password is {v}", "Summer2024!"), ("password: {v}", "Qwerty123?!"),
    ("登录密码：{v}", "abc12345"), ("我的支付密码为 {v}，帮我看看", "889977"), ('my password is "{v}" and it fails', "horse-battery-9"),
    ("pwd = {v}", "Tr0ub4dor&3"), ("密码是{v}，帮我看看", "Wallet#8899"),
]  # fmt: skip


def _secret_messages() -> Iterator[LabelledMessage]:
    templates = cycle(_KEY_TEMPLATES)
    for key in vectors()["bitcoin_private_keys"]:  # type: ignore[union-attr]
        template = next(templates)
        yield _message(template, "private_key", key, "zh" if "私" in template or "导" in template else "en")
    hex_templates = cycle(_HEX_KEY_TEMPLATES)
    # The hex secret exponents of Bitcoin Core's WIF vectors, as exported by Ethereum-style wallets.
    for exponent in vectors()["bitcoin_private_key_hex"]:  # type: ignore[union-attr]
        template = next(hex_templates)
        value = ("0x" + exponent) if template.startswith("key 0x") else exponent
        template = template.replace("0x{v}", "{v}")
        yield _message(template, "private_key", value, "zh" if "私" in template else "en")
    for template, value in _OTP:
        yield _message(template, "otp", value, "zh" if not template.isascii() else "en")
    for template, value in _PASSWORDS:
        message = _message(template, "password", value, "zh" if not template.isascii() else "en")
        if "482913" in template:
            start = message.text.index("482913")
            message = LabelledMessage(message.text, (*message.labels, Label("otp", start, start + 6)), "zh")
        yield message


# ---- personal and linkable -----------------------------------------------------------------------------------
def _grouped(value: str, separator: str = " ") -> str:
    return separator.join(value[i : i + 4] for i in range(0, len(value), 4))


def _printed_card(card: str) -> str:
    """As printed on the card: Amex and Diners 4-6-5 / 4-6-4, 13 digits unbroken, the others in fours."""
    if len(card) in (14, 15):
        return f"{card[:4]} {card[4:10]} {card[10:]}"
    return card if len(card) == 13 else _grouped(card)


def _personal_messages() -> Iterator[LabelledMessage]:
    iban_templates = cycle(["please withdraw to {v}", "提现到{v}一直失败", "my IBAN is {v}.", "收款账户 {v}，请核对"])
    for position, iban in enumerate(vectors()["iban"]):  # type: ignore[arg-type]
        shape = position % 4
        value = (iban, _grouped(iban), _grouped(iban, "-"), f"{iban[:2]} {iban[2:4]} {_grouped(iban[4:])}")[shape]
        template = next(iban_templates)
        yield _message(template, "iban", value, "en" if template.isascii() else "zh")
    card_templates = cycle(["my card number is {v}", "银行卡号{v}绑定失败", "Card: {v}", "you charged my card {v} twice"])
    for position, card in enumerate(vectors()["cards"]):  # type: ignore[arg-type]
        value = card if position % 2 else _printed_card(card)
        template = next(card_templates)
        yield _message(template, "card_number", value, "en" if template.isascii() else "zh")
    phone_templates = cycle(["call me at {v} please", "我的手机号{v}", "电话：{v}，请回电", "WhatsApp {v} anytime"])
    for phone, _region in vectors()["phones"]:  # type: ignore[misc]
        template = next(phone_templates)
        yield _message(template, "phone", phone, "en" if template.isascii() else "zh")
    for number in vectors()["cn_ids"]:  # type: ignore[union-attr]
        for value in (number, f"{number[:6]} {number[6:14]} {number[14:]}"):
            yield _message("身份证号{v}，实名认证一直失败", "cn_id", value, "zh")
    for template, value in [("email me at {v}", "josé@bücher.de"), ("邮箱 {v}，谢谢", "用户@例子.广告"),
                            ("我的邮箱是{v}", "li.wei+wallet@qq.com"), ("mail: {v}.", "support@müller.de")]:  # fmt: skip
        yield _message(template, "email", value, "en" if template.isascii() else "zh")
    address_templates = cycle(["I sent BTC to {v} but it never arrived", "充值地址{v}一直没到账", "withdraw to {v}"])
    for address in vectors()["bitcoin_addresses"]:  # type: ignore[union-attr]
        template = next(address_templates)
        yield _message(template, "wallet_address", address, "en" if template.isascii() else "zh")
    for template, value in [
        ("txid: {v}", "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"),  # Bitcoin genesis coinbase
        ("交易哈希：{v} 一直未确认", "a1075db55d416d3ca199f55b6084e2115b9345e16c5cf302fc80e9d5fbf5d48d"),  # the pizza
        ("see https://etherscan.io/tx/{v}", "0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060"),
    ]:
        yield _message(template, "tx_hash", value, "en" if template.isascii() else "zh")


# ---- hard negatives ------------------------------------------------------------------------------------------
_NEGATIVES = [
    "我的助记词丢了怎么办钱包还能找回来吗我已经找了好几天了", "你好我想问一下助记词在哪里可以看到我换了新手机以后打不开钱包了",
    "助记词是不是一定要抄在纸上我怕被别人看到所以想存到手机备忘录里可以吗", "请问种子短语和助记词是一个东西吗为什么有的地方说十二个词",
    "客服你好我在导入钱包的时候输入助记词一直提示错误是不是顺序不对", "備份助記詞的時候頁面閃退了然後就再也進不去了餘額也看不到了",
    "I have a question about my account because the balance is still wrong after the transfer and I want to know when",
    "Please help me check the order again because the price was above the limit and the fee seems high for a swap",
    "Here are my words about the service: it is slow, the support team never answers and the app often crashes",
    "I lost my phone and now I need to restore my wallet but I only remember some words like ocean and story",
    "SHA256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 matches the website",
    "the checksum of the apk is 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08, is it safe?",
    "验证码收不到，等了10分钟", "the code you sent expired after 5 minutes", "error code 4031 when I withdraw",
    "invite code from my friend is 123456", "订单号 2024051210301234 一直没处理", "at 05.12.2024 the fee was 0.00012345 BTC",
    "I forgot my password, how do I reset it?", "密码错误怎么办", "提现 1,500.50 USDT 还没到账，2024年5月12日",
    "order 150010000000007 shipped", "Please never ask customers for their private key or recovery phrase.",
    "会议时间 2024-05-12 10:30，金额¥5,380,000", "my password is not working since yesterday",
]  # fmt: skip


def generate_world() -> list[LabelledMessage]:
    messages = [*_seed_messages(), *_secret_messages(), *_personal_messages()]
    messages += [LabelledMessage(text, (), "en" if text.isascii() else "zh") for text in _NEGATIVES]
    return messages
