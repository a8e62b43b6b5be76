"""The detector on hand-picked cases: each signal fires on what it names and stays quiet on our own accounts,
customers and people warning each other."""
from __future__ import annotations

import pytest

from routing.impersonation import Account, OfficialRegistry, TelegramAdmin, assess, skeleton

REG = OfficialRegistry(
    brand_names=("OurWallet", "OW钱包"), x_handles=("OurWallet", "OurWallet_CN"), x_user_ids=("100",),
    telegram_handles=("OurWalletOfficial",), telegram_bots=("OurWalletBot",), telegram_user_ids=("200",),
    telegram_admins=(TelegramAdmin(user_id="9001", name="Lily | OurWallet Support"),),
    support_emails=("support@ourwallet.com",), email_domains=("ourwallet.com",), web_domains=("ourwallet.com",),
)


def x(handle: str, name: str | None = None, uid: str = "5") -> Account:
    return Account("x", uid, handle, name or handle)


def names(verdict) -> set[str]:  # noqa: ANN001
    return {s.name for s in verdict.signals}


@pytest.mark.parametrize("fake", ["0urWallet", "OurWaIlet", "Оurwаllet", "ＯｕｒＷａｌｌｅｔ", "Our\u200bWallet"])
def test_confusable_skeletons_read_as_ours(fake: str) -> None:
    assert skeleton(fake) == skeleton("OurWallet")
    verdict = assess(x(fake, "Hi"), "hello", REG)
    assert not verdict.official and "confusable_handle" in names(verdict)


def test_distinct_names_keep_distinct_skeletons() -> None:
    assert skeleton("walletwatcher") != skeleton("ourwallet")
    assert skeleton("alice") == skeleton("a1ice")


def test_brand_plus_support_word_and_chinese_support_words() -> None:
    assert "brand_plus_support_word" in names(assess(x("OurWallet_Help"), "hi", REG))
    assert "brand_plus_support_word" in names(assess(x("ourwallet_kefu"), "hi", REG))
    assert "name_brand_plus_support_word" in names(assess(x("k2j3h4", "OW钱包官方客服"), "hi", REG))


def test_near_miss_by_edit_distance() -> None:
    verdict = assess(x("support_ourwalet"), "hi", REG)
    assert "near_official_handle" in names(verdict)
    assert "one or two letters" in verdict.explain()


def test_official_accounts_are_never_flagged_whatever_they_say() -> None:
    text = "We have sent you a DM. Never share your recovery phrase; fill https://forms.gle/x only if asked by us"
    for account in (x("OurWallet", uid="999"), x("someone", uid="100"), Account("telegram", "9001", "lily", "Lily"),
                    Account("telegram", "1", "OurWalletBot", "OurWallet Bot")):
        verdict = assess(account, text, REG)
        assert verdict.official and not verdict.flagged and verdict.score == 0


def test_scam_reply_from_a_lookalike_is_flagged_with_reasons() -> None:
    verdict = assess(x("OurWallet_Help", "OurWallet Support"),
                     "@alice Sorry! Please send us a DM and enter your recovery phrase at https://ourwallet-sync.app", REG)
    assert verdict.flagged and verdict.score >= 0.9
    assert {"brand_plus_support_word", "asks_for_secret", "pushes_private_contact", "lookalike_domain"} <= names(verdict)


def test_form_and_validation_sites_and_phrase_requests() -> None:
    v = assess(x("random_guy"), "@a fill this form https://forms.gle/abc to release it", REG)
    assert "form_link" in names(v)
    v = assess(x("random_guy"), "@a please validate your wallet at https://dapp-rectify.net", REG)
    assert {"scam_site_words", "wallet_action_request"} <= names(v)
    v = assess(x("random_guy"), "请提供您的助记词，我们帮您同步", REG)
    assert "asks_for_secret" in names(v)


def test_warnings_and_reported_speech_do_not_count_as_asking() -> None:
    for text in ("@bob never share your recovery phrase, no real support will ask for it",
                 "@bob the accounts asking you to DM them are scammers",
                 "有人私信我让我提供助记词，是你们吗？",
                 "@lin 千万别把助记词给任何人，说是客服的都是假的"):
        verdict = assess(x("helpful_user"), text, REG)
        assert not verdict.flagged and not verdict.signals, (text, verdict.explain())


def test_official_links_and_news_links_are_not_suspicious() -> None:
    assert not assess(x("a_user"), "status is at https://ourwallet.com/status", REG).signals
    v = assess(x("a_user"), "story: https://www.coindesk.com/markets/outage", REG)
    assert not v.flagged and names(v) == {"off_registry_link"}


def test_customer_of_the_conversation_is_judged_on_identity_only() -> None:
    text = "@OurWallet someone told me to send my seed phrase to https://ourwallet-sync.app, please DM me"
    assert not assess(x("alice_w", "Alice"), text, REG, identity_only=True).flagged
    # ...but a lookalike is still one, whoever's conversation it is
    assert assess(Account("telegram", "55", "x", "Lily | 0urWallet Support"), text, REG, identity_only=True).flagged


def test_telegram_display_name_copying_admin_or_bot() -> None:
    v = assess(Account("telegram", "777", "lily_help", "Lily | OurWallet Support"), "hi, PM me", REG)
    assert v.flagged and "copies_admin_name" in names(v)
    v = assess(Account("telegram", "778", "ow_help", "OurWalletBot"), "hi", REG)
    assert "copies_admin_name" in names(v) and "our bot" in v.explain()


def test_hostile_input_is_bounded() -> None:
    verdict = assess(x("a" * 5000, "b" * 5000), "DM us " * 100_000, REG)
    assert verdict.score <= 1.0
