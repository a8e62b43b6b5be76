"""Private links: a token posted in a public thread that lets the customer continue privately in the same ticket.

The link is public (anyone in the thread can open it), so its token is not what protects the ticket: the binding is.
A link is issued for the identity the private message was refused to (the public post's author on Telegram or X) and
joins the ticket only for that identity; a link with no such identity (the in-app chat fallback) binds to its first
claimer and afterwards only to that identity. A link binds only before it expires. A message whose token is unknown,
expired or someone else's is delivered without it: it starts (or continues) the sender's own conversation and learns
nothing of the ticket.

Tokens are credentials: only their SHA-256 is stored, and they are never logged.
"""
from __future__ import annotations

import hashlib
import logging
import re
import secrets
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Sequence

from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from inbox.domain import ContactIdentity, InboundMessage
from inbox.store.schema import private_links

log = logging.getLogger(__name__)

DEFAULT_TTL = timedelta(days=7)
# 32 URL-safe characters (192 random bits): fits a Telegram deep-link payload (1-64 of A-Z a-z 0-9 _ -) and X's ref:.
TOKEN_BYTES = 24
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")
MASK = "[private link]"
ISSUED_TOKEN_CHARS = len(secrets.token_urlsafe(TOKEN_BYTES))
# A token sits in a link after "start=", "link=" or a URL-encoded "ref:" ("ref%3A<token>": the run starts with "3A").
_TOKEN_RUN = re.compile(rf"[A-Za-z0-9_-]{{{ISSUED_TOKEN_CHARS},}}")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


async def record_link(
    conn: AsyncConnection,
    token: str,
    conversation_id: int,
    now: datetime,
    *,
    for_identity: ContactIdentity | None,
    ttl: timedelta = DEFAULT_TTL,
) -> None:
    """Store the link (its token's hash only). `for_identity` None: the first claimer binds it."""
    await conn.execute(private_links.insert(), {
        "token_hash": token_hash(token), "conversation_id": conversation_id,
        "for_kind": for_identity.kind.value if for_identity else None,
        "for_value": for_identity.value if for_identity else None,
        "created_at": now, "expires_at": now + ttl,
    })


async def vet_link_tokens(
    conn: AsyncConnection, msgs: Sequence[InboundMessage], now: datetime
) -> list[InboundMessage]:
    """The messages, each keeping its link token only if the token binds (or is bound) to its sender now.

    Binding happens here, in the caller's transaction: a claim is a conditional UPDATE, so of two claimers racing in
    separate transactions only one wins."""
    if not any(m.link_token for m in msgs):
        return list(msgs)
    shaped = [m.link_token if m.link_token and _TOKEN_SHAPE.fullmatch(m.link_token) else None for m in msgs]
    hashes = {token_hash(t) for t in shaped if t}
    pl = private_links.c
    links = {r.token_hash: r for r in await conn.execute(
        select(pl.token_hash, pl.for_kind, pl.for_value, pl.bound_kind, pl.bound_value, pl.expires_at)
        .where(pl.token_hash.in_(sorted(hashes)))
    )} if hashes else {}
    bound: dict[str, tuple[str, str]] = {h: (r.bound_kind, r.bound_value) for h, r in links.items() if r.bound_kind}
    out: list[InboundMessage] = []
    for m, token in zip(msgs, shaped):
        if not m.link_token:
            out.append(m)
            continue
        h = token_hash(token) if token else None
        row = links.get(h) if h else None
        if row is not None:
            m = _masked(m)  # one of our tokens, bound or not: never stored in clear
        sender = (m.sender.kind.value, m.sender.value)
        refusal = _refusal(row, bound.get(h) if h else None, sender, now)
        if refusal is None and h is not None and h not in bound:
            claimed = await conn.execute(
                update(private_links).where(and_(pl.token_hash == h, pl.bound_kind.is_(None)))
                .values(bound_kind=sender[0], bound_value=sender[1], bound_at=now)
            )
            if claimed.rowcount == 1:
                bound[h] = sender
            else:
                refusal = "already bound"  # someone else claimed it in a concurrent transaction
        if refusal is None:
            out.append(m)
        else:
            # The reason and the connector only: the token is a credential and the sender is personal data.
            log.info("private link not joined (%s) on %s", refusal, m.connector)
            out.append(replace(m, link_token=None))
    return out


async def mask_issued_tokens(conn: AsyncConnection, text: str) -> str:
    """`text` with every token of a stored link masked: a posted notice keeps its link only until it is sent."""
    windows = {run[i:i + ISSUED_TOKEN_CHARS] for run in _TOKEN_RUN.findall(text)
               for i in range(len(run) - ISSUED_TOKEN_CHARS + 1)}
    if not windows:
        return text
    by_hash = {token_hash(w): w for w in windows}
    pl = private_links.c
    for (h,) in await conn.execute(select(pl.token_hash).where(pl.token_hash.in_(sorted(by_hash)))):
        text = text.replace(by_hash[h], MASK)
    return text


def _masked(m: InboundMessage) -> InboundMessage:
    """The message without its token in the text or the raw copy (`/start <token>`, `ref:<token>`): stored rows,
    previews and search never hold the credential."""
    token = m.link_token
    assert token is not None
    return replace(m, text=m.text.replace(token, MASK), raw=m.raw.replace(token, MASK) if m.raw else m.raw)


def _refusal(row, bound: tuple[str, str] | None, sender: tuple[str, str], now: datetime) -> str | None:  # noqa: ANN001
    if row is None:
        return "unknown token"
    if now >= row.expires_at:
        return "expired"
    if row.for_kind is not None and (row.for_kind, row.for_value) != sender:
        return "issued for another identity"
    if bound is not None and bound != sender:
        return "bound to another identity"
    return None


class RedactLinkTokens(logging.Filter):
    """Log lines never carry a link token: the access log records `/chat/v1/ws?link=<token>` and the chat page's
    `/chat/demo?link=<token>` as they are requested."""

    _IN_URL = re.compile(r"((?:[?&#]|%3[Ff]|%26)(?:link|start)(?:=|%3[Dd]))[^&\s\"']+")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "link" in message or "start" in message:
            redacted = self._IN_URL.sub(rf"\1{MASK}", message)
            if redacted != message:
                record.msg, record.args = redacted, None
        return True
