"""The second evaluation set (third-party vectors in hand-written messages): well-formed, complete, and met."""
from routing.sensitive import KINDS, detect
from routing.sensitive.evaluation.metrics import evaluate
from routing.sensitive.evaluation.world import generate_world, vectors


def test_world_set_is_fixed_labelled_and_covers_every_kind() -> None:
    messages = generate_world()
    assert messages == generate_world()
    for message in messages:
        for label in message.labels:
            assert 0 <= label.start < label.end <= len(message.text)
    assert {label.kind for message in messages for label in message.labels} == set(KINDS)
    assert sum(not message.labels for message in messages) >= 20  # hard negatives
    text = "\n".join(message.text for message in messages).replace(" ", "").replace("-", "")
    for iban in vectors()["iban"]:  # type: ignore[union-attr]
        assert iban[-4:] in text  # every registry country appears, in one shape or another


def test_detector_meets_the_targets_on_the_world_set() -> None:
    report = evaluate(detect, generate_world())
    assert report.overall().f1 >= 0.97
    assert report.tier("secret").recall == 1.0
    assert report.overall().precision >= 0.99
