"""X payloads -> `inbox.domain` messages. Pure functions: no I/O, no state."""
from __future__ import annotations

import re
from datetime import datetime

from connectors.twitter.wire import XDMEvent, XIncludes, XMedia, XTweet, XUser, snowflake_time
from inbox.domain import Attachment, Channel, ContactIdentity, IdentityKind, InboundMessage, Visibility

DM_PREFIX = "dm:"
# A private link (connector.private_link) opens a DM prefilled with "ref:<token>": that DM joins the ticket.
LINK_REF = re.compile(r"(?:^|\s)ref:([A-Za-z0-9_-]{8,64})(?=\s|$)")


def link_token_in(text: str) -> str | None:
    match = LINK_REF.search(text)
    return match.group(1) if match else None


# X escapes exactly these three in post text ("&amp; &lt; &gt;", X API docs, Tweet object `text`); nothing else
# is an entity there, so "&quot;" or "&#39;" typed by a customer stays as typed. One pass, so a typed "&lt;"
# (sent as "&amp;lt;") comes back as "&lt;".
_X_ESCAPES = re.compile(r"&(amp|lt|gt);")
_X_UNESCAPED = {"amp": "&", "lt": "<", "gt": ">"}


def unescape_post_text(text: str) -> str:
    return _X_ESCAPES.sub(lambda m: _X_UNESCAPED[m.group(1)], text)


TWEET_PREFIX = "tweet:"
# A reply's text starts with the @handles it answers; they are addressing, not what the customer said.
_LEADING_MENTIONS = re.compile(r"^(?:@\w{1,15}\s+)+")


def dm_provider_id(event_id: str) -> str:
    return f"{DM_PREFIX}{event_id}"


def tweet_provider_id(tweet_id: str) -> str:
    return f"{TWEET_PREFIX}{tweet_id}"


def dm_thread_key(dm_conversation_id: str) -> str:
    return f"{DM_PREFIX}{dm_conversation_id}"


def tweet_thread_key(conversation_id: str) -> str:
    return f"{TWEET_PREFIX}{conversation_id}"


def strip_prefix(value: str, prefix: str) -> str | None:
    """The X id inside one of our provider ids / thread keys, or None if it is not of that kind."""
    return value[len(prefix):] if value.startswith(prefix) and len(value) > len(prefix) else None


def _identity(user_id: str, users: dict[str, XUser]) -> ContactIdentity:
    user = users.get(user_id)  # absent: deleted, suspended or protected author
    return ContactIdentity(
        kind=IdentityKind.TWITTER,
        value=user_id,
        display_name=user.name if user else None,
        handle=f"@{user.username}" if user and user.username else None,
    )


def _when(created_at: datetime | None, item_id: str) -> datetime:
    return created_at if created_at is not None and created_at.tzinfo is not None else snowflake_time(item_id)


def users_by_id(includes: XIncludes) -> dict[str, XUser]:
    return {u.id: u for u in includes.users}


def dm_to_inbound(
    event: XDMEvent, users: dict[str, XUser], *, connector: str, own_user_id: str,
    media: dict[str, XMedia] | None = None,
) -> InboundMessage | None:
    """A customer's DM, or None for what is not one (join/leave events, our own sent DMs)."""
    if event.event_type != "MessageCreate" or event.sender_id is None or event.sender_id == own_user_id:
        return None
    conversation = event.dm_conversation_id or _one_to_one_conversation(event.sender_id, own_user_id)
    media_by_key, media = media, event.attachments.media_keys if event.attachments else ()
    return InboundMessage(
        connector=connector,
        channel=Channel.TWITTER,
        provider_id=dm_provider_id(event.id),
        thread_key=dm_thread_key(conversation),
        visibility=Visibility.PRIVATE,
        sender=_identity(event.sender_id, users),
        text=event.text or "",
        sent_at=_when(event.created_at, event.id),
        attachments=tuple(media_attachment(key, (media_by_key or {}).get(key)) for key in media),
        raw=event.model_dump_json(exclude_unset=True),
        link_token=link_token_in(event.text or ""),
    )


_EXTENSIONS = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif",
               ".webp": "image/webp", ".mp4": "video/mp4"}


def media_by_key(includes: XIncludes) -> dict[str, XMedia]:
    return {m.media_key: m for m in includes.media}


def media_url(item: XMedia) -> str | None:
    """Where the bytes are: a photo's url, else the video variant with the highest bit rate."""
    if item.type == "photo":
        return item.url
    videos = [v for v in item.variants if v.url and (v.content_type or "").startswith("video/")]
    return max(videos, key=lambda v: v.bit_rate or 0).url if videos else item.url


def media_attachment(key: str, item: XMedia | None) -> Attachment:
    """An attachment named and typed from `includes.media` (the bytes are fetched by the poller when it can);
    a key X did not expand stays a bare reference."""
    if item is None:
        return Attachment(name=f"x-media-{key}", content_type="application/octet-stream", size=0, provider_ref=key)
    url = media_url(item) or ""
    path = url.split("?", 1)[0].rsplit("/", 1)[-1]
    extension = ("." + path.rsplit(".", 1)[-1].lower()) if "." in path else ""
    kind = _EXTENSIONS.get(extension) or ("image/jpeg" if item.type == "photo" else "video/mp4")
    name = path if extension in _EXTENSIONS else f"x-{item.type}-{key}{'.jpg' if item.type == 'photo' else '.mp4'}"
    size = f"{item.width}x{item.height} " if item.width and item.height else ""
    return Attachment(name=name, content_type=kind, size=0, provider_ref=key,
                      note=f"{size}{item.type} on X" + (f"; alt text: {item.alt_text[:200]}" if item.alt_text else ""))


def _one_to_one_conversation(a: str, b: str) -> str:
    """X names a one-to-one DM conversation '<smaller id>-<larger id>'."""
    low, high = sorted((a, b), key=lambda v: (len(v), v))
    return f"{low}-{high}"


def tweet_to_inbound(
    tweet: XTweet, users: dict[str, XUser], *, connector: str, own_user_id: str
) -> InboundMessage | None:
    """A public mention, or None for our own tweets and retweets (a retweet is not a new message)."""
    if tweet.author_id == own_user_id:
        return None
    kinds = {ref.type for ref in tweet.referenced_tweets}
    if "retweeted" in kinds:
        return None
    replied_to = next((ref.id for ref in tweet.referenced_tweets if ref.type == "replied_to"), None)
    reply_hint = tweet_provider_id(replied_to) if replied_to else None
    full = unescape_post_text(tweet.note_tweet.text if tweet.note_tweet and tweet.note_tweet.text else tweet.text)
    text = _LEADING_MENTIONS.sub("", full) if replied_to else full
    return InboundMessage(
        connector=connector,
        channel=Channel.TWITTER,
        provider_id=tweet_provider_id(tweet.id),
        thread_key=tweet_thread_key(tweet.conversation_id or tweet.id),
        visibility=Visibility.PUBLIC,
        sender=_identity(tweet.author_id or "unknown", users),
        text=text.strip() or full,
        sent_at=_when(tweet.created_at, tweet.id),
        reply_to_provider_id=reply_hint,
        thread_hints=(reply_hint,) if reply_hint else (),
        raw=tweet.model_dump_json(exclude_unset=True),
        language=_language(tweet.lang),
    )


def _language(lang: str | None) -> str | None:
    """X's BCP 47 guess; 'und', 'zxx' and the q-codes (qme media only, qht hashtags only...) say nothing."""
    if not lang or lang in ("und", "zxx") or (len(lang) == 3 and lang.startswith("q")):
        return None
    return lang
