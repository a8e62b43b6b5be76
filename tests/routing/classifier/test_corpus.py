from collections import Counter

from routing.classifier.corpus import HELDOUT_PATH, TRAIN_PATH, read_examples
from routing.classifier.corpus.generate import NEAR_COPY_SIMILARITY, generate, max_similarity_to
from routing.classifier.types import ISSUE_TYPES

TRAIN = read_examples(TRAIN_PATH)
HELDOUT = read_examples(HELDOUT_PATH)


def test_shipped_files_are_what_the_generator_makes():
    splits = generate()
    assert [e.text for e in splits["train"]] == [e.text for e in TRAIN]
    heldout_texts = {e.text for e in splits["heldout"]}
    assert all(e.text in heldout_texts for e in HELDOUT)


def test_a_few_hundred_examples_per_type_in_each_language():
    counts = Counter((e.type, e.language) for e in TRAIN)
    for issue_type in ISSUE_TYPES:
        for language in ("en", "zh"):
            assert counts[(issue_type, language)] >= 150, (issue_type, language)
    assert Counter(e.type for e in HELDOUT).keys() == set(ISSUE_TYPES)


def test_heldout_comes_from_other_templates_and_holds_no_near_copies():
    assert not {e.template for e in TRAIN} & {e.template for e in HELDOUT}
    similarity = max_similarity_to([e.text for e in TRAIN], [e.text for e in HELDOUT])
    assert max(similarity) < NEAR_COPY_SIMILARITY
    assert not {e.text for e in TRAIN} & {e.text for e in HELDOUT}
