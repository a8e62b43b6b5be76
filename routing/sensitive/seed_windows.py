"""Finding a BIP-39 phrase inside a run of wordlist words: which 12/15/18/21/24-word window to check, the
checksum, and the bars that keep prose out (repeats, capitalisation, prose characters, rarity of solid Chinese).
`routing.sensitive.seed` builds the runs from text.
"""
from __future__ import annotations

import hashlib
import itertools
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from mnemonic import Mnemonic

VALID_LENGTHS = (24, 21, 18, 15, 12)
MIN_WORDS = 12
_GLUED_MIN_MEAN_RANK = 600  # random draws from 2048 average ~1024; prose averages a few hundred
_EXPECTED_MIN_MEAN_RANK = 450  # alone on a line or right after "助记词是" a phrase is expected: a lower bar


def _wordlist(language: str) -> list[str]:
    return Mnemonic(language).wordlist


ENGLISH = {word: index for index, word in enumerate(_wordlist("english"))}


def _strip_accents(word: str) -> str:
    return "".join(char for char in unicodedata.normalize("NFKD", word) if not unicodedata.combining(char))


def _lexicon(language: str) -> dict[str, int]:
    """Word -> index, keyed the way words appear in pasted text: NFKC (the package stores NFKD, customers paste
    composed text), and for accented Latin lists also without accents where that stays unambiguous (people type
    "abaco" for "ábaco"; the Spanish and French lists were chosen so that this holds)."""
    lexicon: dict[str, int] = {}
    words = _wordlist(language)
    for index, word in enumerate(words):
        lexicon[unicodedata.normalize("NFKC", word)] = index
        lexicon[word] = index  # as stored (NFKD): text pasted from a tool that writes decomposed
    if language in _ACCENTED:
        stripped: dict[str, list[int]] = {}
        for index, word in enumerate(words):
            stripped.setdefault(_strip_accents(word), []).append(index)
        for word, indices in stripped.items():
            if len(indices) == 1:
                lexicon.setdefault(word, indices[0])
    return lexicon


_ACCENTED = ("spanish", "french", "czech", "portuguese", "italian")
# The other eight official BIP-39 lists (the two Chinese ones are handled character by character below). Each
# has a bit, so one dictionary lookup per word tells which lists it belongs to.
WORD_LANGUAGES = ("english", "spanish", "french", "italian", "portuguese", "czech", "japanese", "korean")
LEXICONS = {language: ENGLISH if language == "english" else _lexicon(language) for language in WORD_LANGUAGES}
LANGUAGE_MASKS: dict[str, int] = {}
for _bit, _language in enumerate(WORD_LANGUAGES):
    for _word in LEXICONS[_language]:
        LANGUAGE_MASKS[_word] = LANGUAGE_MASKS.get(_word, 0) | (1 << _bit)
# The traditional list is the simplified one character for character (773 differ), so one map serves both.
CHINESE = {
    word: index
    for name in ("chinese_simplified", "chinese_traditional")
    for index, word in enumerate(_wordlist(name))
}
CHINESE_CHARS = "".join(sorted(CHINESE))



