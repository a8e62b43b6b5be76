from datetime import datetime, timezone

import pytest

from inbox.domain import Channel, ConversationStatus, Priority, Visibility
from inbox.pipeline.stages import Finding
from routing.rules import parse_rules

from tests.routing.rules.items import TUESDAY_NIGHT, TUESDAY_OPEN, make_item

HEADER = """
schedules:
  office:
    timezone: Asia/Shanghai
    weekly: {mon-fri: "09:00-18:00", sat: ["10:00-12:00", "13:00-15:00"]}
    holidays: [2026-10-01]
"""


def fires(when: str, item, now: datetime = TUESDAY_OPEN) -> bool:
    rules = parse_rules(f"{HEADER}\nrules:\n  - name: r\n    when: {when}\n    then: [{{add_tag: hit}}]\n", "t.yaml")
    return [fired.rule for fired in rules.apply(item, now)] == ["r"]


def test_connector_channel_visibility_direction():
    item = make_item(channel=Channel.TWITTER, visibility=Visibility.PUBLIC, connector="x-support")
    assert fires("{connector: x-support, channel: twitter, visibility: public, direction: inbound}", item)
    assert not fires("{connector: [support-mail, wallet-bot]}", item)
    assert not fires("{channel: email}", item)
    assert not fires("{visibility: private}", item)
    assert not fires("{direction: outbound}", item)


def test_first_message_versus_follow_up():
    assert fires("{first_message: true}", make_item(is_first=True))
    assert not fires("{first_message: true}", make_item(is_first=False, conversation_type="other"))
    assert fires("{first_message: false}", make_item(is_first=False, conversation_type="other"))


def test_text_contains_ignores_case_and_full_width_forms():
    assert fires('{text_contains: "usdt"}', make_item("我的ＵＳＤＴ没到"))
    assert fires('{text_contains: [转主管, supervisor]}', make_item("请帮我转主管处理"))
    assert fires('{text_contains: SUPERVISOR}', make_item("get me a supervisor"))
    assert not fires('{text_contains: [转主管]}', make_item("转账失败"))


def test_text_contains_reads_the_email_subject_too():
    assert fires('{text_contains: refund}', make_item("see below", subject="Refund request"))


def test_regex_works_on_chinese_text():
    assert fires(r'{text_regex: "提现.{0,6}(没|未)到"}', make_item("我的提现三天了没到账"))
    assert fires(r'{text_regex: "\\d{5,}"}', make_item("工单号12345"))
    assert not fires(r'{text_regex: "提现.{0,6}(没|未)到"}', make_item("充值没到账"))


def test_type_and_confidence():
    item = make_item(type="withdrawal", confidence=0.7)
    assert fires("{type: [deposit, withdrawal], min_confidence: 0.6}", item)
    assert not fires("{type: withdrawal, min_confidence: 0.8}", item)
    assert not fires("{type: deposit}", item)


def test_type_of_a_follow_up_is_the_conversation_type_and_message_type_is_its_own():
    item = make_item("this is the worst service", type="complaint", is_first=False, conversation_type="deposit")
    assert fires("{type: deposit}", item)
    assert not fires("{type: complaint}", item)
    assert fires("{message_type: complaint}", item)


def test_sensitive_kinds_and_tiers():
    item = make_item(findings=[Finding("seed_phrase", 0, 10, "secret"), Finding("phone", 11, 20, "personal")])
    assert fires("{sensitive_kind: seed_phrase}", item)
    assert fires("{sensitive_tier: [linkable, personal]}", item)
    assert not fires("{sensitive_kind: iban}", item)
    assert not fires("{sensitive_tier: secret}", make_item())


def test_contact_attributes():
    item = make_item(contact_attributes={"vip": "gold", "country": "HK"})
    assert fires("{contact: {vip: [gold, platinum], country: HK}}", item)
    assert fires("{contact: {vip: true, blocked: false}}", item)
    assert not fires("{contact: {vip: platinum}}", item)
    assert not fires("{contact: {blocked: true}}", item)


