from routing.classifier import ClassifyStage
from routing.classifier.classifier import IssueClassifier, default_classifier
from tests.routing.classifier.test_evaluate_cli_stage import _item


def test_stage_turns_signals_into_tags_on_any_message():
    angry_follow_up = _item("this is unacceptable, get me your supervisor", is_first=False,
                            conversation_type="withdrawal")
    calm = _item("my deposit has not arrived yet", is_first=True, conversation_type=None)
    ClassifyStage().process([angry_follow_up, calm])
    assert {"angry", "asks_supervisor"} <= angry_follow_up.effects.add_tags
    assert angry_follow_up.effects.type is None  # the conversation keeps its type
    assert not calm.effects.add_tags & {"angry", "asks_supervisor", "urgent", "needs_triage"}


def test_needs_triage_only_where_the_message_sets_the_type():
    unsure = IssueClassifier(default_classifier().model, triage_below=1.01)  # every answer counts as unsure
    first = _item("my deposit has not arrived yet", is_first=True, conversation_type=None)
    follow_up = _item("my deposit has not arrived yet", is_first=False, conversation_type="deposit")
    ClassifyStage(unsure).process([first, follow_up])
    assert "needs_triage" in first.effects.add_tags
    assert "needs_triage" not in follow_up.effects.add_tags
