"""Context words that decide what an ambiguous token is (a 64-hex string, a 6-digit number, a near-valid seed).

Everything here runs on the lower-cased normalised text. Whole-message checks use plain substring tests (much
cheaper than a case-insensitive alternation regex); positional checks run a regex over a small window only when a
candidate needs deciding. Chinese keywords carry simplified and traditional forms.
"""
from __future__ import annotations

import re

SEED_KEYWORDS = (
    "seed", "mnemonic", "recovery phrase", "recovery word", "recovery key", "secret phrase", "secret recovery",
    "backup phrase", "backup word", "12 words", "24 words", "12-word", "24-word", "wallet words",
    "助记", "助記", "种子", "種子", "恢复短语", "恢復短語", "恢复词", "恢復詞", "备份词", "備份詞",
)  # fmt: skip


def has_any(lower: str, keywords: tuple[str, ...]) -> bool:
    return any(keyword in lower for keyword in keywords)


KEY_CONTEXT = re.compile(
    r"priv(?:ate)?[ _-]?key|privkey|secret[ _-]?key|wallet[ _-]?key|(?<![a-z])wif(?![a-z])|(?<![a-z])key\s*[:=：]|"
    r"(?<![a-z])key(?: is)?\s*$|"
    r"私钥|私鑰|密钥|密鑰|秘钥|秘鑰|导出|導出"
)
TX_CONTEXT = re.compile(
    r"(?<![a-z])tx|txid|txn|transaction|hash|/tx/|explorer|scan\.(?:io|org|com)|blockchair|(?<![a-z])block(?![a-z])|"
    r"deposit|withdraw|transfer|(?<![a-z])sent(?![a-z])|(?<![a-z])send(?![a-z])|payment|confirm|pending|stuck|"
    r"arrived|received|network|chain|usdt|trc20|erc20|bep20|"
    r"交易|哈希|转账|轉賬|轉帳|充值|提现|提現|提币|提幣|记录|記錄|订单|訂單|到账|到賬|确认|確認|区块|區塊|链上|鏈上"
)
CARD_CONTEXT = re.compile(r"card|visa|master|amex|unionpay|uatp|dankort|卡号|卡號|银行卡|銀行卡|信用卡|储蓄卡|借记卡|银联|銀聯")
ID_CONTEXT = re.compile(r"身份证|身份證|(?<![a-z])id(?![a-z])|identity|证件|證件|实名|實名|kyc")
NOT_CARD_CONTEXT = re.compile(
    r"order|invoice|(?<![a-z])ref(?:erence)?(?![a-z])|tracking|ticket|serial|(?<![a-z])uid|user ?id|member|"
    r"订单|訂單|单号|單號|流水|编号|編號|工单|工單|会员|會員"
)
PHONE_CONTEXT = re.compile(
    r"phone|mobile|cell|(?<![a-z])tel(?![a-z])|call|whatsapp|sms|text me|电话|電話|手机|手機|号码|號碼|联系|聯繫|致电|微信"
)


def nearest_before(pattern: re.Pattern[str], lower: str, position: int, window: int) -> int | None:
    """Distance back from `position` to the end of the closest match that ends within `window` characters."""
    best: int | None = None
    for match in pattern.finditer(lower, max(0, position - window), position):
        best = position - match.end()
    return best


def appears_near(pattern: re.Pattern[str], lower: str, start: int, end: int, before: int, after: int) -> bool:
    return pattern.search(lower, max(0, start - before), min(len(lower), end + after)) is not None
