"""Bot API updates -> InboundMessage. Pure functions: no network, no state.

Each raw update is parsed on its own, so one malformed update is skipped (and reported) without holding back the
others or the getUpdates offset.
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from telegram import Message
from telegram.constants import ChatID

from connectors.telegram import ids
from inbox.domain import (
    Attachment,
    Channel,
    ContactIdentity,
    IdentityKind,
    InboundMessage,
    Visibility,
)

# A deep-link payload: Telegram allows 1-64 characters of A-Z, a-z, 0-9, _ and -.
DEEP_LINK_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")
_START = re.compile(r"/start(?:@\w+)?\s+(\S+)\s*")


@dataclass(frozen=True, slots=True)
class UpdateOutcome:
    """What one raw update turned into: a message to deliver, or the reason it was skipped."""

    update_id: int | None  # None only when the update is too broken to have one
    message: InboundMessage | None = None
    skip_reason: str | None = None
    malformed: bool = False
    # A group upgraded to a supergroup (Message.migrate_to_chat_id / migrate_from_chat_id): (old id, new id).
    migration: tuple[int, int] | None = None


def translate_update(raw: object, connector: str, migrated_from: Mapping[int, int] | None = None) -> UpdateOutcome:
    """`migrated_from`: supergroup id -> the id the group had before its upgrade (what the connector has seen), so a
    customer's messages after the upgrade join the conversation they had before it."""
    update_id = raw.get("update_id") if isinstance(raw, dict) else None
    if not isinstance(raw, dict) or not isinstance(update_id, int) or isinstance(update_id, bool):
        return UpdateOutcome(None, skip_reason="update without an integer update_id", malformed=True)
    try:
        migration = _migration(raw)
        if migration is not None:
            return UpdateOutcome(update_id, skip_reason="group upgraded to a supergroup", migration=migration)
        message = _translate(raw, connector, migrated_from or {})
    except Exception as exc:  # noqa: BLE001 - any shape error in vendor data means "malformed", never a crash
        return UpdateOutcome(update_id, skip_reason=f"malformed update: {type(exc).__name__}", malformed=True)
    if isinstance(message, str):
        return UpdateOutcome(update_id, skip_reason=message)
    return UpdateOutcome(update_id, message=message)


def _migration(raw: dict) -> tuple[int, int] | None:
    """The service messages of a group's upgrade: `migrate_to_chat_id` in the old group, `migrate_from_chat_id` in
    the new supergroup (Bot API, Message)."""
    body = raw.get("message")
    if not isinstance(body, dict) or not isinstance(body.get("chat"), dict):
        return None
    chat_id = body["chat"]["id"]
    if isinstance(body.get("migrate_to_chat_id"), int):
        return int(chat_id), int(body["migrate_to_chat_id"])
    if isinstance(body.get("migrate_from_chat_id"), int):
        return int(body["migrate_from_chat_id"]), int(chat_id)
    return None


def _not_a_customer(msg: Message) -> str | None:
    """Why a group message is ours or the group's rather than a customer's, if it is (Bot API, Message:
    `sender_chat` "the supergroup itself for messages sent by its anonymous administrators or a linked channel for
    messages automatically forwarded to the channel's discussion group"; `is_automatic_forward`; such messages carry
    a fake `from`: 777000 "Telegram" for automatic forwards, which is not flagged as a bot)."""
    if msg.is_automatic_forward:
        return "automatic forward of a linked channel's post"
    if msg.sender_chat is not None:
        if msg.sender_chat.id == msg.chat.id:
            return "posted by an anonymous admin of the group"
        return f"posted on behalf of a {msg.sender_chat.type} chat"
    user = msg.from_user
    if user is None or user.is_bot or user.id in (ChatID.SERVICE_CHAT, ChatID.ANONYMOUS_ADMIN, ChatID.FAKE_CHANNEL):
        # Bots, anonymous admins and channels posting into groups (all carry a bot `from`) are not customers.
        return "sender is not a person"
    return None


