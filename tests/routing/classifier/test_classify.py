import pytest

from routing.classifier import ISSUE_TYPES, classify, classify_many

# Written for this test (not in the corpus): plain cases every type must get right, in both languages.
CLEAR_CASES = [
    ("I can't log in, the app says my password is wrong", "account_access"),
    ("登录不了，一直提示密码错误", "account_access"),
    ("My USDT deposit from Binance has not been credited after 3 hours", "deposit"),
    ("充值的USDT三个小时了还没到账", "deposit"),
    ("My withdrawal to my bank card has been pending for two days", "withdrawal"),
    ("提现两天了还在审核中", "withdrawal"),
    ("The swap from ETH to USDT failed but my ETH is gone", "transaction"),
    ("C2C订单我已经付款了，卖家一直不放币", "transaction"),
    ("Scanning the QR code at the store says payment failed", "payment"),
    ("绑定银行卡一直失败，提示验证不通过", "payment"),
    ("Why was I charged a 5 USD fee for a simple transfer?", "fees"),
    ("手续费比官网写的高很多", "fees"),
    ("My KYC was rejected again, what documents do you need?", "limits"),
    ("实名认证被拒了，怎么提高转账限额", "limits"),
    ("My account was hacked and someone withdrew all my BTC", "security"),
    ("有人冒充你们客服问我要助记词", "security"),
    ("This is the worst service ever, I want to speak to a supervisor", "complaint"),
    ("客服态度太差了，我要投诉，转主管", "complaint"),
    ("Suggestion: please add a dark mode to the app", "feedback"),
    ("建议APP增加夜间模式", "feedback"),
    ("How do I change the phone number on my account?", "how_to"),
    ("请问怎么修改绑定的手机号", "how_to"),
    ("Thank you so much, have a nice day!", "other"),
    ("好的谢谢，祝你愉快", "other"),
]


@pytest.mark.parametrize("text, expected", CLEAR_CASES)
def test_clear_cases(text, expected):
    result = classify(text)
    assert result.type == expected, result


def test_mixed_chinese_and_english():
    assert classify("我的USDT withdrawal 还没到").type == "withdrawal"
    assert classify("KYC一直pending，账户受限").type == "limits"


def test_result_shape_and_reasons_come_from_the_text():
    result = classify("My withdrawal of 500 USDT is stuck")
    assert result.type in ISSUE_TYPES and 0.0 < result.confidence <= 1.0
    assert result.reasons and any("withdrawal" in reason for reason in result.reasons)
    chinese = classify("我的提现三天了还没到")
    assert any("提现" in reason for reason in chinese.reasons)


def test_confidence_is_lower_when_the_text_says_little():
    assert classify("my withdrawal is stuck, it failed and was returned").confidence > classify("hmm").confidence


def test_empty_and_symbol_only_texts_are_other():
    for text in ("", "   ", "???", "12345"):
        result = classify(text)
        assert result.type == "other" and result.reasons


def test_full_width_and_case_do_not_matter():
    assert classify("ＷＩＴＨＤＲＡＷＡＬ ＰＥＮＤＩＮＧ").type == classify("withdrawal pending").type == "withdrawal"


def test_very_long_text_is_classified_by_its_opening():
    text = "My deposit has not arrived. " + "Regards, John. " * 5000
    assert classify(text).type == "deposit"


def test_classify_many_keeps_order_and_matches_classify():
    texts = [text for text, _ in CLEAR_CASES]
    assert classify_many(texts) == [classify(text) for text in texts]
    assert classify_many([]) == []


def test_classify_many_skips_only_the_reasons_it_is_told_to():
    from routing.classifier.classifier import default_classifier

    texts = [text for text, _ in CLEAR_CASES] * 2
    wanted = [position % 2 == 0 for position in range(len(texts))]
    results = default_classifier().classify_many(texts, wanted)
    full = [classify(text) for text in texts]
    assert [(r.type, r.confidence) for r in results] == [(f.type, f.confidence) for f in full]
    assert all(r.reasons == f.reasons for r, f, w in zip(results, full, wanted) if w)
    assert all(r.reasons == () for r, w in zip(results, wanted) if not w)
    assert any(f.reasons for f, w in zip(full, wanted) if not w)  # there were reasons to skip
