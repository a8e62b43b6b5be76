from inbox.pipeline.stages import Finding
from routing.sensitive import detect, redact


def test_secret_spans_masked_and_all_findings_reoffset() -> None:
    text = "手机13812345678 密码是abc12345 txid 4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b end"
    masked, moved = redact(text, detect(text))
    assert "abc12345" not in masked
    assert "[password removed]" in masked
    assert [f.kind for f in moved] == ["phone", "password", "tx_hash"]
    phone, password, tx = moved
    assert masked[phone.start : phone.end] == "13812345678"
    assert masked[password.start : password.end] == "[password removed]"
    assert masked[tx.start : tx.end].startswith("4a5e1e4b")
    assert masked.endswith(" end")


def test_other_tiers_can_be_masked_and_nothing_found_is_identity() -> None:
    text = "a@b.co"
    assert redact(text, detect(text), frozenset({"personal"}))[0] == "[email removed]"
    assert redact("hello", []) == ("hello", [])


def test_overlapping_input_never_leaks_part_of_a_masked_span() -> None:
    findings = [Finding("password", 0, 6, "secret"), Finding("email", 3, 9, "personal")]
    masked, moved = redact("abcdefghij", findings)
    assert masked == "[password removed]ghij"
    assert len(moved) == 1
