from datetime import timedelta

import pytest

from inbox.domain import ConversationStatus, Priority, Visibility
from inbox.pipeline.stages import AuditEntry, WebhookCall
from routing.rules import NO_AUTO_REPLY_FLAGS, TICKET_PLACEHOLDER, parse_rules

from tests.routing.rules.items import TUESDAY_OPEN, make_item

HEADER = """
teams: {payments: [pay1@example.com, pay2@example.com], security: []}
schedules:
  office:
    timezone: Asia/Shanghai
    weekly: {mon-fri: "09:00-18:00"}
    display: {en: "Mon-Fri 9 to 6", zh: "周一至周五九点到六点"}
templates:
  hours: {en: "Ticket {ticket}. We work {office_hours}.", zh: "工单 {ticket}，服务时间{office_hours}。"}
  english_only: {en: "Only English {ticket}"}
  go_private: {en: "Let's continue privately.", zh: "我们私信联系您。"}
"""


def apply(then: str, item=None):
    item = item or make_item()
    rules = parse_rules(f"{HEADER}\nrules:\n  - name: act\n    then: {then}\n", "t.yaml")
    rules.apply(item, TUESDAY_OPEN)
    return item.effects


def test_tags():
    effects = apply("[{add_tag: [vip, urgent_check]}, {remove_tag: old}]")
    assert effects.add_tags == {"vip", "urgent_check"} and effects.remove_tags == {"old"}
    assert [(a.actor, a.action) for a in effects.audit] == [("rule:act", "tag"), ("rule:act", "untag")]


def test_set_type():
    effects = apply("[{set_type: limits}]")
    assert effects.type.type == "limits" and effects.type.confidence == 1.0
    assert effects.audit == [AuditEntry("rule:act", "set_type", "limits")]


def test_set_priority_keeps_the_highest_asked_for():
    item = make_item()
    item.effects.raise_priority(Priority.URGENT)
    assert apply("[{set_priority: high}]", item).priority is Priority.URGENT
    assert apply("[{set_priority: high}]").priority is Priority.HIGH


def test_assign_team_is_round_robin_and_agent_is_direct():
    effects = apply("[{assign: {team: payments}}]")
    assert (effects.team, effects.assignee) == ("payments", "round_robin")
    effects = apply("[{assign: {agent: pay2@example.com}}]")
    assert (effects.team, effects.assignee) == ("payments", "pay2@example.com")
    assert effects.audit == [AuditEntry("rule:act", "assign", "team=payments assignee=pay2@example.com")]


def test_escalate_sets_team_priority_and_audits():
    effects = apply("[{escalate: {team: security, priority: urgent, reason: takeover}}]")
    assert (effects.team, effects.assignee, effects.priority) == ("security", "round_robin", Priority.URGENT)
    assert effects.audit == [AuditEntry("rule:act", "escalate", "team=security priority=urgent reason=takeover")]


def test_auto_reply_in_the_customers_language_with_ticket_and_hours():
    [reply] = apply("[{auto_reply: {template: hours}}]", make_item("你好", language="zh", ticket="#10234")).replies
    assert reply.text == "工单 #10234，服务时间周一至周五九点到六点。"
    assert reply.visibility is Visibility.PRIVATE and reply.reason == "rule:act" and not reply.private_link_fallback
    [reply] = apply("[{auto_reply: {template: hours}}]", make_item("hi", language="en", ticket="#10234")).replies
    assert reply.text == "Ticket #10234. We work Mon-Fri 9 to 6."


def test_auto_reply_falls_back_to_english_and_keeps_the_ticket_placeholder_for_new_conversations():
    [reply] = apply("[{auto_reply: {template: english_only}}]", make_item("你好", language="zh", ticket=None)).replies
    assert reply.text == f"Only English {TICKET_PLACEHOLDER}"


def test_auto_reply_goes_where_the_message_came_from_unless_private():
    public = make_item(visibility=Visibility.PUBLIC)
    assert apply("[{auto_reply: {template: hours}}]", public).replies[0].visibility is Visibility.PUBLIC
    public = make_item(visibility=Visibility.PUBLIC)
    assert apply("[{auto_reply: {template: hours, private: true}}]", public).replies[0].visibility is Visibility.PRIVATE


def test_redirect_private_tags_and_replies_privately_with_link_fallback():
    effects = apply("[{redirect_private: {template: go_private}}]", make_item(visibility=Visibility.PUBLIC))
    [reply] = effects.replies
    assert reply.visibility is Visibility.PRIVATE and reply.private_link_fallback and reply.text == "Let's continue privately."
    assert "moved_private" in effects.add_tags
    assert effects.audit[0].actor == "rule:act" and effects.audit[0].action == "redirect_private"


def test_redirect_private_on_a_private_message_only_tags():
    effects = apply("[{redirect_private: {template: go_private, tag: private_now}}]", make_item())
    assert effects.replies == [] and effects.add_tags == {"private_now"}


@pytest.mark.parametrize("flag", sorted(NO_AUTO_REPLY_FLAGS))
def test_never_auto_reply_to_automatic_messages(flag):
    for then in ("[{auto_reply: {template: hours}}]", "[{redirect_private: {template: go_private}}]"):
        item = make_item(flags=frozenset({flag}), visibility=Visibility.PUBLIC)
        effects = apply(then, item)
        assert effects.replies == []
        assert any(entry.action == "auto_reply_suppressed" and flag in entry.detail for entry in effects.audit)


def test_snooze_and_resolve():
    effects = apply("[{snooze: 4h}]")
    assert effects.status is ConversationStatus.SNOOZED and effects.snooze_until == TUESDAY_OPEN + timedelta(hours=4)
    assert apply("[{snooze: {for: 2d}}]").snooze_until == TUESDAY_OPEN + timedelta(days=2)
    assert apply("[{resolve: true}]").status is ConversationStatus.RESOLVED


def test_webhook():
    effects = apply("[{webhook: {url: 'https://hooks.example.com/a'}}]")
    assert effects.webhooks == [WebhookCall("https://hooks.example.com/a", "act")]


def test_every_action_is_audited_with_the_rule_name():
    effects = apply("""[{add_tag: a}, {set_type: fees}, {set_priority: low}, {assign: payments},
      {escalate: {team: security}}, {auto_reply: {template: hours}}, {snooze: 30m}, {resolve: true},
      {webhook: "http://127.0.0.1:9/x"}]""")
    assert len(effects.audit) == 9 and {entry.actor for entry in effects.audit} == {"rule:act"}
