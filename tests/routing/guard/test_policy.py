import pytest
from pydantic import ValidationError

from inbox.domain import Priority
from routing.guard import GuardPolicy, InboundPublic, OutboundAction


def test_defaults_match_the_design_table() -> None:
    policy = GuardPolicy()
    assert policy.rule_for("seed_phrase").inbound_public == InboundPublic.HIDE_AND_PRIVATE
    assert policy.rule_for("otp").public_priority == Priority.URGENT
    assert policy.rule_for("otp").mask_at_rest
    assert policy.rule_for("phone").inbound_public == InboundPublic.PRIVATE
    assert not policy.rule_for("phone").mask_at_rest
    assert policy.rule_for("tx_hash").outbound_public == OutboundAction.PRIVATE
    assert policy.rule_for("tx_hash").inbound_public == InboundPublic.NONE


def test_loads_from_a_config_section_with_overrides() -> None:
    policy = GuardPolicy.model_validate(
        {"tag": "pii", "phone_regions": ["cn", "hk"], "personal": {"inbound_public": "none"},
         "kinds": {"email": {"outbound_public": "allow"}},
         "texts": {"outbound_notice": {"en": "Check your DMs."}}}
    )
    assert policy.phone_regions == ("CN", "HK")
    assert policy.rule_for("cn_id").inbound_public == InboundPublic.NONE
    assert policy.rule_for("email").outbound_public == OutboundAction.ALLOW
    assert policy.rule_for("phone").outbound_public == OutboundAction.PRIVATE
    assert policy.texts.render("outbound_notice", "en") == "Check your DMs."
    assert policy.texts.render("outbound_notice", "fr") == "Check your DMs."
    assert policy.texts.render("outbound_notice", "zh") == "我们已通过私信回复您，请查收。"


@pytest.mark.parametrize(
    "section",
    [{"kinds": {"emial": {}}}, {"secret": {"inbound_public": "shout"}}, {"unknown_key": 1},
     {"phone_regions": ["China"]}],
)
def test_bad_config_is_a_clear_error(section: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        GuardPolicy.model_validate(section)
