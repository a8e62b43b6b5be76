"""BIP-39 phrases as customers really write them (issue #13): every official wordlist, Chinese glued straight after
Chinese text, disguised separators, HTML between words, repeated-word phrases; and prose that must stay unflagged.

Phrases come from the reference implementation (trezor/python-mnemonic, `mnemonic` package) and its published
vectors, not from the detector's own tables.
"""
import random

import pytest
from mnemonic import Mnemonic

from routing.sensitive import detect

RNG = random.Random(2026)
OFFICIAL = ("english", "japanese", "korean", "spanish", "chinese_simplified", "chinese_traditional", "french",
            "italian", "czech", "portuguese")  # fmt: skip


def phrase(language: str, words: int = 12) -> str:
    return Mnemonic(language).to_mnemonic(RNG.randbytes(words * 4 // 3))


def seed_spans(text: str) -> list[str]:
    return [text[f.start : f.end] for f in detect(text) if f.kind == "seed_phrase"]


@pytest.mark.parametrize("language", [name for name in OFFICIAL if not name.startswith("chinese")])
@pytest.mark.parametrize("words", [12, 24])
def test_every_official_wordlist_is_found(language: str, words: int) -> None:
    # The package writes Japanese with U+3000 and every list in NFKD; customers paste NFC text.
    import unicodedata

    for _ in range(3):
        value = unicodedata.normalize("NFC", phrase(language, words))
        text = f"Hello, please help me restore my wallet.\n{value}\nThank you"
        found = seed_spans(text)
        assert found == [value], (language, value)


@pytest.mark.parametrize("language", ["spanish", "french", "czech", "italian", "portuguese"])
def test_latin_wordlists_in_a_sentence(language: str) -> None:
    import unicodedata

    value = unicodedata.normalize("NFC", phrase(language))
    assert seed_spans(f"my seed: {value} thanks") == [value]


def test_japanese_decomposed_as_the_package_writes_it() -> None:
    value = phrase("japanese")
    assert len(seed_spans(f"ニーモニック：\n{value}\nお願いします")) == 1


@pytest.mark.parametrize("language", ["chinese_simplified", "chinese_traditional"])
@pytest.mark.parametrize("lead", ["我的助记词", "备份的助记词是", "助記詞", "这是我的种子", "恢复短语如下"])
def test_chinese_glued_straight_after_chinese_text(language: str, lead: str) -> None:
    hits = 0
    for _ in range(20):
        words = phrase(language, RNG.choice([12, 24])).replace(" ", "")
        found = seed_spans(f"{lead}{words}钱包被盗了怎么办")
        assert found in ([words], []), found
        hits += found == [words]
    assert hits >= 18  # the rarity bar may (rarely) cost a random draw


def test_issue_examples_glued_chinese() -> None:
    assert seed_spans("我的助记词蒙台脱纪构硫浆霉感仅鱼汤钱包被盗了怎么办") == ["蒙台脱纪构硫浆霉感仅鱼汤"]


@pytest.mark.parametrize(
    "join",
    [
        lambda w: "-".join(w),
        lambda w: "\u200b".join(w),
        lambda w: " \u200b".join(w),
        lambda w: "\u3000".join(w),
        lambda w: "，".join(w),
        lambda w: "；".join(w),
        lambda w: " ".join(f"<span>{word}</span>" for word in w),
        lambda w: "<br>".join(w),
        lambda w: "&nbsp;".join(w),
        lambda w: "".join(f"<li>{word}</li>" for word in w),
    ],
    ids=["hyphen", "zero-width", "space-zero-width", "ideographic", "fullwidth-comma", "fullwidth-semicolon",
         "span-tags", "br", "nbsp", "list-items"],
)
def test_disguised_separators(join) -> None:  # type: ignore[no-untyped-def]
    words = phrase("english").split()
    text = "hi " + join(words) + " pls"
    found = seed_spans(text)
    assert len(found) == 1, (text, found)
    assert found[0].startswith(words[0]) and found[0].endswith(words[-1])


# trezor/python-mnemonic vectors.json (english): entropy 8080…80 and 0000…00, words repeated.
LETTER_ADVICE = "letter advice cage absurd amount doctor acoustic avoid letter advice cage above"
ABANDON = "abandon " * 11 + "about"
HARDHAT = "test test test test test test test test test test test junk"


@pytest.mark.parametrize(
    "text, value",
    [
        (f"Here are my words: {LETTER_ADVICE}", LETTER_ADVICE),
        (f"I imported {HARDHAT} into MetaMask and sent ETH to it", HARDHAT),
        (f"{HARDHAT}\nwhy is my balance gone", HARDHAT),
        (f"wallet words {ABANDON.strip()}", ABANDON.strip()),
    ],
)
def test_repeated_word_phrases_with_weak_context(text: str, value: str) -> None:
    assert seed_spans(text) == [value]


# Hard negatives written as real customers write: Chinese support prose (the same common characters as the
# Chinese wordlist, seed words included) and English paragraphs full of BIP-39 words.
CHINESE_PROSE = [
    "我的助记词丢了怎么办钱包还能找回来吗我已经找了好几天了",
    "你好我想问一下助记词在哪里可以看到我换了新手机以后打不开钱包了",
    "助记词是不是一定要抄在纸上我怕被别人看到所以想存到手机备忘录里可以吗",
    "我没有备份助记词现在手机坏了里面还有三千多个币请问有什么办法可以恢复吗",
    "客服你好我在导入钱包的时候输入助记词一直提示错误是不是顺序不对还是哪个字写错了",
    "请问种子短语和助记词是一个东西吗为什么有的地方说十二个词有的地方说二十四个",
    "昨天有人冒充客服让我提供助记词我没给他但是担心账户安全想问一下怎么修改密码",
    "我的恢复短语被朋友看到了现在很担心资产安全请问应该怎么转移到新的钱包",
    "备份助记词的时候页面闪退了然后就再也进不去了余额也看不到了麻烦尽快处理",
    "助記詞忘記了怎麼辦錢包裡面還有很多資產請幫幫我謝謝你們",
    "我按照提示把助记词写下来了但是验证的时候总说第三个词不对这是怎么回事",
    "提币一直没到账已经过了两个小时了助记词和私钥我都保存好了请帮我查一下",
    "你们的应用更新以后要求重新输入助记词我担心是钓鱼网站请确认一下官方地址",
    "我妈妈的手机上装了这个钱包她不会用助记词也没有记下来现在想把钱取出来",
    "为什么导入助记词以后显示的地址和原来的不一样是不是选错了网络或者路径",
]
ENGLISH_PROSE = [
    "I have a question about my account because the balance is still wrong after the transfer and I want to know "
    "when the money will arrive since I need to pay rent today",
    "Please help me check the order again because the price was above the limit and the fee seems high for such a "
    "simple swap on the network",
    "My wallet shows zero after the update and I can not find my funds anywhere even though the deposit was "
    "confirmed on the chain three hours ago",
    "I lost my phone and now I need to restore my wallet but I only remember some of the words from my seed "
    "phrase like ocean and story and maybe trust",
    "The app asked me to enter my recovery phrase again after the update is that normal or is it a scam because "
    "my friend said never share it",
    "Here are my words about the service: it is slow, the support team never answers, the fee is high and the "
    "app often crashes when I try to open a trade",
]


@pytest.mark.parametrize("text", CHINESE_PROSE + ENGLISH_PROSE)
def test_prose_made_of_wordlist_words_is_not_a_phrase(text: str) -> None:
    assert seed_spans(text) == []
