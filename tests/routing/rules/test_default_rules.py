"""The shipped rules (inbox/defaults/rules.yaml) does what its comments promise."""
from datetime import datetime, timezone
from pathlib import Path

import pytest

from inbox.domain import Channel, Priority, Visibility
from inbox.pipeline.stages import Finding
from routing.rules import TICKET_PLACEHOLDER, load_rules

from tests.routing.rules.items import TUESDAY_NIGHT, TUESDAY_OPEN, make_item

RULES = load_rules(Path(__file__).resolve().parents[3] / "inbox" / "defaults" / "rules.yaml")
NATIONAL_DAY = datetime(2026, 10, 1, 3, 0, tzinfo=timezone.utc)  # a Thursday, 11:00 in Shanghai, but a holiday


def run(item, now=TUESDAY_OPEN):
    return [fired.rule for fired in RULES.apply(item, now)], item.effects


def test_security_goes_to_the_security_team_at_urgent():
    fired, effects = run(make_item("my account was hacked", type="security"))
    assert "security-to-security-team" in fired
    assert (effects.team, effects.assignee, effects.priority) == ("security", "round_robin", Priority.URGENT)
    assert any(e.action == "escalate" and e.actor == "rule:security-to-security-team" for e in effects.audit)


def test_takeover_words_escalate_a_follow_up_once():
    item = make_item("我的账号被盗了", type="deposit", is_first=False, conversation_type="deposit", language="zh")
    fired, effects = run(item)
    assert fired == ["security-to-security-team"] and effects.team == "security"
    again = make_item("被盗了快处理", is_first=False, conversation_type="deposit", tags=frozenset({"security"}))
    assert run(again)[0] == []


@pytest.mark.parametrize("issue_type", ["deposit", "withdrawal"])
def test_money_movement_goes_to_payments(issue_type):
    fired, effects = run(make_item("where is my money", type=issue_type))
    assert "money-movement-to-payments" in fired
    assert (effects.team, effects.assignee) == ("payments", "round_robin") and "payments" in effects.add_tags


def test_complaint_and_transfer_to_supervisor_go_to_supervisors():
    fired, effects = run(make_item("terrible service", type="complaint"))
    assert "complaint-to-supervisor" in fired and effects.team == "supervisors" and effects.priority is Priority.HIGH
    follow_up = make_item("转主管", type="other", is_first=False, conversation_type="withdrawal", language="zh")
    fired, effects = run(follow_up)
    assert fired == ["complaint-to-supervisor"] and effects.team == "supervisors"


def test_other_first_messages_go_to_support():
    fired, effects = run(make_item("how do I bind a card", type="how_to"))
    assert fired == ["everything-else-to-support"] and effects.team == "support"


def test_off_hours_first_message_gets_hours_and_ticket():
    fired, effects = run(make_item("hi", type="other", ticket="#10001"), TUESDAY_NIGHT)
    assert "off-hours-reply" in fired
    [reply] = effects.replies
    assert "#10001" in reply.text and "Monday to Friday, 09:00–18:00" in reply.text
    fired, effects = run(make_item("你好", type="other", language="zh"), NATIONAL_DAY)
    [reply] = effects.replies
    assert TICKET_PLACEHOLDER in reply.text and "周一至周五 09:00–18:00" in reply.text


def test_no_reply_in_office_hours_or_to_follow_ups_or_to_robots():
    assert run(make_item("hi"), TUESDAY_OPEN)[1].replies == []
    assert run(make_item("hi", is_first=False, conversation_type="other"), TUESDAY_NIGHT)[1].replies == []
    assert run(make_item("Out of office", flags=frozenset({"auto_reply"})), TUESDAY_NIGHT)[1].replies == []


def test_account_question_in_public_moves_private():
    item = make_item("withdrawal stuck", type="withdrawal", channel=Channel.TWITTER, visibility=Visibility.PUBLIC)
    fired, effects = run(item)
    assert "account-question-in-public" in fired
    assert any(reply.private_link_fallback and reply.visibility is Visibility.PRIVATE for reply in effects.replies)


def test_secret_data_raises_priority():
    item = make_item("my seed is ...", type="security", findings=[Finding("seed_phrase", 0, 10, "secret")])
    fired, effects = run(item)
    assert "secret-data-posted" in fired and "secret_shared" in effects.add_tags


def test_public_redirect_happens_once_per_conversation():
    again = make_item("still stuck", type="withdrawal", is_first=False, conversation_type="withdrawal",
                      channel=Channel.TWITTER, visibility=Visibility.PUBLIC, tags=frozenset({"moved_private"}))
    fired, effects = run(again)
    assert "account-question-in-public" not in fired and effects.replies == []
