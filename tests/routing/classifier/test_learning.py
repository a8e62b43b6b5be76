import pytest

from routing.classifier import learning
from routing.classifier.learning import Correction, NotEnoughCorrections, mask_for_training, split


def test_mask_for_training_masks_every_kind():
    text = "call me on +44 7911 123456 or mail jo@example.com, my tx 0x" + "ab" * 32 + " is stuck"
    masked = mask_for_training(text)
    assert "7911" not in masked and "jo@example.com" not in masked and "abab" not in masked
    assert "is stuck" in masked and "removed]" in masked


def test_split_is_by_id_so_it_stays_the_same_as_corrections_grow():
    first = [Correction(i, f"text {i}", "deposit") for i in range(1, 11)]
    training, heldout = split(first)
    assert [c.id for c in heldout] == [5, 10] and len(training) == 8
    grown = first + [Correction(i, f"text {i}", "fees") for i in range(11, 16)]
    assert {c.id for c in heldout} <= {c.id for c in split(grown)[1]}  # held out once, held out for ever


def test_split_drops_unknown_types_and_empty_texts():
    rows = [Correction(1, "x", "not_a_type"), Correction(2, "  ", "fees"), Correction(3, "ok", "fees")]
    assert split(rows) == ([Correction(3, "ok", "fees")], [])


def test_too_few_corrections_is_a_clear_error():
    from routing.classifier.classifier import default_classifier

    with pytest.raises(NotEnoughCorrections, match="at least"):
        learning.retrain(default_classifier(), [Correction(i, "my deposit", "deposit") for i in range(1, 4)])
