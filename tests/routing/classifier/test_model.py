import numpy as np
import pytest

from routing.classifier import model
from routing.classifier.corpus import TRAIN_PATH, read_examples
from routing.classifier.features import char_ngrams, normalize, text_features

SAMPLE = read_examples(TRAIN_PATH)[::15]  # every type, both languages, small enough to train in a second


def test_normalize_folds_width_case_digits_and_hashes():
    assert normalize("ＵＳＤＴ 100 提现!!") == "usdt 0 提现"
    assert normalize("tx 0x" + "ab" * 32 + " stuck") == "tx stuck"


def test_char_ngrams_pad_words_like_sklearn_char_wb():
    assert char_ngrams("Hi") == [" ", "h", "i", " ", " h", "hi", "i ", " hi", "hi ", " hi "]
    assert "w:how" in text_features("How do") and "b:how do" in text_features("How do")


def test_fast_inference_equals_sklearn():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    texts, labels = [e.text for e in SAMPLE], [e.type for e in SAMPLE]
    vectorizer = TfidfVectorizer(analyzer=text_features, sublinear_tf=True, min_df=2)
    classifier = LogisticRegression(C=model._REGULARIZATION_C, max_iter=2000).fit(vectorizer.fit_transform(texts), labels)
    ours = model.train(texts, labels)
    probes = ["my withdrawal is stuck", "充值没到账，急", "hello there", "zzz qqq"]
    expected = classifier.decision_function(vectorizer.transform(probes))
    got = np.array([ours.scores(*ours.features(text)) for text in probes])
    assert ours.classes == tuple(classifier.classes_)
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9)


def test_disk_cache_round_trip_and_damaged_cache(tmp_path, monkeypatch):
    trained = model.train([e.text for e in SAMPLE], [e.type for e in SAMPLE])
    path = tmp_path / "m.npz"
    model._save(trained, path)
    loaded = model._load(path)
    text = "提现失败了 withdrawal failed"
    np.testing.assert_array_equal(loaded.scores(*loaded.features(text)), trained.scores(*trained.features(text)))
    assert loaded.classes == trained.classes
    path.write_bytes(b"not a zip file")
    with pytest.raises((OSError, ValueError)):
        model._load(path)


def test_shipped_model_is_cached_on_disk_keyed_by_corpus_and_sklearn(tmp_path, monkeypatch):
    monkeypatch.setenv("INBOX_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(model, "_model", None)
    monkeypatch.setattr(model, "train_from_corpus", lambda: model.train([e.text for e in SAMPLE], [e.type for e in SAMPLE]))
    first = model.shipped_model()
    [cached] = list(tmp_path.iterdir())
    assert cached.name.startswith("classifier-") and "sklearn" in cached.name
    monkeypatch.setattr(model, "_model", None)
    monkeypatch.setattr(model, "train_from_corpus", lambda: pytest.fail("should have loaded the disk cache"))
    assert model.shipped_model().classes == first.classes
    cached.write_bytes(b"garbage")  # a damaged cache is rebuilt, not fatal
    monkeypatch.setattr(model, "_model", None)
    monkeypatch.setattr(model, "train_from_corpus", lambda: first)
    assert model.shipped_model() is first
