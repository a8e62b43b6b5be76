"""The guard's rule for what agents type: secret-tier items are refused in any reply unless the admin allows the kind
(issue #12 item 7); what is stored is masked like inbound text."""
from __future__ import annotations

from mnemonic import Mnemonic

from inbox.domain import Visibility
from routing.guard import GuardPolicy, check_outbound
from routing.guard.typed import mask_typed

SEED = Mnemonic("english").generate(256)
POLICY = GuardPolicy()
ALLOW_OTP = GuardPolicy.model_validate({"kinds": {"otp": {"outbound_private": "allow"}}})


def test_every_secret_kind_is_refused_in_a_private_reply_by_default() -> None:
    for kind, text in {
        "seed_phrase": f"your phrase: {SEED}",
        "card_number": "the card number is 4111 1111 1111 1111",
        "otp": "your verification code is 482913",
        "password": "password: Hunter2!xyz",
    }.items():
        decision = check_outbound(text, Visibility.PRIVATE, POLICY)
        assert decision.blocked and decision.refused_kinds == (kind,), kind
        assert decision.refusal is not None and f"({kind})" in decision.refusal
        assert text.split()[-1] not in decision.refusal and text.split()[-1] not in " ".join(decision.reasons)


def test_a_secret_in_a_public_reply_is_refused_not_moved() -> None:
    decision = check_outbound(f"restore with {SEED}", Visibility.PUBLIC, POLICY)
    assert decision.blocked and decision.blocked_publicly and decision.public_notice is None
    assert decision.refused_kinds == ("seed_phrase",)


def test_an_allowed_kind_goes_privately_only() -> None:
    private = check_outbound("your verification code is 482913", Visibility.PRIVATE, ALLOW_OTP)
    assert not private.blocked and private.route == Visibility.PRIVATE
    public = check_outbound("your verification code is 482913", Visibility.PUBLIC, ALLOW_OTP, language="en")
    assert not public.blocked and public.route == Visibility.PRIVATE and public.blocked_publicly
    assert public.public_notice == "We have replied to you in a private message."
    assert check_outbound(f"phrase {SEED}", Visibility.PRIVATE, ALLOW_OTP).blocked  # other kinds stay refused


def test_personal_items_keep_the_public_to_private_move() -> None:
    decision = check_outbound("we will call 13812345678", Visibility.PUBLIC, POLICY)
    assert not decision.blocked and decision.route == Visibility.PRIVATE and decision.public_notice
    assert not check_outbound("we will call 13812345678", Visibility.PRIVATE, POLICY).blocked


def test_typed_text_is_masked_like_inbound_and_keeps_the_rest() -> None:
    typed = mask_typed(f"pasted {SEED} call 13812345678 card 4111 1111 1111 1111", POLICY)
    assert " ".join(SEED.split()[4:7]) not in typed.text and "4111" not in typed.text and "13812345678" in typed.text
    assert set(typed.kinds) == {"seed_phrase", "card_number"}
    for finding in typed.masked:
        assert typed.text[finding.start:finding.end] == f"[{finding.kind} removed]"
    assert mask_typed("vip", POLICY).masked == () and mask_typed(f"x {SEED}", None).text == f"x {SEED}"


def test_agent_choosing_private_on_a_public_thread_is_checked_as_private() -> None:
    hex_hash = "cd" * 32
    moved = check_outbound(f"tx 0x{hex_hash}", Visibility.PUBLIC, POLICY, language="en", wants_private=True)
    assert moved.route == Visibility.PRIVATE and not moved.blocked and moved.public_notice
    assert check_outbound("verification code is 482913", Visibility.PUBLIC, POLICY, wants_private=True).blocked
    allowed = check_outbound("verification code is 482913", Visibility.PUBLIC, ALLOW_OTP, wants_private=True)
    assert allowed.route == Visibility.PRIVATE and not allowed.blocked
