"""Splitting replies longer than Telegram's 4096 UTF-16 units."""
from __future__ import annotations

from connectors.telegram.split import split_message, utf16_len


def test_short_text_is_one_part() -> None:
    assert split_message("hello") == ["hello"]


def test_prefers_paragraph_then_line_then_word() -> None:
    para = "a" * 3000
    assert split_message(f"{para}\n\n{para}\nline") == [para, f"{para}\nline"]
    line = "b" * 3000
    assert split_message(f"{line}\n{line}") == [line, line]
    words = " ".join(["word"] * 1000)  # 4999 characters, no newline
    parts = split_message(words)
    assert len(parts) == 2 and all(utf16_len(p) <= 4096 for p in parts)
    assert " ".join(parts) == words and not parts[0].endswith(" ")


def test_hard_cut_when_there_is_no_boundary() -> None:
    parts = split_message("x" * 9000)
    assert [len(p) for p in parts] == [4096, 4096, 808]


def test_counts_utf16_units_and_never_splits_a_surrogate_pair() -> None:
    emoji = "😀" * 3000  # 6000 UTF-16 units
    parts = split_message(emoji)
    assert [utf16_len(p) for p in parts] == [4096, 1904]
    assert "".join(parts) == emoji


def test_custom_limit() -> None:
    assert split_message("one two three", limit=8) == ["one two", "three"]
