"""What the guard says to customers (Chinese and English) and to agents. Texts never quote the sensitive value."""
from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

KIND_NAMES: dict[str, dict[str, str]] = {
    "en": {
        "seed_phrase": "a recovery (seed) phrase", "private_key": "a private key", "password": "a password",
        "otp": "a verification code", "card_number": "a card number", "cn_id": "an ID number",
        "iban": "a bank account number (IBAN)", "phone": "a phone number", "email": "an email address",
        "wallet_address": "a wallet address", "tx_hash": "a transaction hash",
    },
    "zh": {
        "seed_phrase": "助记词", "private_key": "私钥", "password": "密码", "otp": "验证码", "card_number": "银行卡号",
        "cn_id": "身份证号", "iban": "银行账号（IBAN）", "phone": "手机号", "email": "邮箱地址",
        "wallet_address": "钱包地址", "tx_hash": "交易哈希",
    },
}  # fmt: skip


class GuardTexts(BaseModel):
    """Customer-facing wording; each field maps a language ("en", "zh") to a text. `{what}` lists kinds by name."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    public_warning: dict[str, str] = {
        "en": "For your safety we have hidden your post because it contained private information. "
        "We have sent you a private message. Never share recovery phrases, keys, passwords or codes with anyone.",
        "zh": "为了您的资金安全，我们已隐藏您的留言（其中包含敏感信息），并已私信联系您。请勿向任何人透露助记词、私钥、密码或验证码。",
    }
    private_after_public: dict[str, str] = {
        "en": "You posted {what} in public. We have hidden the post where the platform allows it. If it was a "
        "recovery phrase or private key, treat the wallet as compromised and move your funds to a new wallet now. "
        "We will never ask for your seed phrase, private key, password or verification codes.",
        "zh": "您在公开区域发布了{what}。我们已尽可能隐藏该内容。如果泄露的是助记词或私钥，请视该钱包已不安全，"
        "并立即将资产转移到新钱包。我们绝不会向您索要助记词、私钥、密码或验证码。",
    }
    private_warning: dict[str, str] = {
        "en": "Please do not send us {what}. We will never ask for your seed phrase, private key, password or "
        "verification codes. If you have shared it with anyone, move your funds to a new wallet and change your "
        "password now.",
        "zh": "请不要向我们发送{what}。我们绝不会向您索要助记词、私钥、密码或验证码。如果您已向任何人透露，"
        "请立即将资产转移到新钱包并修改密码。",
    }
    move_private: dict[str, str] = {
        "en": "Your message contained personal details, so let's continue in private. "
        "Please don't post personal information publicly.",
        "zh": "您的留言包含个人信息，我们转到私信继续为您处理。请勿在公开区域发布个人信息。",
    }
    outbound_notice: dict[str, str] = {
        "en": "We have replied to you in a private message.",
        "zh": "我们已通过私信回复您，请查收。",
    }

    def render(self, field: str, language: str, kinds: list[str] | None = None) -> str:
        table: dict[str, str] = getattr(self, field)
        text = table.get(language) or table.get("en") or next(iter(table.values()))
        if "{what}" in text:
            text = text.replace("{what}", describe_kinds(kinds or [], language))
        return text


def describe_kinds(kinds: list[str], language: str) -> str:
    names = KIND_NAMES.get(language, KIND_NAMES["en"])
    unique = list(dict.fromkeys(names.get(kind, kind) for kind in kinds))
    if language == "zh":
        return "、".join(unique) or "敏感信息"
    if not unique:
        return "sensitive information"
    return unique[0] if len(unique) == 1 else ", ".join(unique[:-1]) + " and " + unique[-1]


def reply_language(text: str, language: str | None) -> str:
    """The customer's language: as given, else Chinese when the text has CJK characters, else English."""
    if language:
        return "zh" if language.lower().startswith("zh") else "en" if language.lower().startswith("en") else language
    return "zh" if _CJK.search(text) else "en"
