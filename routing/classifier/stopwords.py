"""Filler that must never be given as a reason for a type: "will", "would", "is a", "我的", "了吗".

A reason is there so an agent can see why the type was chosen; function words carry no meaning for that even when
the model leans on them (the issue that prompted this: complaint and feedback "because of" `"will"` and `"is a"`).
"""
from __future__ import annotations

ENGLISH_FILLER = frozenset("""
a an the and or but if so to of in on at by for from with about as into than then that this these those there here
is are was were be been being am do does did doing have has had having will would shall should can could may might
must i me my mine we us our you your yours he him his she her it its they them their what which who whom whose when
where why how all any some no not very just also too only again still even now please pls hi hello hey dear thanks
thank ok okay yes yeah t s m ve re ll d get got go going gone make made one two it's im i'm dont didnt cant can't
much many more most up out down off over there's like really didn doesn isn wasn weren haven hasn hadn don won
couldn wouldn shouldn aren want need help u ur
""".split())
# A Chinese piece made only of these characters is filler: 的了吗呢吧啊 particles, pronouns, 是/在/有/就/也/都/还.
CHINESE_FILLER_CHARACTERS = frozenset("的了吗呢吧啊呀哦嗯我你您他她它们是在有就也都还很这那个么一和与及或但什")


def is_filler(piece: str) -> bool:
    """A word or word pair with any filler word in it ("i top", "withdrawal i"), or a Chinese piece made only
    of filler characters."""
    if piece.isascii():
        return any(word in ENGLISH_FILLER or word.isdigit() or word == "?" for word in piece.split())
    characters = [c for c in piece if not c.isspace()]
    return all(c in CHINESE_FILLER_CHARACTERS or c.isascii() for c in characters)
