from inbox.pipeline.stages import Finding
from routing.sensitive import KINDS, detect
from routing.sensitive.evaluation.corpus import Label, LabelledMessage, generate
from routing.sensitive.evaluation.metrics import evaluate, score


def test_corpus_is_seeded_labelled_and_covers_every_kind_in_both_languages() -> None:
    first = generate(600, seed=3)
    assert first == generate(600, seed=3)
    assert first != generate(600, seed=4)
    for message in first:
        for label in message.labels:
            assert 0 <= label.start < label.end <= len(message.text)
    covered = {(label.kind, message.language) for message in first for label in message.labels}
    assert covered == {(kind, language) for kind in KINDS for language in ("en", "zh")}
    assert sum(not message.labels for message in first) > 100  # hard negatives present


def test_span_scoring_counts_overlaps_of_the_same_kind() -> None:
    message = LabelledMessage("x" * 40, (Label("phone", 0, 11), Label("email", 20, 30)), "en")
    report = score(
        [message],
        [[Finding("phone", 2, 11, "personal"), Finding("otp", 20, 26, "secret"), Finding("email", 35, 38, "personal")]],
    )
    assert report.per_kind["phone"].true_positives == 1
    assert report.per_kind["email"].false_negatives == 1 and report.per_kind["email"].false_positives == 1
    assert report.per_kind["otp"].false_positives == 1
    assert report.overall().precision == 1 / 3


def test_detector_meets_its_targets_on_the_shipped_corpus() -> None:
    report = evaluate(detect, generate(3000, seed=7))
    assert report.overall().f1 >= 0.97
    assert report.tier("secret").recall == 1.0