def test_language():
    assert fires("{language: zh}", make_item("你好", language="zh"))
    assert not fires("{language: zh}", make_item("hello", language="en"))
    assert fires("{language: zh}", make_item("我的提现没到", language=None))  # detected when the pipeline didn't say


@pytest.mark.parametrize("moment, is_open", [
    (TUESDAY_OPEN, True),
    (TUESDAY_NIGHT, False),
    (datetime(2026, 11, 24, 0, 59, tzinfo=timezone.utc), False),  # 08:59 Shanghai
    (datetime(2026, 11, 24, 1, 0, tzinfo=timezone.utc), True),  # 09:00 Shanghai
    (datetime(2026, 11, 24, 9, 59, tzinfo=timezone.utc), True),  # 17:59
    (datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc), False),  # 18:00: closed
    (datetime(2026, 11, 28, 3, 0, tzinfo=timezone.utc), True),  # Saturday 11:00
    (datetime(2026, 11, 28, 4, 30, tzinfo=timezone.utc), False),  # Saturday 12:30 lunch break
    (datetime(2026, 11, 29, 3, 0, tzinfo=timezone.utc), False),  # Sunday
    (datetime(2026, 10, 1, 3, 0, tzinfo=timezone.utc), False),  # Thursday, but a holiday
    (datetime(2026, 11, 23, 20, 0, tzinfo=timezone.utc), False),  # Monday 20:00 UTC is Tuesday 04:00 in Shanghai
])
def test_business_hours_in_the_schedule_time_zone(moment, is_open):
    assert fires("{in_hours: office}", make_item(), moment) is is_open
    assert fires("{off_hours: office}", make_item(), moment) is not is_open


def test_priority_tags_status_flags():
    item = make_item(priority=Priority.HIGH, tags=frozenset({"vip"}), status=ConversationStatus.PENDING,
                     flags=frozenset({"list"}))
    assert fires("{priority: high, min_priority: normal, has_tag: [vip], status: pending, flags: list}", item)
    assert not fires("{min_priority: urgent}", item)
    assert not fires("{has_tag: other}", item)
    assert not fires("{flags: [bounce]}", item)


def test_any_and_not():
    item = make_item("hello", type="fees")
    assert fires("{any: [{type: deposit}, {type: fees}]}", item)
    assert not fires("{any: [{type: deposit}, {text_contains: refund}]}", item)
    assert fires("{not: {type: deposit}}", item)
    assert not fires("{not: {type: fees}}", item)


def test_office_hours_text_is_written_from_the_schedule():
    rules = parse_rules(HEADER, "t.yaml")
    office = rules.declarations.schedules["office"]
    assert office.office_hours("en") == "Mon–Fri 09:00–18:00; Sat 10:00–12:00, 13:00–15:00 (Asia/Shanghai)"
    assert office.office_hours("zh").startswith("周一至周五 09:00–18:00，周六 10:00–12:00, 13:00–15:00")


def test_text_conditions_read_the_masked_subject():
    item = make_item("see below", subject="refund please")
    item.subject = "[masked]"
    assert not fires('{text_contains: refund}', item)


def test_has_tag_sees_tags_added_and_removed_earlier_in_the_run():
    import itertools

    from routing.rules.context import RuleContext

    names = ["a", "b", "c"]
    subsets = [frozenset(c) for n in range(4) for c in itertools.combinations(names, n)]
    for current, added, removed, wanted in itertools.product(subsets, subsets, subsets, subsets[1:]):
        item = make_item(tags=current)
        item.effects.add_tags.update(added)
        item.effects.remove_tags.update(removed)
        context = RuleContext(item, TUESDAY_OPEN)
        assert context.has_any_tag(wanted) is (not wanted.isdisjoint(context.tags)), (current, added, removed, wanted)
