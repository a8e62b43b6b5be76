"""Strong phrases per issue type: domain knowledge the model adds to its n-gram scores, and readable reasons.

A phrase is matched on the normalized text (see features.normalize), so full-width letters and case don't matter.
A hit is a model feature (`lex:<type>`, at most two per type); `PHRASE_BOOST` can add a fixed amount on top (off by
default), as the first release did.
"""
from __future__ import annotations

from dataclasses import dataclass

from routing.classifier.features import normalize

PHRASE_BOOST = 0.0  # no fixed boost: the lexicon is a feature the model weighs (lex:<type>, routing.classifier.context)
MAX_HITS_PER_TYPE = 2

PHRASES: dict[str, tuple[str, ...]] = {
    "account_access": (
        "can't log in", "cannot log in", "can't login", "cannot login", "unable to log in", "can't sign in",
        "cannot sign in", "locked out", "forgot my password", "forgot password", "reset my password", "password reset",
        "account locked", "account is locked", "account frozen", "account is frozen", "verification code",
        "sms code", "2fa code", "authenticator code",
        "登录不了", "登不上", "登不进", "无法登录", "登录失败", "忘记密码", "密码忘了", "找回密码", "重置密码",
        "账号被锁", "账户被锁", "账号被冻结", "账户被冻结", "收不到验证码", "验证码错误", "登不进去", "进不去",
    ),
    "deposit": (
        "deposit", "top up", "top-up", "topped up", "recharge", "not credited", "memo", "destination tag",
        "deposit address", "funded my", "incoming",
        "充值", "充币", "入金", "充钱", "没到账", "未到账", "没入账", "备注", "memo", "打币", "转入"
    ),
    "withdrawal": (
        "withdrawal", "withdraw", "withdrew", "cash out", "cash-out", "payout", "pay out",
        "提现", "提币", "出金", "提款", "取现", "出款",
    ),
    "transaction": (
        "transfer to", "swap", "trade", "order", "p2p", "otc", "recipient", "wrong person", "wrong user",
        "reverse the transfer", "sent twice", "executed twice", "refund", "refunded", "money back",
        "转账", "闪兑", "兑换", "订单", "挂单", "撤单", "放币", "转错", "成交", "交易状态", "c2c", "退款", "退货",
    ),
    "payment": (
        "qr code", "scan", "checkout", "merchant", "bind my card", "bind a card", "link my card", "bank card",
        "card declined", "pay at", "apple pay", "pos",
        "扫码", "付款码", "收款码", "商家", "结账", "绑卡", "绑定银行卡", "支付失败", "付款失败", "刷卡",
    ),
    "fees": (
        "fee", "fees", "charged twice", "double charge", "overcharged", "commission", "service charge",
        "gas fee", "network fee", "hidden charge", "unexplained charge",
        "手续费", "费用", "扣费", "服务费", "矿工费", "网络费", "佣金", "多扣", "重复扣款", "扣了两次", "乱收",
    ),
    "limits": (
        "kyc", "identity verification", "id verification", "verification rejected", "limit", "limits",
        "restricted", "restriction", "daily cap", "verification pending", "selfie", "liveness", "verify my identity",
        "face verification", "how much can i", "the most i can", "maximum amount", "the maximum i can",
        "实名认证", "身份认证", "认证", "限额", "额度", "上限", "受限", "被限制", "限制", "人脸识别", "刷脸", "活体",
        "实名", "最多能",
    ),
    "security": (
        "hacked", "stolen", "compromised", "unauthorized", "unauthorised", "phishing", "scam", "scammer",
        "impersonat*", "fake support", "fake app", "fake website", "seed phrase", "private key", "recovery phrase",
        "sim swap", "suspicious login", "didn't authorize", "without my permission", "2fa", "don't recognise",
        "don't recognize", "do not recognise", "do not recognize", "didn't make", "did not make", "never made",
        "wasn't me", "not mine", "lost my card", "card was stolen", "card stolen", "i never did", "never requested",
        "被盗", "被黑", "盗号", "盗刷", "未授权", "没授权", "钓鱼", "诈骗", "骗子", "冒充", "假客服", "仿冒",
        "助记词", "私钥", "异地登录", "二次验证", "不是我", "非本人", "不是本人", "挂失", "卡丢了", "不认识的",
    ),
    "complaint": (
        "complaint", "complain", "supervisor", "manager", "team lead", "someone senior", "unacceptable",
        "worst", "terrible service", "rude", "regulator", "fed up", "disappointed", "useless", "ridiculous",
        "appalling", "awful", "escalate",
        "投诉", "主管", "经理", "组长", "领导", "负责人", "态度差", "太差", "垃圾", "失望", "不满", "曝光", "差评",
        "敷衍", "受够", "监管",
    ),
    "feedback": (
        "suggestion", "suggest", "feature request", "would be nice", "would be great", "please add",
        "it would be", "i wish", "idea", "consider adding", "dark mode", "in the next update", "next version",
        "建议", "希望", "功能", "意见", "就好了", "能不能加", "期待", "下个版本", "想法",
    ),
    "how_to": (
        "how do i", "how can i", "how to", "where can i", "where do i", "office hours",
        "working hours", "opening hours", "tutorial", "guide", "steps to", "walk me through",
        "怎么", "如何", "在哪", "教程", "几点", "工作时间", "上班", "怎样", "流程",
    ),
    "other": (
        "thank you", "thanks", "hello", "good morning", "happy new year", "merry christmas", "bye", "how are you",
        "谢谢", "感谢", "你好", "您好", "新年快乐", "圣诞快乐", "早上好", "拜拜",
    ),
}


