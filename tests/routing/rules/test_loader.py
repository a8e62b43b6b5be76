from pathlib import Path

import pytest

from routing.rules import RulesError, load_rules, parse_rules

ROOT = Path(__file__).resolve().parents[3]

BASE = """
teams: {payments: [pay1@example.com], security: []}
schedules:
  office: {timezone: Asia/Shanghai, weekly: {mon-fri: "09:00-18:00"}}
templates:
  hello: {en: "Ticket {ticket}, hours {office_hours}", zh: "工单 {ticket}"}
"""


def errors_of(rules_yaml: str) -> list[str]:
    with pytest.raises(RulesError) as raised:
        parse_rules(BASE + rules_yaml, "rules.yaml")
    return raised.value.errors


def test_shipped_default_rules_load():
    rules = load_rules(ROOT / "inbox" / "defaults" / "rules.yaml")
    names = [summary.name for summary in rules.summary()]
    assert "security-to-security-team" in names and "off-hours-reply" in names
    assert set(rules.declarations.teams) >= {"security", "payments", "supervisors"}


def test_bad_regex_names_file_rule_and_key():
    errors = errors_of("""
rules:
  - name: broken-regex
    when: {text_regex: "提现(("}
    then: [{add_tag: x}]
""")
    assert len(errors) == 1
    assert errors[0].startswith("rules.yaml: rule 'broken-regex': key 'when.text_regex': bad regular expression")


def test_unknown_action_is_named():
    [error] = errors_of("""
rules:
  - name: typo
    then: [{add_tags: x}]
""")
    assert "rule 'typo'" in error and "key 'then[0].add_tags'" in error and "unknown action" in error


def test_missing_team_lists_declared_teams():
    [error] = errors_of("""
rules:
  - name: to-nowhere
    then: [{assign: {team: vip}}]
""")
    assert "rule 'to-nowhere'" in error and "unknown team 'vip'" in error and "payments, security" in error


def test_escalate_to_missing_team():
    [error] = errors_of("""
rules:
  - name: esc
    then: [{escalate: {team: legal, priority: urgent}}]
""")
    assert "key 'then[0].escalate.team'" in error


def test_agent_not_in_listed_team():
    [error] = errors_of("""
rules:
  - name: wrong-agent
    then: [{assign: {team: payments, agent: someone@example.com}}]
""")
    assert "not listed in team 'payments'" in error


@pytest.mark.parametrize("schedule, key, words", [
    ('{timezone: Mars/Olympus, weekly: {mon: "09:00-18:00"}}', "schedules.bad.timezone", "unknown time zone"),
    ('{timezone: UTC, weekly: {mon: "9am-6pm"}}', "schedules.bad.weekly.mon", "time range"),
    ('{timezone: UTC, weekly: {mon: "18:00-09:00"}}', "schedules.bad.weekly.mon", "ends before it starts"),
    ('{timezone: UTC, weekly: {funday: "09:00-18:00"}}', "schedules.bad.weekly.funday", "unknown day"),
    ('{timezone: UTC, weekly: {mon: "09:00-25:00"}}', "schedules.bad.weekly.mon", "not a valid time"),
    ('{timezone: UTC, weekly: {mon: "09:00-18:00"}, holidays: [tomorrow]}', "schedules.bad.holidays[0]", "date"),
])
def test_schedules_that_do_not_parse(schedule, key, words):
    with pytest.raises(RulesError) as raised:
        parse_rules(f"schedules:\n  bad: {schedule}\n", "rules.yaml")
    [error] = raised.value.errors
    assert f"key '{key}'" in error and words in error


def test_every_problem_is_reported_at_once():
    errors = errors_of("""
rules:
  - name: one
    when: {channel: fax}
    then: [{set_priority: critical}]
  - name: two
    when: {weekday: monday}
    then: [{auto_reply: {template: nope}}]
  - name: one
    then: [{resolve: true}]
""")
    assert any("rule 'one'" in e and "when.channel" in e and "'fax'" in e for e in errors)
    assert any("rule 'one'" in e and "then[0].set_priority" in e for e in errors)
    assert any("rule 'two'" in e and "when.weekday" in e and "unknown condition" in e for e in errors)
    assert any("rule 'two'" in e and "then[0].auto_reply.template" in e for e in errors)
    assert any("rule 'one'" in e and "another rule already has this name" in e for e in errors)


def test_template_placeholders_are_checked():
    with pytest.raises(RulesError) as raised:
        parse_rules('templates: {t: {en: "hi {name}"}}\n', "rules.yaml")
    assert "unknown placeholder {name}" in str(raised.value)


def test_office_hours_needs_a_schedule():
    with pytest.raises(RulesError) as raised:
        parse_rules('templates: {t: {en: "open {office_hours}"}}\nrules: [{name: r, then: [{auto_reply: {template: t}}]}]',
                    "rules.yaml")
    assert "rule 'r'" in str(raised.value) and "no schedule is declared" in str(raised.value)


def test_not_yaml_and_not_a_mapping():
    with pytest.raises(RulesError, match="not valid YAML"):
        parse_rules("rules: [unclosed", "rules.yaml")
    with pytest.raises(RulesError, match="expected a mapping"):
        parse_rules("- just a list", "rules.yaml")


def test_unknown_top_level_key_and_rule_key():
    errors = errors_of("""
rulez: []
rules:
  - name: r
    then: [{add_tag: x}]
    stopp: true
""")
    assert any("key 'rulez'" in e for e in errors)
    assert any("rule 'r'" in e and "key 'stopp'" in e for e in errors)


def test_unreadable_file(tmp_path):
    with pytest.raises(RulesError, match="can't read the rules file"):
        load_rules(tmp_path / "missing.yaml")


def test_valid_file_with_every_action(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(BASE + """
groups:
  - name: all
    match: all
    rules:
      - name: everything
        when: {first_message: true}
        then:
          - add_tag: [a, b]
          - remove_tag: c
          - set_type: fees
          - set_priority: high
          - assign: payments
          - assign: {agent: pay1@example.com}
          - escalate: {team: security, priority: urgent, reason: test}
          - auto_reply: {template: hello}
          - redirect_private: {text: {en: "private please", zh: "请私聊"}, tag: private}
          - snooze: 2h
          - resolve: true
          - webhook: https://hooks.example.com/x
""", encoding="utf-8")
    [summary] = load_rules(path).summary()
    assert len(summary.actions) == 12


def test_a_rule_name_yaml_reads_as_a_boolean_gets_a_clear_error():
    with pytest.raises(RulesError, match="put it in quotes"):
        parse_rules("rules: [{name: off, then: [{add_tag: x}]}]", "rules.yaml")
