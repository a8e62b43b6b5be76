from collections import Counter

from routing.classifier.corpus import WRITTEN_HELDOUT_PATH, WRITTEN_TRAIN_PATH, read_examples
from routing.classifier.corpus.generate import NEAR_COPY_SIMILARITY, max_similarity_to
from routing.classifier.types import ISSUE_TYPES

TRAIN = read_examples(WRITTEN_TRAIN_PATH)
HELDOUT = read_examples(WRITTEN_HELDOUT_PATH)


def test_every_type_in_both_languages_in_both_splits():
    for examples, least in ((TRAIN, 40), (HELDOUT, 7)):
        counts = Counter((e.type, e.language) for e in examples)
        for issue_type in ISSUE_TYPES:
            for language in ("en", "zh"):
                assert counts[(issue_type, language)] >= least, (issue_type, language, counts[(issue_type, language)])
    assert {e.type for e in TRAIN + HELDOUT} == set(ISSUE_TYPES)


def test_heldout_is_no_copy_of_training():
    assert not {e.text.casefold() for e in TRAIN} & {e.text.casefold() for e in HELDOUT}
    assert max(max_similarity_to([e.text for e in TRAIN], [e.text for e in HELDOUT])) < NEAR_COPY_SIMILARITY


def test_no_duplicates_within_a_split():
    for examples in (TRAIN, HELDOUT):
        assert len({e.text for e in examples}) == len(examples)
