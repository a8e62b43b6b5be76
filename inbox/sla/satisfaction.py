"""Satisfaction (1–5) asked when a conversation is resolved, on the customer's own private channel.

The request carries a link `/rate?token=T`: T is a random single-use credential (only its SHA-256 is stored, like
private links), so a forged or guessed link names nothing and a used one can't rate again. `token` is one of the
query names the access log redacts. The link opens a page with five buttons (and a comment box); the rating is
stored on POST, not on GET, because mail link scanners (Outlook Safe Links and the like) fetch every link in a
message and would otherwise rate on the customer's behalf.

A rating of 1 or 2 reopens the conversation for a supervisor: status open, priority at least high, tag
`low_rating`, an audit row and a `satisfaction.low` event.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable

from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from inbox.domain import Priority, Visibility, format_ticket
from inbox.events import Event
from inbox.outbox import MASKED_SECRET_FLAG
from inbox.replies import enqueue_reply
from inbox.store.ops import insert_ignore
from inbox.store.schema import audit, conversation_tags, conversations, rating_requests, satisfaction_ratings

REQUEST_TTL = timedelta(days=14)
LINK_MASK = "[rating link]"
LOW = 2  # this score and below reopen the conversation for a supervisor
LOW_TAG = "low_rating"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def rating_text(language: str | None, link: str, ticket: str) -> str:
    if language == "zh":
        return (f"您的工单 {ticket} 已解决。请为本次服务打分（1–5 分）：{link}\n"
                "回复本消息即可重新打开工单。")
    return (f"Your ticket {ticket} is resolved. How did we do? Rate us from 1 to 5: {link}\n"
            "Reply to this message to reopen the ticket.")


async def ask_for_rating(conn: AsyncConnection, conv: Any, public_url: str, now: datetime,
                         hold: Callable[[int, str], None] | None = None) -> int | None:
    """Queue the rating request as an automatic private message (never in a public thread); returns its message
    id. A conversation that already has an unused, unexpired request gets no second one.

    The link is a credential: the stored message shows "[rating link]" (agents can't rate in the customer's name,
    and no token is kept in clear); the text with the link is handed to the dispatcher in memory (`hold`), as
    agents' allowed secrets are. After a restart before it went out, the request fails visibly instead."""
    open_request = (await conn.execute(select(rating_requests.c.id).where(and_(
        rating_requests.c.conversation_id == conv.id, rating_requests.c.used_at.is_(None),
        rating_requests.c.expires_at > now)))).first()
    if open_request is not None:
        return None
    token = secrets.token_urlsafe(32)
    await conn.execute(rating_requests.insert(), {
        "conversation_id": conv.id, "token_hash": token_hash(token), "channel": conv.channel, "created_at": now,
        "expires_at": now + REQUEST_TTL})
    link = f"{public_url.rstrip('/')}/rate?token={token}"
    # PRIVATE on a public conversation goes by the platform's private path (X DM, Telegram private chat); with no
    # fallback to a public notice, a refused DM fails instead of posting anything in the public thread.
    ticket = format_ticket(conv.id)
    queued = await enqueue_reply(conn, conv.id, rating_text(conv.language, LINK_MASK, ticket), Visibility.PRIVATE, now,
                                 reason="sla:rating_request", flags=(MASKED_SECRET_FLAG,))
    if hold is not None:
        hold(queued.message_id, rating_text(conv.language, link, ticket))
    return queued.message_id


@dataclass(frozen=True)
class RatingOutcome:
    status: int  # HTTP status for the caller
    error: str | None = None
    conversation_id: int | None = None
    events: tuple[Event, ...] = ()


async def record_rating(conn: AsyncConnection, token: str, score: object, comment: str | None,
                        now: datetime) -> RatingOutcome:
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        return RatingOutcome(400, "score must be a whole number from 1 to 5")
    if comment is not None and len(comment) > 2000:
        return RatingOutcome(400, "the comment is longer than 2000 characters")
    request = (await conn.execute(select(rating_requests).where(
        rating_requests.c.token_hash == token_hash(token)))).first() if token else None
    if request is None:
        return RatingOutcome(404, "this rating link is not valid")
    if request.used_at is not None:
        return RatingOutcome(409, "this rating link was already used")
    if request.expires_at <= now:
        return RatingOutcome(410, "this rating link has expired")
    claimed = await conn.execute(update(rating_requests).where(and_(
        rating_requests.c.id == request.id, rating_requests.c.used_at.is_(None))).values(used_at=now))
    if claimed.rowcount != 1:  # two clicks at once: the first one counts
        return RatingOutcome(409, "this rating link was already used")
    conv = (await conn.execute(select(conversations).where(conversations.c.id == request.conversation_id))).one()
    await conn.execute(satisfaction_ratings.insert(), {
        "conversation_id": conv.id, "request_id": request.id, "score": score, "comment": comment or None,
        "channel": conv.channel, "type": conv.type, "team_id": conv.team_id, "agent_id": conv.assignee_id,
        "created_at": now})
    await conn.execute(audit.insert(), {"at": now, "actor": "customer", "action": "rating",
                                        "conversation_id": conv.id, "detail": f"score {score}"})
    events = [Event("satisfaction.rated", conv.id, conv.team_id, {
        "type": "satisfaction.rated", "conversation_id": conv.id, "ticket": format_ticket(conv.id), "score": score})]
    if score <= LOW:
        priority = conv.priority if Priority(conv.priority).rank >= Priority.HIGH.rank else Priority.HIGH.value
        await conn.execute(update(conversations).where(conversations.c.id == conv.id).values(
            status="open", resolved_at=None, priority=priority, updated_at=now))
        await insert_ignore(conn, conversation_tags, [{"conversation_id": conv.id, "tag": LOW_TAG}])
        await conn.execute(audit.insert(), {"at": now, "actor": "customer", "action": "low_rating",
                                            "conversation_id": conv.id, "detail": "reopened for a supervisor"})
        events.append(Event("satisfaction.low", conv.id, conv.team_id, {
            "type": "satisfaction.low", "conversation_id": conv.id, "ticket": format_ticket(conv.id),
            "score": score}))
    return RatingOutcome(200, None, conv.id, tuple(events))
