import os
from pathlib import Path

import pytest

from routing.rules import RulesError, RulesHolder, RulesStage

from tests.routing.rules.items import TUESDAY_OPEN, make_item

GOOD = "rules: [{name: tag-it, then: [{add_tag: v1}]}]\n"
GOOD_V2 = "rules: [{name: tag-it-again, then: [{add_tag: v2}]}]\n"
BAD = "rules: [{name: broken, when: {text_regex: '(('}, then: [{add_tag: x}]}]\n"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def write(path: Path, text: str, bump: int) -> None:
    path.write_text(text, encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + bump * 1_000_000_000))  # a later mtime, surely


def names(holder: RulesHolder) -> list[str]:
    return [summary.name for summary in holder.summary()]


@pytest.fixture
def setup(tmp_path):
    path = tmp_path / "rules.yaml"
    write(path, GOOD, 0)
    clock = FakeClock()
    return path, clock, RulesHolder(path, clock=clock)


def test_change_is_picked_up_after_at_most_a_second(setup):
    path, clock, holder = setup
    write(path, GOOD_V2, 5)
    holder.maybe_reload()
    assert names(holder) == ["tag-it"]  # checked less than a second ago: no stat yet
    clock.now += 1.0
    holder.maybe_reload()
    assert names(holder) == ["tag-it-again"] and holder.last_error is None


def test_bad_edit_keeps_old_rules_and_shows_error_until_fixed(setup):
    path, clock, holder = setup
    write(path, BAD, 5)
    clock.now += 2
    holder.maybe_reload()
    assert names(holder) == ["tag-it"]
    assert "rule 'broken'" in holder.last_error and "when.text_regex" in holder.last_error
    write(path, GOOD_V2, 10)
    clock.now += 2
    holder.maybe_reload()
    assert names(holder) == ["tag-it-again"] and holder.last_error is None


def test_deleted_file_keeps_old_rules(setup):
    path, clock, holder = setup
    path.unlink()
    clock.now += 2
    holder.maybe_reload()
    assert names(holder) == ["tag-it"] and "missing" in holder.last_error


def test_bad_file_at_start_raises(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(BAD, encoding="utf-8")
    with pytest.raises(RulesError, match="rule 'broken'"):
        RulesHolder(path)


def test_validate_text_lists_errors(setup):
    _, _, holder = setup
    assert holder.validate_text(GOOD_V2) == []
    [error] = holder.validate_text(BAD)
    assert "rule 'broken'" in error


def test_replace_writes_and_reloads_at_once(setup):
    path, _, holder = setup
    holder.replace(GOOD_V2)
    assert path.read_text(encoding="utf-8") == GOOD_V2
    assert names(holder) == ["tag-it-again"]
    assert [p.name for p in path.parent.iterdir()] == ["rules.yaml"]  # no temporary file left behind


def test_replace_with_errors_changes_nothing(setup):
    path, _, holder = setup
    with pytest.raises(RulesError, match="rule 'broken'"):
        holder.replace(BAD)
    assert path.read_text(encoding="utf-8") == GOOD and names(holder) == ["tag-it"]


class CountingHolder(RulesHolder):
    reloads = 0

    def maybe_reload(self) -> None:
        self.reloads += 1
        super().maybe_reload()


def test_stage_applies_rules_and_checks_for_reload_once_per_batch(tmp_path):
    path = tmp_path / "rules.yaml"
    write(path, GOOD, 0)
    holder = CountingHolder(path)
    stage = RulesStage(holder, now=lambda: TUESDAY_OPEN)
    items = [make_item("a"), make_item("b"), make_item("c")]
    stage.process(items)
    assert stage.name == "rules" and holder.reloads == 1
    assert all(item.effects.add_tags == {"v1"} for item in items)


@pytest.mark.parametrize("bad_text, words", [
    ("rules: [{name: r1, when: {text_regex: '[未闭合'}, then: [{add_tag: x}]}]", "when.text_regex"),
    ("rules: [{name: r1, then: [{send_fax: true}]}]", "unknown action"),
    ("rules: [{name: r1, then: [{assign: {team: ghosts}}]}]", "unknown team 'ghosts'"),
    ("schedules: {office: {timezone: Asia/Shanghai, weekly: {mon-fri: '9-6'}}}\nrules: []", "schedules.office.weekly"),
])
def test_each_kind_of_bad_edit_keeps_the_old_rules(setup, bad_text, words):
    path, clock, holder = setup
    write(path, bad_text, 5)
    clock.now += 2
    holder.maybe_reload()
    assert names(holder) == ["tag-it"] and words in holder.last_error
    item = make_item("anything")
    RulesStage(holder, now=lambda: TUESDAY_OPEN).process([item])
    assert item.effects.add_tags == {"v1"}  # still the old rules at work