def _translate(raw: dict, connector: str, migrated_from: Mapping[int, int]) -> InboundMessage | str:
    """The message, or a short reason why this update opens nothing."""
    # Only the parts we use are parsed, so an odd my_chat_member or a future update kind can't fail the update.
    if "message" in raw or "edited_message" in raw:
        edited = "message" not in raw
        body = raw["edited_message" if edited else "message"]
        poll = None
        if isinstance(body, dict) and "poll" in body:
            # Read by hand: the library requires every field of the newest Bot API in a poll, and a poll is not
            # worth losing the message over.
            body = dict(body)
            poll = _poll_text(body.pop("poll"))
        msg = Message.de_json(body, None)
    else:
        kinds = sorted(k for k in raw if k != "update_id")
        return f"update kind not handled: {', '.join(kinds) or 'empty'}"
    if msg is None:
        raise ValueError("empty message")

    chat = msg.chat
    user = msg.from_user
    if chat.type not in (chat.PRIVATE, chat.GROUP, chat.SUPERGROUP):
        return f"chat type not handled: {chat.type}"
    not_customer = _not_a_customer(msg)
    if not_customer is not None:
        return not_customer
    assert user is not None

    text = msg.text or msg.caption or _shared_text(msg) or poll or ""
    attachments = _attachments(msg)
    if not text and not attachments:
        return "service or empty message"  # joins, leaves, pins, title changes, dice ...

    is_private = chat.type == chat.PRIVATE
    own_id = ids.message_id(chat.id, msg.message_id)
    # In a forum every message of a topic "replies" to the topic's first message (message_thread_id) unless it
    # answers a particular one: that is where it is, not whom it answers.
    topic = msg.message_thread_id if msg.is_topic_message and not is_private else None
    quoted = msg.reply_to_message
    reply_to = ids.message_id(chat.id, quoted.message_id) if quoted and quoted.message_id != topic else None
    if is_private:
        thread_key = ids.private_thread(chat.id)
    elif topic is not None:
        thread_key = ids.topic_thread(chat.id, topic, user.id)
    else:
        thread_key = ids.group_thread(chat.id, user.id)
    hints: tuple[str, ...] = (reply_to,) if reply_to and not is_private else ()  # a reply chain joins what it answers
    if not is_private and chat.id in migrated_from:
        hints += (ids.group_thread(migrated_from[chat.id], user.id),)  # the same customer before the upgrade
    if edited:
        edit_date = msg.edit_date or msg.date
        provider_id = ids.edit_id(chat.id, msg.message_id, int(edit_date.timestamp()))
        sent_at, edit_of = edit_date, own_id
    else:
        provider_id, sent_at, edit_of = own_id, msg.date, None

    return InboundMessage(
        connector=connector,
        channel=Channel.TELEGRAM,
        provider_id=provider_id,
        thread_key=thread_key,
        visibility=Visibility.PRIVATE if is_private else Visibility.PUBLIC,
        sender=ContactIdentity(
            kind=IdentityKind.TELEGRAM,
            value=str(user.id),
            display_name=user.full_name or None,
            handle=f"@{user.username}" if user.username else None,
        ),
        text=text,
        sent_at=_aware(sent_at),
        attachments=attachments,
        reply_to_provider_id=reply_to,
        thread_hints=hints,
        link_token=_start_token(text) if is_private and not edited else None,
        edit_of=edit_of,
        raw=json.dumps(raw, ensure_ascii=False, separators=(",", ":")),
    )


def _shared_text(msg: Message) -> str:
    """What a customer shared without typing, in words the agent (and the guard: a shared phone number is personal
    data) can read. A shared contact is how a bot commonly asks a customer to confirm their phone number.
    Polls are read from the raw update (see _translate)."""
    if msg.contact:
        c = msg.contact
        name = " ".join(part for part in (c.first_name, c.last_name) if part)
        return f"[shared contact: {name}, {c.phone_number}]"
    if msg.venue:
        v = msg.venue
        return (f"[shared place: {v.title}, {v.address} ({v.location.latitude:.5f}, {v.location.longitude:.5f})]")
    if msg.location:
        loc = msg.location
        return f"[shared location: {loc.latitude:.5f}, {loc.longitude:.5f}]"
    return ""


def _poll_text(poll: object) -> str:
    if not isinstance(poll, dict):
        return "[poll]"
    options = [str(o.get("text", "")) for o in poll.get("options", []) if isinstance(o, dict)]
    return f"[poll: {poll.get('question', '')} — {' / '.join(options)}]"


def _start_token(text: str) -> str | None:
    match = _START.fullmatch(text)
    if match and DEEP_LINK_TOKEN.fullmatch(match.group(1)):
        return match.group(1)
    return None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _attachments(msg: Message) -> tuple[Attachment, ...]:
    found: list[Attachment] = []
    if msg.photo:
        largest = msg.photo[-1]  # Telegram lists sizes smallest first
        found.append(Attachment(f"photo_{largest.file_unique_id}.jpg", "image/jpeg", largest.file_size or 0,
                                largest.file_id))
    if msg.document:
        doc = msg.document
        found.append(Attachment(doc.file_name or f"document_{doc.file_unique_id}",
                                doc.mime_type or "application/octet-stream", doc.file_size or 0, doc.file_id))
    if msg.voice:
        voice = msg.voice
        found.append(Attachment(f"voice_{voice.file_unique_id}.ogg", voice.mime_type or "audio/ogg",
                                voice.file_size or 0, voice.file_id))
    if msg.audio:
        audio = msg.audio
        found.append(Attachment(audio.file_name or f"audio_{audio.file_unique_id}",
                                audio.mime_type or "audio/mpeg", audio.file_size or 0, audio.file_id))
    if msg.video:
        video = msg.video
        found.append(Attachment(video.file_name or f"video_{video.file_unique_id}.mp4",
                                video.mime_type or "video/mp4", video.file_size or 0, video.file_id))
    if msg.video_note:
        note = msg.video_note
        found.append(Attachment(f"video_note_{note.file_unique_id}.mp4", "video/mp4", note.file_size or 0,
                                note.file_id))
    if msg.animation and not msg.document:  # an animation also carries a `document` copy
        anim = msg.animation
        found.append(Attachment(anim.file_name or f"animation_{anim.file_unique_id}.mp4",
                                anim.mime_type or "video/mp4", anim.file_size or 0, anim.file_id))
    if msg.sticker:
        sticker = msg.sticker
        kind = "video/webm" if sticker.is_video else "application/x-tgsticker" if sticker.is_animated else "image/webp"
        found.append(Attachment(f"sticker_{sticker.file_unique_id}", kind, sticker.file_size or 0, sticker.file_id))
    return tuple(found)
