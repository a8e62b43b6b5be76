"""Provider ids and thread keys: one place that formats and parses them, so inbound, send and hide agree."""
from __future__ import annotations

from dataclasses import dataclass

from connectors.base import PermanentError


def message_id(chat_id: int, message_id_: int) -> str:
    return f"{chat_id}:{message_id_}"


def edit_id(chat_id: int, message_id_: int, edit_date: int) -> str:
    return f"{chat_id}:{message_id_}:edit:{edit_date}"


def private_thread(chat_id: int) -> str:
    return f"chat:{chat_id}"


def group_thread(chat_id: int, user_id: int) -> str:
    return f"group:{chat_id}:user:{user_id}"


def topic_thread(chat_id: int, topic_id: int, user_id: int) -> str:
    """A person in one forum topic of a supergroup: each (chat, topic, person) is its own conversation."""
    return f"group:{chat_id}:topic:{topic_id}:user:{user_id}"


@dataclass(frozen=True, slots=True)
class MessageAddress:
    chat_id: int
    message_id: int


def parse_message_id(provider_id: str) -> MessageAddress:
    """"<chat>:<message>" or an edit id "<chat>:<message>:edit:<date>" -> where the message lives."""
    parts = provider_id.split(":")
    try:
        if len(parts) == 2 or (len(parts) == 4 and parts[2] == "edit"):
            return MessageAddress(int(parts[0]), int(parts[1]))
    except ValueError:
        pass
    raise PermanentError(f"not a Telegram message id: {provider_id!r}")


@dataclass(frozen=True, slots=True)
class ThreadAddress:
    chat_id: int
    is_group: bool
    user_id: int | None = None  # the customer of a group thread
    topic_id: int | None = None  # the forum topic (message_thread_id) of a group thread in a forum


def parse_thread_key(thread_key: str) -> ThreadAddress:
    parts = thread_key.split(":")
    try:
        if len(parts) == 2 and parts[0] == "chat":
            return ThreadAddress(int(parts[1]), is_group=False)
        if len(parts) == 4 and parts[0] == "group" and parts[2] == "user":
            return ThreadAddress(int(parts[1]), is_group=True, user_id=int(parts[3]))
        if len(parts) == 6 and parts[0] == "group" and parts[2] == "topic" and parts[4] == "user":
            return ThreadAddress(int(parts[1]), is_group=True, user_id=int(parts[5]), topic_id=int(parts[3]))
    except ValueError:
        pass
    raise PermanentError(f"not a Telegram thread key: {thread_key!r}")
