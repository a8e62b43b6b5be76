"""The evaluation set: positives (phrases on screens and paper, keys in QR codes) and negatives a support inbox
sees every day (receipts, transaction screenshots, ordinary Chinese text, address QR codes)."""
from __future__ import annotations

import random
from dataclasses import dataclass

from mnemonic import Mnemonic

from routing.sensitive.images_eval import render

# Unencrypted keys published with BIP-38's test vectors and the Bitcoin wiki's WIF page (outside this project).
DOCUMENTED_WIF = (
    "5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ",
    "5KN7MzqK5wt2TP1fQCYyHBtDrXdJuXbUzm4A9rKAteGu3Qi5CVR",
    "5HtasZ6ofTHP6HCwTqTkLDuLQisYPah7aUnSKfC7h4hMUVw2gi5",
    "L44B5gGEpqEDRS9vVPz7QT35jcBG2r3CZwSwQ4fCewXAhAhqGVpP",
    "KwYgW8gcxj1JWJXhPSu4Fqwzfhp5Yfi42mdYmMa4XqK7NJxXUSK7",
)
LANGUAGES = {"en": "english", "zh-Hans": "chinese_simplified", "zh-Hant": "chinese_traditional"}


@dataclass(frozen=True)
class Case:
    name: str
    group: str  # what the targets are reported for
    secret: bool  # the image shows a secret-tier item
    data: bytes


def _phrase(lang: str, words: int, rng: random.Random) -> list[str]:
    return Mnemonic(LANGUAGES[lang]).to_mnemonic(rng.randbytes(words * 4 // 3)).split()


def positives(rng: random.Random, per_group: int) -> list[Case]:
    cases = []
    for lang in LANGUAGES:
        cjk = lang != "en"
        for words in (12, 24):
            for i in range(per_group):
                layout = ("grid2", "grid3", "dark", "paragraph")[i % 4]
                phrase = _phrase(lang, words, rng)
                data = render.backup_screen(phrase, cjk=cjk, columns=3 if layout == "grid3" else 2,
                                            dark=layout == "dark", numbered=layout != "paragraph",
                                            title="备份助记词" if cjk else "Back up your recovery phrase")
                cases.append(Case(f"screen-{lang}-{words}-{layout}-{i}", f"screen {words} words", True, data))
            for i in range(max(1, per_group // 2)):
                phrase = _phrase(lang, words, rng)
                cases.append(Case(f"paper-{lang}-{words}-{i}", f"paper photo {words} words", True,
                                  render.paper_photo(phrase, cjk=cjk, rng=rng)))
    for i, key in enumerate(DOCUMENTED_WIF):
        cases.append(Case(f"qr-wif-documented-{i}", "QR key", True, render.qr_image(key)))
    for i in range(per_group):
        key = render.wif(rng.randbytes(32), compressed=i % 2 == 0)
        cases.append(Case(f"qr-wif-{i}", "QR key", True, render.qr_image(key, caption="My wallet key" if i % 3 else None)))
    return cases


_RECEIPT_ITEMS = ["Coffee latte", "Sandwich", "Bottled water", "Phone case", "USB-C cable", "Train ticket", "Rice bowl"]
_CHINESE_TEXT = [
    "您好，我昨天从交易所提现了一笔资金，到现在还没有到账。",
    "客服您好，请问充值需要多长时间才能确认？我已经等了两个小时。",
    "我的账户登录时一直提示验证码错误，请帮我看一下是什么原因。",
    "今天上午支付的时候扣款成功了，但是商家说没有收到货款。",
    "请问手续费是怎么计算的？比公告里写的高了很多。",
    "谢谢你们的帮助，问题已经解决了，服务很好。",
    "周末营业时间是几点到几点？我想去门店办理实名认证。",
    "转账失败以后钱什么时候退回到我的钱包？",
]


def negatives(rng: random.Random, per_group: int) -> list[Case]:
    cases = []
    for i in range(per_group):
        items = rng.sample(_RECEIPT_ITEMS, 4)
        prices = [rng.randint(100, 5000) / 100 for _ in items]
        lines = [f"{name:<24}{price:>8.2f}" for name, price in zip(items, prices)]
        lines += ["", f"{'TOTAL':<24}{sum(prices):>8.2f}", f"Card ****{rng.randint(1000, 9999)}",
                  f"2026-11-{rng.randint(10, 28)} 14:{rng.randint(10, 59)}", "Thank you for shopping!"]
        cases.append(Case(f"receipt-{i}", "negative: receipt", False,
                          render.text_image(lines, header="CITY MARKET #0" + str(rng.randint(10, 99)))))
    for i in range(per_group):
        tx = rng.randbytes(32).hex()
        address = render.p2pkh_like(rng)
        lines = ["Withdrawal pending" if i % 2 else "Transfer completed", f"Amount: {rng.randint(1, 900)}.{rng.randint(10, 99)} USDT",
                 "Network: TRC20" if i % 2 else "Network: BTC", "To:", address, "Transaction ID:", tx[:32], tx[32:],
                 f"Time: 2026-12-0{rng.randint(1, 6)} 10:{rng.randint(10, 59)}:00", "Fee: 1.00 USDT"]
        cases.append(Case(f"transaction-{i}", "negative: transaction screenshot", False,
                          render.text_image(lines, header="Transaction details")))
    for i in range(per_group):
        lines = rng.sample(_CHINESE_TEXT, 5)
        cases.append(Case(f"chinese-text-{i}", "negative: Chinese text", False,
                          render.text_image(lines, cjk=True, size=34, header="客户留言")))
    for i in range(max(1, per_group // 2)):
        address = render.p2pkh_like(rng)
        cases.append(Case(f"qr-address-{i}", "negative: address QR", False,
                          render.qr_image(f"bitcoin:{address}" if i % 2 else address, caption="Deposit address")))
    return cases


def build(seed: int = 18, per_group: int = 4) -> list[Case]:
    rng = random.Random(seed)
    return positives(rng, per_group) + negatives(rng, per_group)
