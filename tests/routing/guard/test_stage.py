import pytest
from mnemonic import Mnemonic

from inbox.domain import Priority, Visibility
from routing.guard import GuardPolicy, SensitiveStage
from routing.sensitive import mask_label
from tests.routing.guard.items import make_item

SEED = Mnemonic("english").to_mnemonic(bytes(range(16)))
HEX = "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"


def run(item, policy: GuardPolicy | None = None):  # type: ignore[no-untyped-def]
    SensitiveStage(policy or GuardPolicy()).process([item])
    return item


def test_stage_name() -> None:
    assert SensitiveStage(GuardPolicy()).name == "sensitive"


def test_public_secret_hides_warns_publicly_contacts_privately_and_masks() -> None:
    item = run(make_item(f"@support my wallet is empty, seed: {SEED}"))
    effects = item.effects
    assert effects.hide_public
    assert "sensitive" in effects.add_tags
    assert effects.priority == Priority.URGENT
    public, private = effects.replies
    assert public.visibility == Visibility.PUBLIC and not public.private_link_fallback
    assert private.visibility == Visibility.PRIVATE and private.private_link_fallback
    for reply in effects.replies:
        assert SEED.split()[0] not in reply.text  # quotes nothing
    assert "recovery (seed) phrase" in private.text
    assert SEED not in item.text and mask_label("seed_phrase") in item.text
    [finding] = item.findings
    assert item.text[finding.start : finding.end] == mask_label("seed_phrase")
    assert {entry.action for entry in effects.audit} >= {"detect", "mask", "hide_public"}
    assert all(SEED not in entry.detail for entry in effects.audit)


def test_public_personal_data_continues_privately_without_hiding() -> None:
    item = run(make_item("call me 13812345678"))
    effects = item.effects
    assert not effects.hide_public
    [reply] = effects.replies
    assert reply.visibility == Visibility.PRIVATE and reply.private_link_fallback
    assert reply.reason == "guard:move_private"
    assert "sensitive" in effects.add_tags
    assert item.text == "call me 13812345678"  # personal data is stored, shown masked later
    assert item.findings[0].kind == "phone"


def test_private_secret_gets_a_warning_in_the_customers_language() -> None:
    item = run(make_item("我的密码是abc12345", visibility=Visibility.PRIVATE))
    [reply] = item.effects.replies
    assert reply.visibility == Visibility.PRIVATE
    assert "绝不会" in reply.text and "密码" in reply.text
    assert "abc12345" not in item.text
    assert item.effects.priority == Priority.HIGH
    english = run(make_item("my password is abc12345", visibility=Visibility.PRIVATE, language="en"))
    assert "never ask for your seed phrase" in english.effects.replies[0].text


def test_private_warning_once_per_conversation() -> None:
    item = run(make_item("otp 123456", visibility=Visibility.PRIVATE, tags=frozenset({"sensitive"})))
    assert item.effects.replies == []
    assert "[otp removed]" in item.text


def test_linkable_only_is_found_but_not_acted_on() -> None:
    item = run(make_item(f"txid {HEX} stuck"))
    assert [f.kind for f in item.findings] == ["tx_hash"]
    assert item.effects.replies == [] and not item.effects.hide_public
    assert item.effects.add_tags == set() and item.effects.audit == []


def test_personal_data_in_private_is_stored_without_fuss() -> None:
    item = run(make_item("my email is a@b.co", visibility=Visibility.PRIVATE))
    assert [f.kind for f in item.findings] == ["email"]
    assert item.effects.add_tags == set() and item.effects.replies == []


def test_no_auto_reply_flags_still_mask_and_hide() -> None:
    item = run(make_item("password: hunter22x", flags=frozenset({"auto_reply"})))
    assert item.effects.replies == []
    assert item.effects.hide_public
    assert "hunter22x" not in item.text


def test_nothing_found_changes_nothing() -> None:
    item = run(make_item("hello, where is my withdrawal?"))
    assert item.findings == [] and item.effects.add_tags == set() and item.effects.replies == []


def test_policy_overrides_per_kind_and_disabled_kinds() -> None:
    policy = GuardPolicy.model_validate(
        {"kinds": {"phone": {"enabled": False}, "otp": {"inbound_public": "private", "mask_at_rest": False}},
         "kind_tags": True}
    )
    item = run(make_item("13812345678 code 123456"), policy)
    assert [f.kind for f in item.findings] == ["otp"]
    assert not item.effects.hide_public
    assert item.effects.replies[0].reason == "guard:move_private"
    assert "123456" in item.text and "sensitive:otp" in item.effects.add_tags


def test_disabled_policy_is_a_no_op() -> None:
    item = run(make_item("password: hunter22x"), GuardPolicy(enabled=False))
    assert item.text == "password: hunter22x" and item.findings == []


def test_raw_json_copy_is_masked_even_when_escaped() -> None:
    raw = '{"message": {"text": "\\u52a9\\u8bb0\\u8bcd password: hunter22x", "id": 1}}'
    item = run(make_item("助记词 password: hunter22x", raw=raw))
    assert item.raw is not None and "hunter22x" not in item.raw
    assert '"id": 1' in item.raw


@pytest.mark.parametrize("encoding", ["base64", "quoted-printable"])
def test_encoded_mime_raw_with_a_secret_is_dropped(encoding: str) -> None:
    raw = f"Subject: help\r\nContent-Transfer-Encoding: {encoding}\r\n\r\nbXkgcGFzc3dvcmQ=\r\n"
    item = run(make_item("my password is hunter22x", raw=raw, visibility=Visibility.PRIVATE))
    assert item.raw is None
    assert any(entry.action == "mask_raw" for entry in item.effects.audit)


def test_plain_raw_without_secret_is_kept_byte_for_byte() -> None:
    raw = "Subject: hi\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8=\r\n"
    item = run(make_item("hello", raw=raw, visibility=Visibility.PRIVATE))
    assert item.raw == raw


def test_plain_text_raw_is_masked_in_place() -> None:
    raw = "From: a@b.co\r\nSubject: otp\r\n\r\nmy otp is 123456\r\n"
    item = run(make_item("my otp is 123456", raw=raw, visibility=Visibility.PRIVATE))
    assert item.raw is not None and "123456" not in item.raw and "a@b.co" in item.raw


def test_subject_and_html_are_masked_when_the_item_carries_them() -> None:
    from dataclasses import dataclass

    from inbox.pipeline.stages import PipelineItem

    @dataclass(slots=True)
    class ItemWithExtras(PipelineItem):  # what PipelineItem would look like with the fields asked for
        subject: str | None = None
        html: str | None = None

    base = make_item("my otp is 123456", visibility=Visibility.PRIVATE)
    item = ItemWithExtras(message=base.message, text=base.text, raw=None, conversation=base.conversation,
                          is_first=True, subject="password: hunter22x please", html="<p>my otp is 123456</p>")
    SensitiveStage(GuardPolicy()).process([item])
    assert item.subject == "password: [password removed] please"
    assert item.html is None
