from inbox.domain import Visibility
from routing.guard import GuardPolicy, check_outbound, outbound_preview

HEX = "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"
POLICY = GuardPolicy()


def test_clean_public_reply_goes_public() -> None:
    decision = check_outbound("We are looking into it.", Visibility.PUBLIC, POLICY)
    assert decision.route == Visibility.PUBLIC and not decision.blocked and decision.public_notice is None
    assert decision.preview is None


def test_linkable_and_personal_go_privately_with_a_public_notice() -> None:
    decision = check_outbound(f"Your tx {HEX} is confirmed", Visibility.PUBLIC, POLICY, language="en")
    assert decision.route == Visibility.PRIVATE and not decision.blocked
    assert decision.public_notice == "We have replied to you in a private message."
    assert HEX not in decision.public_notice
    assert decision.reasons == ("contains a transaction hash — will be sent by DM, the public thread gets a notice",)
    phone = check_outbound("我们会致电13812345678", Visibility.PUBLIC, POLICY)
    assert phone.route == Visibility.PRIVATE and phone.public_notice == "我们已通过私信回复您，请查收。"


def test_secret_in_public_reply_is_blocked() -> None:
    decision = check_outbound("your password is hunter22x", Visibility.PUBLIC, POLICY)
    assert decision.blocked and decision.route == Visibility.PRIVATE
    assert "never posted publicly" in decision.reasons[0]


def test_private_conversation_is_private_and_allowed_by_default() -> None:
    decision = check_outbound(f"tx {HEX}", Visibility.PRIVATE, POLICY)
    assert decision.route == Visibility.PRIVATE and not decision.blocked and decision.reasons == ()
    strict = GuardPolicy.model_validate({"secret": {"outbound_private": "block"}})
    assert check_outbound("otp 123456", Visibility.PRIVATE, strict).blocked


def test_preview_for_the_agent_ui() -> None:
    assert outbound_preview(f"tx {HEX}", Visibility.PUBLIC, POLICY) == (
        "contains a transaction hash — will be sent by DM, the public thread gets a notice"
    )
    allow = GuardPolicy.model_validate({"linkable": {"outbound_public": "allow"}})
    assert outbound_preview(f"tx {HEX}", Visibility.PUBLIC, allow) is None
