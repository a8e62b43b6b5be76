"""BIP-39 phrases in the shapes customers paste them, and prose that must not count."""
import random

import pytest
from mnemonic import Mnemonic

from routing.sensitive import detect

ENGLISH = Mnemonic("english")
SIMPLIFIED = Mnemonic("chinese_simplified")
TRADITIONAL = Mnemonic("chinese_traditional")
RNG = random.Random(1234)


def phrase(generator: Mnemonic, words: int = 12) -> list[str]:
    return generator.to_mnemonic(RNG.randbytes(words * 4 // 3)).split()


def seed_spans(text: str) -> list[str]:
    return [text[f.start : f.end] for f in detect(text) if f.kind == "seed_phrase"]


@pytest.mark.parametrize("words", [12, 15, 18, 21, 24])
def test_english_phrase_of_every_length_is_found_exactly(words: int) -> None:
    value = " ".join(phrase(ENGLISH, words))
    text = f"Hi, I think my wallet was drained. {value}\nwhat should I do"
    assert seed_spans(text) == [value]


@pytest.mark.parametrize(
    "render",
    [
        lambda w: ", ".join(w),
        lambda w: "\n".join(w),
        lambda w: "\n".join(f"{i}. {word}" for i, word in enumerate(w, 1)),
        lambda w: " ".join(f"{i}) {word}" for i, word in enumerate(w, 1)),
        lambda w: "\u3000".join(w),
        lambda w: " ".join(w).upper(),
    ],
    ids=["commas", "lines", "numbered", "parens", "ideographic-space", "upper"],
)
def test_english_formats(render) -> None:  # type: ignore[no-untyped-def]
    words = phrase(ENGLISH)
    value = render(words)
    text = "Please check: " + value + "\nthanks"
    found = seed_spans(text)
    assert len(found) == 1
    assert words[0].upper() in found[0].upper() and words[-1].upper() in found[0].upper()


@pytest.mark.parametrize("generator", [SIMPLIFIED, TRADITIONAL], ids=["simplified", "traditional"])
@pytest.mark.parametrize("separator", [" ", "，", "\n", "\u3000", "、"])
def test_chinese_spaced_out(generator: Mnemonic, separator: str) -> None:
    words = phrase(generator)
    value = separator.join(words)
    text = f"你好\n{value}\n麻烦看一下"
    found = seed_spans(text)
    assert len(found) == 1 and found[0].replace("\u3000", " ") == value.replace("\u3000", " ")


def test_chinese_solid_with_context_and_on_its_own_line() -> None:
    for _ in range(5):
        words = "".join(phrase(SIMPLIFIED))
        with_context = f"我的助记词是{words}，请帮我找回"
        assert seed_spans(with_context) in ([words], [])  # random draws below the rarity bar may be missed
    hits = 0
    for _ in range(40):
        words = "".join(phrase(SIMPLIFIED, 24))
        hits += seed_spans(f"我的助记词是：{words}\n谢谢") == [words]
    assert hits >= 38


def test_solid_chinese_without_context_only_on_its_own_line() -> None:
    found = 0
    for _ in range(20):
        words = "".join(phrase(SIMPLIFIED))
        assert seed_spans(f"看看这个{words}") == []  # glued to prose, no seed words: not claimed
        found += seed_spans(f"你好\n{words}\n谢谢") == [words]
    assert found >= 17  # the rarity and prose-character bars cost a few percent of bare solid phrases


def test_near_valid_phrase_needs_context() -> None:
    words = phrase(ENGLISH)
    typo = words[3][:-1] + ("x" if words[3][-1] != "x" else "z")
    broken = words[:3] + [typo] + words[4:]
    assert typo not in ENGLISH.wordlist
    value = " ".join(broken)
    assert seed_spans(f"my recovery phrase: {value}") == [value]
    assert seed_spans(f"words: {value}") == []


def test_failed_checksum_list_with_context_counts() -> None:
    words = phrase(ENGLISH)
    swaps = ([words[i + 1], words[i], *words[:i], *words[i + 2 :]] for i in range(len(words) - 1))
    swapped = next(candidate for candidate in swaps if not ENGLISH.check(" ".join(candidate)))
    value = "\n".join(swapped)
    assert seed_spans(f"seed phrase:\n{value}\nthanks") == [value]
    assert seed_spans(f"my list:\n{value}\nthanks") == []  # no seed words: the checksum must hold


def test_one_word_swapped_for_another_list_word_with_context_counts() -> None:
    """The commonest near miss: a mistyped word that is itself a list word, space-separated, so only the checksum
    fails. With seed-phrase context it is a secret all the same."""
    words = phrase(ENGLISH)
    candidates = ([*words[:5], w, *words[6:]] for w in ENGLISH.wordlist if w != words[5])
    wrong = next(c for c in candidates if not ENGLISH.check(" ".join(c)))
    value = " ".join(wrong)
    assert seed_spans(f"my seed is {value}, help") == [value]
    assert seed_spans(f"助记词 {value}") == [value]
    assert seed_spans(f"here: {value}") == []  # without context the checksum must hold


@pytest.mark.parametrize(
    "text",
    [
        "Please help, my account order has been pending since today and the balance is still wrong.",
        "please help account order again check today because money still missing wallet transfer fee price",
        "I lost my seed phrase, what can I do? Please help me recover my account as soon as possible.",
        "我的账户被冻结了请帮我看一下为什么不能提现，你好我想问一下我的钱包地址在哪里可以找到",
        "我忘记了助记词怎么办请帮我找回来我忘记了助记词怎么办请帮我找回来",
        # Twelve/fifteen list characters between punctuation whose checksum happens to hold: prose, not a phrase.
        "您好，卡在谷歌验证码页面怎么办？",
        "你好，绑卡提示持卡人姓名不一致麻烦尽快。",
        "客服你好，网店退款一直没退回钱包麻烦尽快。",
        "哪里可以切换语言麻烦尽快。",
        "我的助记词被盗了，卡在谷歌验证码页面怎么办？",  # seed words elsewhere don't make prose a phrase
    ],
)
def test_prose_is_not_a_phrase(text: str) -> None:
    assert seed_spans(text) == []


def test_words_inside_addresses_are_not_phrase_words() -> None:
    text = "send to alice.example.com abandon ability able about above absent absorb abstract absurd abuse access"
    assert seed_spans(text) == []  # eleven list words only; "example" and "com" are part of a domain


@pytest.mark.parametrize("template", ["我的助记词是{}，请帮忙", "{}是我的助记词", "助记词{}", "私钥：{}。谢谢"],
                         ids=["before", "after", "glued", "punctuated"])
def test_english_phrase_written_straight_into_chinese_text(template: str) -> None:
    value = " ".join(phrase(ENGLISH))
    assert seed_spans(template.format(value)) == [value]


def test_a_latin_letter_glued_to_a_word_still_makes_it_part_of_another_word() -> None:
    words = phrase(ENGLISH)
    text = "x" + " ".join(words) + "y"  # first and last word glued: ten list words on their own
    assert seed_spans(text) == []
