import json

import pytest

from routing.classifier import calibration, classify
from routing.classifier.calibration import NEEDS_TRIAGE_TAG, shipped_calibration
from routing.classifier.classifier import IssueClassifier, default_classifier
from routing.classifier.corpus import corpus_digest
from routing.classifier.evaluate import reliability
from routing.classifier.signals import ANGRY, ASKS_SUPERVISOR, URGENT, signals


@pytest.mark.parametrize("text, expected", [
    ("My withdrawal is STILL PENDING and I am FURIOUS", {ANGRY}),
    ("this is the worst app ever", {ANGRY}),
    ("let me speak to your supervisor", {ASKS_SUPERVISOR}),
    ("I want to talk to someone senior", {ASKS_SUPERVISOR}),
    ("need my money back urgently!!!", {ANGRY, URGENT}),
    ("客服态度太差了，我要找你们领导", {ANGRY, ASKS_SUPERVISOR}),
    ("急！提现到现在还没到", {URGENT}),
    ("my password manager filled in the old password", set()),  # "manager" there asks for no one
    ("my withdrawal is pending", set()),
])
def test_signals(text, expected):
    assert set(signals(text)) == expected


def test_a_message_keeps_one_type_and_gets_signal_tags():
    result = classify("My withdrawal has been pending for a week, this is unacceptable, get me a manager")
    assert result.type in {"withdrawal", "complaint"}
    assert {ANGRY, ASKS_SUPERVISOR} <= set(result.tags)


def test_low_confidence_is_needs_triage_and_high_is_not():
    strict = IssueClassifier(default_classifier().model, triage_below=1.01)  # everything is under the threshold
    assert NEEDS_TRIAGE_TAG in strict.classify("my deposit has not arrived").tags
    relaxed = IssueClassifier(default_classifier().model, triage_below=0.0)
    assert NEEDS_TRIAGE_TAG not in relaxed.classify("my deposit has not arrived").tags
    vague = classify("hmm so about that thing from before")
    clear = classify("my USDT deposit has not been credited after 3 hours")
    assert vague.confidence < clear.confidence
    assert NEEDS_TRIAGE_TAG not in clear.tags


def test_calibration_file_was_fitted_for_the_shipped_corpus():
    data = json.loads(calibration.CALIBRATION_PATH.read_text())
    assert data["corpus_digest"] == corpus_digest(), "corpus changed: run python -m routing.classifier.calibrate"
    assert 0.05 < shipped_calibration().temperature < 20
    assert default_classifier().model.temperature == shipped_calibration().temperature


def test_reliability_table_and_ece():
    table, ece = reliability([0.95, 0.95, 0.55, 0.55], [True, False, True, True], bins=10)
    assert [row.count for row in table if row.count] == [2, 2]
    nine = next(row for row in table if row.low == 0.9)
    assert nine.accuracy == 0.5 and nine.mean_confidence == pytest.approx(0.95)
    assert ece == pytest.approx(0.5 * 0.45 + 0.5 * 0.45)
    assert reliability([1.0], [True])[1] == 0.0  # confidence 1.0 falls in the last bin
