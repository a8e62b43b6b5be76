"""Provider ids and thread keys round-trip; foreign ones are clear errors."""
from __future__ import annotations

import pytest

from connectors.base import PermanentError
from connectors.telegram import ids


def test_message_and_edit_ids_parse_back() -> None:
    assert ids.parse_message_id(ids.message_id(-100123, 7)) == ids.MessageAddress(-100123, 7)
    assert ids.parse_message_id(ids.edit_id(42, 9, 1700000000)) == ids.MessageAddress(42, 9)


def test_thread_keys_parse_back() -> None:
    assert ids.parse_thread_key(ids.private_thread(42)) == ids.ThreadAddress(42, is_group=False)
    assert ids.parse_thread_key(ids.group_thread(-100, 42)) == ids.ThreadAddress(-100, is_group=True, user_id=42)


@pytest.mark.parametrize("bad", ["", "42", "a:b", "1:2:3", "1:2:edit"])
def test_foreign_message_ids_are_errors(bad: str) -> None:
    with pytest.raises(PermanentError):
        ids.parse_message_id(bad)


@pytest.mark.parametrize("bad", ["", "chat:x", "group:1", "dm:1-2", "group:1:member:2"])
def test_foreign_thread_keys_are_errors(bad: str) -> None:
    with pytest.raises(PermanentError):
        ids.parse_thread_key(bad)
