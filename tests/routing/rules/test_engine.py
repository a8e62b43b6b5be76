from routing.rules import parse_rules

from tests.routing.rules.items import TUESDAY_OPEN, make_item

GROUPS = """
groups:
  - name: first-wins
    rules:
      - {name: a, when: {text_contains: x}, then: [{add_tag: a}]}
      - {name: b, when: {text_contains: x}, then: [{add_tag: b}]}
  - name: everyone
    match: all
    rules:
      - {name: c, then: [{add_tag: c}]}
      - {name: disabled, enabled: false, then: [{add_tag: disabled}]}
      - {name: d, when: {text_contains: stop}, then: [{add_tag: d}], stop: true}
      - {name: e, then: [{add_tag: e}]}
  - name: later
    rules:
      - {name: f, then: [{add_tag: f}]}
"""


def run(text: str) -> tuple[list[str], set[str]]:
    item = make_item(text)
    fired = parse_rules(GROUPS, "t.yaml").apply(item, TUESDAY_OPEN)
    return [f.rule for f in fired], item.effects.add_tags


def test_first_matching_rule_in_a_group_acts_and_every_group_is_tried():
    assert run("x") == (["a", "c", "e", "f"], {"a", "c", "e", "f"})


def test_no_match_in_a_group_moves_on():
    assert run("nothing") == (["c", "e", "f"], {"c", "e", "f"})


def test_stop_ends_the_run():
    fired, tags = run("x stop")
    assert fired == ["a", "c", "d"] and tags == {"a", "c", "d"}


def test_rules_only_write_effects():
    item = make_item("x")
    before = (item.text, item.classification, item.language, list(item.findings), item.conversation.tags)
    parse_rules(GROUPS, "t.yaml").apply(item, TUESDAY_OPEN)
    assert (item.text, item.classification, item.language, list(item.findings), item.conversation.tags) == before


def test_later_rule_sees_tags_and_type_set_by_earlier_rules():
    rules = parse_rules("""
groups:
  - name: one
    rules: [{name: retype, then: [{set_type: fees}, {add_tag: money}]}]
  - name: two
    rules: [{name: follow, when: {type: fees, has_tag: money}, then: [{add_tag: seen}]}]
""", "t.yaml")
    item = make_item(type="other")
    assert [f.rule for f in rules.apply(item, TUESDAY_OPEN)] == ["retype", "follow"]
    assert item.effects.type.type == "fees" and item.effects.type.confidence == 1.0


def test_empty_file_has_no_rules():
    rules = parse_rules("", "t.yaml")
    assert rules.rule_count == 0 and rules.apply(make_item(), TUESDAY_OPEN) == []
