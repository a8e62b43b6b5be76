"""The shipped rules escalate on the classifier's asks_supervisor signal (issue #14), not only on fixed words."""
from pathlib import Path

from routing.classifier import ClassifyStage
from routing.rules import load_rules

from tests.routing.rules.items import TUESDAY_OPEN, make_item

RULES = load_rules(Path(__file__).resolve().parents[3] / "inbox" / "defaults" / "rules.yaml")


def test_a_follow_up_asking_for_someone_senior_goes_to_the_supervisors():
    item = make_item("I want to speak to someone senior about this now", is_first=False,
                     conversation_type="withdrawal")
    ClassifyStage().process([item])
    assert "asks_supervisor" in item.effects.add_tags
    fired = [f.rule for f in RULES.apply(item, TUESDAY_OPEN)]
    assert "complaint-to-supervisor" in fired and item.effects.team == "supervisors"


def test_a_password_manager_is_no_supervisor():
    item = make_item("my password manager filled the wrong code", is_first=False, conversation_type="account_access")
    ClassifyStage().process([item])
    assert "asks_supervisor" not in item.effects.add_tags
