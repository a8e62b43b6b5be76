from routing.guard import display_mask
from routing.sensitive import detect, redact


def shown(text: str) -> str:
    return display_mask(text, detect(text))


def test_personal_data_is_masked_for_agents() -> None:
    assert shown("手机13812345678") == "手机138****5678"
    assert shown("mail alice@example.com") == "mail a***@example.com"
    assert shown("call +86 138 1234 5678") == "call +86 138 **** 5678"
    assert shown("ID 11010519491231002X") == "ID 110***********002X"
    assert shown("IBAN DE89 3704 0044 0532 0130 00") == "IBAN DE89 **** **** **** **30 00"


def test_linkable_shown_and_secrets_never() -> None:
    tx = "txid 4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"
    assert shown(tx) == tx
    assert shown("password: hunter22x") == "password: [password removed]"


def test_works_on_stored_masked_text_with_reoffset_findings() -> None:
    text = "pwd: hunter22x phone 13812345678"
    masked, findings = redact(text, detect(text))
    assert display_mask(masked, findings) == "pwd: [password removed] phone 138****5678"
