from routing.sensitive.normalize import normalize


def test_ascii_is_identity() -> None:
    result = normalize("call 13812345678")
    assert result.text == "call 13812345678"
    assert result.span_to_original(5, 16) == (5, 16)


def test_full_width_digits_fold_in_place() -> None:
    result = normalize("手机１３８１２３４５６７８")
    assert result.text == "手机13812345678"
    assert result.origin is None  # one-to-one folding keeps offsets


def test_zero_width_and_expanding_characters_map_back() -> None:
    original = "a\u200bb①c"
    result = normalize(original)
    assert result.text == "ab1c"
    # "1" came from "①" at index 3; "b" from index 2
    assert result.span_to_original(1, 3) == (2, 4)
    assert original[slice(*result.span_to_original(0, 4))] == original


def test_ideographic_space_becomes_space() -> None:
    assert normalize("脂\u3000谊").text == "脂 谊"
