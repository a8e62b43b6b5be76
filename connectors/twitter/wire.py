"""X API v2 payloads as typed models. Unknown fields are ignored (X adds fields over time); every field that the
API may omit is optional so a sparse payload parses instead of failing."""
from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field

# X ids are snowflakes: the top bits are milliseconds since this epoch (used when created_at is missing).
_SNOWFLAKE_EPOCH_MS = 1288834974657


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class XUser(_Wire):
    id: str
    name: str | None = None
    username: str | None = None
    protected: bool | None = None


class XReferencedTweet(_Wire):
    id: str
    type: str | None = None  # tweets: replied_to / quoted / retweeted; DM events carry only the id


class XAttachments(_Wire):
    media_keys: tuple[str, ...] = ()


class XDMEvent(_Wire):
    model_config = ConfigDict(extra="allow", frozen=True)  # kept whole: the stored raw copy is the payload

    id: str
    event_type: str = "MessageCreate"
    text: str | None = None
    sender_id: str | None = None
    dm_conversation_id: str | None = None
    created_at: datetime | None = None
    participant_ids: tuple[str, ...] = ()
    attachments: XAttachments | None = None
    referenced_tweets: tuple[XReferencedTweet, ...] = ()


class XNoteTweet(_Wire):
    """A post over 280 characters: `text` holds it whole, the tweet's own `text` only its first 280."""

    text: str = ""


class XTweet(_Wire):
    model_config = ConfigDict(extra="allow", frozen=True)  # kept whole: the stored raw copy is the payload

    id: str
    text: str = ""
    author_id: str | None = None
    conversation_id: str | None = None
    created_at: datetime | None = None
    in_reply_to_user_id: str | None = None
    referenced_tweets: tuple[XReferencedTweet, ...] = ()
    lang: str | None = None
    note_tweet: XNoteTweet | None = None


class XMediaVariant(_Wire):
    content_type: str | None = None
    url: str | None = None
    bit_rate: int | None = None


class XMedia(_Wire):
    """An `includes.media` entry (X API v2 media object): photos carry `url`, videos and GIFs `variants`.
    X reports no byte size; width and height say how large a picture is."""

    media_key: str
    type: str = "photo"  # photo | video | animated_gif
    url: str | None = None
    preview_image_url: str | None = None
    width: int | None = None
    height: int | None = None
    alt_text: str | None = None
    variants: tuple[XMediaVariant, ...] = ()


class XIncludes(_Wire):
    users: tuple[XUser, ...] = ()
    media: tuple[XMedia, ...] = ()


class XMeta(_Wire):
    result_count: int | None = None
    next_token: str | None = None
    previous_token: str | None = None
    newest_id: str | None = None
    oldest_id: str | None = None


class XPartialError(_Wire):
    """An item-level error inside a 200 answer (e.g. an expanded author that is suspended or deleted)."""

    title: str | None = None
    detail: str | None = None
    message: str | None = None  # v1.1-style {"code", "message"} entries still appear in some answers
    type: str | None = None
    resource_id: str | None = None
    section: str | None = None  # "includes": the error is about an expanded object, the data itself is whole
    parameter: str | None = None  # the expansion or field it is about (author_id, sender_id ...)


class DMEventPage(_Wire):
    data: tuple[XDMEvent, ...] = ()
    includes: XIncludes = XIncludes()
    meta: XMeta = XMeta()
    errors: tuple[XPartialError, ...] = ()


class TweetPage(_Wire):
    data: tuple[XTweet, ...] = ()
    includes: XIncludes = XIncludes()
    meta: XMeta = XMeta()
    errors: tuple[XPartialError, ...] = ()


class MeAnswer(_Wire):
    data: XUser


class CreatedDM(_Wire):
    dm_conversation_id: str
    dm_event_id: str


class CreatedDMAnswer(_Wire):
    data: CreatedDM


class CreatedTweet(_Wire):
    id: str
    text: str | None = None


class CreatedTweetAnswer(_Wire):
    data: CreatedTweet


class HiddenAnswerData(_Wire):
    hidden: bool


class HiddenAnswer(_Wire):
    data: HiddenAnswerData


class XProblem(_Wire):
    """An error body: the v2 problem shape (`detail`/`type`/`title`/`status`) and/or a list of `errors`."""

    title: str | None = None
    detail: str | None = None
    type: str | None = None
    status: int | None = None
    errors: tuple[XPartialError, ...] = Field(default=())

    def describe(self) -> str:
        parts = [self.detail or self.title or ""] + [e.detail or e.message or e.title or "" for e in self.errors]
        return "; ".join(p for p in parts if p) or "no detail given"


def snowflake_time(item_id: str) -> datetime:
    """When an X id was minted: stable across re-deliveries, unlike 'now'."""
    try:
        millis = (int(item_id) >> 22) + _SNOWFLAKE_EPOCH_MS
    except ValueError:
        return datetime(1970, 1, 1, tzinfo=UTC)
    return datetime.fromtimestamp(millis / 1000, tz=UTC)


def id_newer(candidate: str, than: str | None) -> bool:
    """Snowflake order: longer digit strings are larger; equal lengths compare as text."""
    if than is None:
        return True
    return (len(candidate), candidate) > (len(than), than)