def checksum_ok(indices: Sequence[int]) -> bool:
    count = len(indices)
    if count not in VALID_LENGTHS:
        return False
    bits = 0
    for index in indices:
        bits = (bits << 11) | index
    checksum_bits = count // 3
    entropy_bits = count * 11 - checksum_bits
    entropy = (bits >> checksum_bits).to_bytes(entropy_bits // 8, "big")
    return hashlib.sha256(entropy).digest()[0] >> (8 - checksum_bits) == bits & ((1 << checksum_bits) - 1)



@dataclass(slots=True)
class Token:
    start: int
    end: int
    index: int | None  # wordlist index; None for a tolerated typo
    strong_before: bool  # strong punctuation between this token and the previous one: a phrase never spans it
    glued_before: bool  # no separator at all before this token (Chinese written solid)
    gap: str = ""  # the separator before this token, digits folded ("\n#. "), to spot where a list starts or ends
    title: bool = False  # capitalised (a sentence starting after a lower-case list)



# The commonest function characters of written Chinese (particles, pronouns, "please/trouble/quickly" of support
# messages). Prose is full of them; a random draw of 12 from 2048 holds more than two with probability ~0.3%.
_PROSE = frozenset("的了吗呢吧么我你他她是在不有这那怎什请帮麻烦哪里可以要会能啊呀就都也还没给和很到说去来下上个们为样时候如何")
_MAX_PROSE_CHARACTERS = 2
_PROSE_INDICES = frozenset(index for char, index in CHINESE.items() if char in _PROSE)


# Two-character words of support chat ("钱包被盗了怎么办"). Eleven adjacent pairs of a random draw hit one of these
# ~100 of 2048² pairs with probability ~0.03%; prose right after a glued phrase nearly always does, so a window
# holding one has run on into the sentence.
_PROSE_BIGRAMS = frozenset(
    """
    钱包 錢包 被盗 被盜 怎么 怎麼 什么 什麼 帮我 幫我 请帮 請幫 谢谢 謝謝 麻烦 麻煩 资产 資產 转账 轉賬 轉帳 提现 提現 充值 账户 賬戶
    帳戶 找回 恢复 恢復 不见 不見 没有 沒有 现在 現在 已经 已經 可以 为什 為什 客服 你好 您好 请问 請問 问题 問題 余额 餘額 到账 到賬
    一下 处理 處理 看看 时候 時候 还是 還是 但是 因为 因為 所以 如果 然后 然後 这个 這個 那个 那個 知道 告诉 告訴 尽快 盡快 急急 手机
    手機 地址 交易 记录 記錄 导入 導入 备份 備份 丢了 丟了 没了 沒了 不了 不能 无法 無法 一直 显示 顯示 密码 密碼 登录 登錄 验证 驗證
    """.split()  # noqa: SIM905 - a word list reads better as text
)


def _has_prose_bigram(characters: str) -> bool:
    return any(characters[i : i + 2] in _PROSE_BIGRAMS for i in range(len(characters) - 1))


def _prose_characters(window: list[int]) -> int:
    return sum(index in _PROSE_INDICES for index in window)


def glued_window(
    indices: list[int],
    after_keywords: list[int] | None,
    own_line: bool = False,
    anywhere: bool = False,
    blocked: Sequence[tuple[int, int]] = (),
    segment: str = "",
) -> tuple[int, int] | None:
    """Solid Chinese: the whole segment is the phrase, or (with context) a window right after the keyword
    ("我的助记词是……"), or (`anywhere`, context in the message) a window elsewhere in the segment that does not
    overlap a keyword (`blocked`): "我的助记词<phrase>钱包被盗了" has no boundary on either side. Windows at the
    expected places are tried first at every length, then the others, which face the stricter bars. Prose made
    of list characters fails the rarity bar (mean list rank) or the prose-character bar."""
    count = len(indices)
    expected_starts = set(after_keywords or ())
    passes = (False, True) if anywhere else (False,)
    for elsewhere in passes:
        for length in VALID_LENGTHS:
            if length > count or (after_keywords is None and length != count):
                continue
            if elsewhere:
                ordered = [low for low in range(count - length + 1) if low not in expected_starts]
            else:
                ordered = sorted((start for start in expected_starts if start + length <= count), reverse=True)
                if length == count and 0 not in expected_starts:
                    ordered.append(0)
            for low in ordered:
                if any(low < end and start < low + length for start, end in blocked):
                    continue  # a window never takes in the keyword ("备份的助记词是…": not from after 备份)
                window = indices[low : low + length]
                after_keyword = not elsewhere and low in expected_starts
                expected = own_line or after_keyword
                if length != count and length - len(set(window)) > (1 if expected else 0):
                    continue  # a random phrase rarely repeats a character (24 of 2048: one in eight does once)
                if not own_line and any(first == second for first, second in itertools.pairwise(window)):
                    continue  # doubled characters (谢谢, 看看) are typical of prose, rare in a random draw
                if not after_keyword and _prose_characters(window) > _MAX_PROSE_CHARACTERS:
                    continue  # seed words elsewhere in the message don't make this stretch of prose a phrase
                if segment and length != count and _has_prose_bigram(segment[low : low + length]):
                    continue
                bar = _EXPECTED_MIN_MEAN_RANK if expected else _GLUED_MIN_MEAN_RANK
                if sum(window) >= bar * length and checksum_ok(window):
                    return low, low + length
    return None


def spans_in_run(run: list[Token], context: bool, weak: bool = False) -> list[tuple[int, int]]:
    """`context`: seed-phrase words in the message; `weak`: words that make a list likelier a phrase ("wallet",
    "words", "import") and admit checksum-valid windows with repeated words when bounded on both sides."""
    if len(run) < MIN_WORDS:
        return []
    strong = [position for position, token in enumerate(run) if token.strong_before and position > 0]
    if strong:
        # A phrase never spans a sentence end or a colon: look at each piece on its own.
        bounds = [0, *strong, len(run)]
        spans: list[tuple[int, int]] = []
        for low, high in itertools.pairwise(bounds):
            piece = run[low:high]
            if piece:
                piece[0] = Token(piece[0].start, piece[0].end, piece[0].index, False, False, "", piece[0].title)
            spans.extend(spans_in_run(piece, context, weak))
        return spans
    typos = [position for position, token in enumerate(run) if token.index is None]
    if len(typos) > 1:
        # At most one typo per phrase: split between typos and look at each piece.
        bounds = [-1, *typos, len(run)]
        spans = []
        for k in range(1, len(bounds) - 1):
            spans.extend(spans_in_run(run[bounds[k - 1] + 1 : bounds[k + 1]], context, weak))
        return sorted(set(spans))
    glued = sum(token.glued_before for token in run) * 4 > len(run)
    if glued:
        # Solid prose next to a spaced-out list: only an exact phrase-length stretch can be one.
        solid = glued_window([token.index for token in run if token.index is not None], None)
        return [] if solid is None or len(run) not in VALID_LENGTHS else [(run[0].start, run[-1].end)]
    hints = _list_edges(run)
    window = _checksum_window(run, context, glued, hints, weak)
    if window is not None:
        low, high = window
        return [(run[low].start, run[high - 1].end)]
    if context and not glued:
        near = _near_valid(run, hints)
        if near is not None:
            return [(run[near[0]].start, run[near[1] - 1].end)]
    return []


def _list_edges(run: list[Token]) -> list[int]:
    """Positions where a written-out list plausibly starts or ends: the separator changes ("Hello, w1 w2 …") or a
    capitalised word follows lower-case ones ("… w12 Please help")."""
    gaps = [token.gap for token in run[1:]]
    usual = max(set(gaps), key=gaps.count)
    edges: list[int] = []
    for position in range(1, len(run)):
        token = run[position]
        if token.gap != usual or (token.title and not run[position - 1].title):
            edges.append(position)
    return edges


def _few_repeats(window: Sequence[int]) -> bool:
    """Random phrases rarely repeat a word; prose made of list words does."""
    return len(window) - len(set(window)) <= (1 if len(window) <= 18 else 2)


def _repeats_admitted(window: Sequence[int], weak: bool, bounded: bool, listed: bool = False) -> bool:
    """Repeated words are normal in test vectors and development phrases ("abandon … about", "test … junk", which
    people do fund by mistake) and not in prose: admitted when the checksum window starts or ends the list and
    either the message hints at wallets, or the words are joined as a list (hyphens, line breaks, commas), or the
    list is one or two words over and over (no sentence is)."""
    return bounded and (weak or listed or len(set(window)) <= 3)


def _checksum_window(
    run: list[Token], context: bool, glued: bool, hints: list[int], weak: bool = False
) -> tuple[int, int] | None:
    count = len(run)
    gaps = [token.gap for token in run[1:]]
    listed = bool(gaps) and max(set(gaps), key=gaps.count) != " "  # joined by "-", ", ", line breaks, numbering
    # A tolerated typo (or "words" after "wallet") sits outside any checksum window; the windows beside it count.
    typo = next((position for position, token in enumerate(run) if token.index is None), None)
    indices = [-1 if token.index is None else token.index for token in run]
    for length in VALID_LENGTHS:
        if length > count:
            continue
        # Windows bounded on both sides by the run's edges or list edges first, then one side, then one stray
        # word on either side ("Hi w1 … w12 thanks"), then (with context, in short runs) anywhere.
        bounds = {0, count, *hints} if typo is None else {0, count, typo, typo + 1, *hints}
        one_side = [low for low in range(count - length + 1) if low in bounds or low + length in bounds]
        candidates = [low for low in one_side if low in bounds and low + length in bounds] + one_side
        candidates += [low for low in (1, count - length - 1) if 0 <= low <= count - length]
        if context and count - length <= 4:
            candidates += range(count - length + 1)
        seen: set[int] = set()
        for low in candidates:
            if low in seen:
                continue
            seen.add(low)
            if typo is not None and low <= typo < low + length:
                continue
            window = indices[low : low + length]
            if glued and sum(window) < _GLUED_MIN_MEAN_RANK * length:
                continue
            bounded = low in bounds or low + length in bounds
            if not context and not _few_repeats(window) and not _repeats_admitted(window, weak, bounded, listed):
                continue
            capitalised = sum(token.title for token in run[low + 1 : low + length])
            if 0 < capitalised < length - 1:
                continue  # a phrase is written in one case; "Hello, Order about …" is a sentence starting
            if checksum_ok(window):
                return low, low + length
    return None


def _near_valid(run: list[Token], hints: list[int]) -> tuple[int, int] | None:
    """With seed-phrase context, a phrase-shaped window that fails the checksum still counts (better to mask a
    mistyped phrase than keep it): one containing a typo, or one written as a list (line breaks, commas,
    numbering) without repeated words, or an exactly phrase-long stretch bounded on both sides. Space-separated
    prose made of list words runs on past such bounds."""
    typo = next((position for position, token in enumerate(run) if token.index is None), None)
    gaps = [token.gap for token in run[1:]]
    listed = max(set(gaps), key=gaps.count).strip() != "" or "\n" in "".join(gaps)
    count = len(run)
    bounds = {0, count, *hints}
    for length in VALID_LENGTHS:
        if length > count:
            continue
        one_side = [low for low in range(count - length + 1) if low in bounds or low + length in bounds]
        ordered = [low for low in one_side if low in bounds and low + length in bounds] + one_side
        # A clean list beats a window that needs the typo allowance.
        for wants_typo in (False, True):
            for low in ordered:
                has_typo = typo is not None and low <= typo < low + length
                # Space-separated words pass too when the window is exactly a phrase-length stretch bounded on both
                # sides (a mistyped word that is itself a list word fails only the checksum).
                bounded = low in bounds and low + length in bounds
                if has_typo != wants_typo or (not has_typo and not listed and not bounded):
                    continue
                known = [token.index for token in run[low : low + length] if token.index is not None]
                if len(known) - len(set(known)) <= (1 if has_typo else 0) + (0 if length <= 18 else 1):
                    return low, low + length
    return None
