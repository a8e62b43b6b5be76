"""The ways issue #14 saw the classifier fail on real customers' words, as cases written for this test (none is in
the training corpus: the first test checks). Each group failed with the template-trained model."""
import pytest

from routing.classifier import classify
from routing.classifier.corpus import TRAIN_PATH, WRITTEN_TRAIN_PATH, read_examples

NEGATION = [  # "not mine" is security, whatever the money movement is called
    ("there's a card payment on my statement I don't recognise at all", "security"),
    ("I see a cash withdrawal from yesterday that I didn't make", "security"),
    ("a top up I never did showed up and then left again", "security"),
    ("这笔消费我不认识，不是我刷的", "security"),
]
NO_KEYWORD = [
    ("I think I lost my card on the bus", "security"),
    ("my card stopped working this morning", "payment"),
]
QUESTIONS = [  # a question about a problem is the problem's type, not how_to
    ("How much can I top up in one go?", "limits"),
    ("why hasn't my transfer to Anna arrived?", "transaction"),
    ("what's the most I can withdraw each week?", "limits"),
    ("how are you doing today?", "other"),
    ("how's your day been", "other"),
]
CHINESE = [
    ("退款申请了五天了还没到账", "transaction"),
    ("商家说退款了，我怎么没收到", "transaction"),
    ("人脸识别总是不通过怎么办", "limits"),
    ("实名认证失败了，提示照片不清晰", "limits"),
    ("商户收款码怎么开通", "how_to"),
    ("我开店想要一个收款二维码，怎么申请", "how_to"),
]
LONG = [
    ("Hi, sorry for the long message. I've been a customer for years and usually everything is fine. Last week I "
     "changed phones and had some trouble with the app, but that's sorted now. The real problem: on Friday I "
     "withdrew 900 USDT to my bank and it still hasn't arrived, the app says processing. Can you check?", "withdrawal"),
    ("先说一下，你们新版本界面我不太习惯，不过这不是重点。重点是我昨天充值了2000u，链上早就确认了，"
     "可是余额一直没变，充值记录里也没有，麻烦帮我查一下", "deposit"),
]
CASES = NEGATION + NO_KEYWORD + QUESTIONS + CHINESE + LONG


def test_cases_are_not_training_rows():
    trained = {e.text.casefold() for e in read_examples(TRAIN_PATH) + read_examples(WRITTEN_TRAIN_PATH)}
    assert not [text for text, _ in CASES if text.casefold() in trained]


@pytest.mark.parametrize("text, expected", CASES)
def test_hard_case(text, expected):
    result = classify(text)
    assert result.type == expected, result


@pytest.mark.parametrize("text", ["I would like to know if this will be fixed, is a refund possible?",
                                  "we will see, would you check it is a problem"])
def test_reasons_never_cite_filler_words(text):
    filler = {'text "will"', 'text "would"', 'text "is a"', 'text "i"', 'text "is"', 'text "a"'}
    assert not filler & set(classify(text).reasons)


def test_reasons_cite_the_negation_or_the_phrase():
    reasons = " ".join(classify("there's a withdrawal on my account I did not make").reasons)
    assert "did not make" in reasons or "not …" in reasons


def test_a_phrase_found_twice_is_one_reason():
    reasons = classify("验证码错误，又是验证码错误，登录不了").reasons
    assert len(reasons) == len(set(reasons))