@dataclass(frozen=True, slots=True)
class PhraseHit:
    type: str
    phrase: str


def _add_once(entries: list[PhraseHit], hit: PhraseHit) -> None:
    if all(entry.type != hit.type for entry in entries):  # "top-up" and "top up" are one phrase
        entries.append(hit)


_default_lexicon: "Lexicon | None" = None


def default_lexicon() -> "Lexicon":
    global _default_lexicon
    if _default_lexicon is None:
        _default_lexicon = Lexicon()
    return _default_lexicon


class Lexicon:
    """Finds the phrases in normalized text with dictionary lookups (no regex scan over every phrase).

    English phrases match whole words ("fee" does not match "feedback"; "impersonat*", one word, matches any
    ending); Chinese phrases match anywhere inside a run of Chinese text, which has no word boundaries.
    """

    def __init__(self, phrases: dict[str, tuple[str, ...]] = PHRASES) -> None:
        self._words: dict[tuple[str, ...], list[PhraseHit]] = {}  # English phrase as words
        self._prefixes: dict[str, list[PhraseHit]] = {}  # one-word prefixes ("impersonat")
        self._han: dict[str, list[PhraseHit]] = {}
        for issue_type, type_phrases in phrases.items():
            for phrase in type_phrases:
                key = normalize(phrase.rstrip("*"))
                hit = PhraseHit(issue_type, phrase.rstrip("*"))
                if not key.isascii():
                    if " " in key:
                        raise ValueError(f"lexicon phrase {phrase!r} mixes scripts: write it in one")
                    _add_once(self._han.setdefault(key, []), hit)
                elif phrase.endswith("*"):
                    if " " in key:
                        raise ValueError(f"lexicon prefix {phrase!r}: only one-word prefixes are supported")
                    _add_once(self._prefixes.setdefault(key, []), hit)
                else:
                    _add_once(self._words.setdefault(tuple(key.split()), []), hit)
        self._max_words = max((len(key) for key in self._words), default=0)
        self._first_words = frozenset(key[0] for key in self._words)
        self._han_starts = frozenset(key[0] for key in self._han)
        self._prefix_lengths = sorted({len(key) for key in self._prefixes})
        self._han_lengths = sorted({len(key) for key in self._han}, reverse=True)

    def hits(self, normalized_text: str) -> list[PhraseHit]:
        found: list[PhraseHit] = []
        words = normalized_text.split()
        phrases, prefixes = self._words, self._prefixes
        for start, word in enumerate(words):
            if not word.isascii():
                self._han_hits(word, found)
                continue
            if word in self._first_words:
                for count in range(min(self._max_words, len(words) - start), 0, -1):
                    found.extend(phrases.get(tuple(words[start:start + count]), ()))
            for length in self._prefix_lengths:
                if len(word) >= length:
                    found.extend(prefixes.get(word[:length], ()))
        return found

    def _han_hits(self, run: str, found: list[PhraseHit]) -> None:
        han, starts, lengths = self._han, self._han_starts, self._han_lengths
        for start, character in enumerate(run):
            if character in starts:  # most characters begin no phrase: skip the slicing for them
                for length in lengths:
                    found.extend(han.get(run[start:start + length], ()))
