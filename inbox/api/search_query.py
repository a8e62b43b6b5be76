"""`GET /api/v1/conversations?q=…`: what agents search for, answered from indexes only.

A query finds, in this order:
1. the ticket it names (`#10500`, `10500`);
2. conversations of the contact it names: an email, a phone number, an app/Telegram/X id or an @handle (exact,
   case-insensitive, through indexes on contact_identities);
3. conversations with a message matching every term (words, "quoted phrases", Chinese of any length) in the
   full-text index, newest matching message first, each with a highlighted snippet of that message.
All of it is combined with the list filters the caller passed (status, type, channel, team, assignee, dates, and the
agent's team visibility), applied in the same SQL, so another team's conversation is never even a candidate.

The snippet is cut from the stored (masked) text, so it can't hold a secret the guard removed; it comes as plain
text with mark offsets (the UI builds text nodes from them) and as HTML with every character escaped but <mark>.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ARRAY, BigInteger, bindparam, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from inbox.domain import parse_ticket
from inbox.store.schema import contact_identities, conversations, messages
from inbox.store.search import PG_TABLE, hits, match_param, pg_rare_hits
from inbox.store.search_tokens import ParsedQuery, parse_query, too_short

CHUNK = 200  # index hits read per round trip
MAX_SCANNED = 20_000  # hits read for one page before answering with what was found (`partial`)
SNIPPET_CHARS = 160
_TICKET = re.compile(r"#?\d{5,18}")  # more digits: no ticket
_PHONE_NOISE = re.compile(r"[\s().-]")


@dataclass(slots=True)
class SearchPage:
    rows: list[Any]  # conversation rows, in result order
    matched: dict[int, str]  # conversation id -> "ticket" | "contact" | "message"
    snippets: dict[int, dict[str, Any]]  # conversation id -> {"text", "marks", "html", "message_id"}
    next_cursor: str | None = None
    partial: bool = False  # stopped after MAX_SCANNED hits: there may be more further down
    too_short: bool = False
    excluded: set[int] = field(default_factory=set)


async def search_conversations(conn: AsyncConnection, conds: list[Any], q: str, limit: int,
                               cursor: str | None) -> SearchPage:
    q = q.strip()
    if too_short(q):
        return SearchPage([], {}, {}, too_short=True)
    before = _parse_cursor(cursor)
    first = await _direct_matches(conn, conds, q, limit)
    page = SearchPage([], {}, {})
    if before is None:
        page.rows = [r for r, _ in first]
        page.matched = {r.id: how for r, how in first}
    page.excluded = {r.id for r, _ in first}
    parsed = parse_query(q)
    if not parsed.empty:
        await _message_hits(conn, conds, parsed, limit - len(page.rows), before, page)
    return page


async def _direct_matches(conn: AsyncConnection, conds: list[Any], q: str, limit: int) -> list[tuple[Any, str]]:
    out: list[tuple[Any, str]] = []
    if _TICKET.fullmatch(q) and (ticket_id := parse_ticket(q)) is not None:
        row = (await conn.execute(select(conversations).where(conversations.c.id == ticket_id, *conds))).first()
        if row is not None:
            out.append((row, "ticket"))
    if " " in q:
        return out
    contact_ids = await _contacts_named(conn, q)
    if contact_ids:
        rows = (await conn.execute(select(conversations).where(conversations.c.contact_id.in_(contact_ids), *conds)
                                   .order_by(conversations.c.last_message_at.desc(), conversations.c.id.desc())
                                   .limit(limit))).all()
        seen = {r.id for r, _ in out}
        out.extend((r, "contact") for r in rows if r.id not in seen)
    return out[:limit]


async def _contacts_named(conn: AsyncConnection, q: str) -> list[int]:
    value = q.lower()
    candidates = {value, value.lstrip("@")}
    phone = _PHONE_NOISE.sub("", q)
    if re.fullmatch(r"\+?\d{6,16}", phone):
        candidates.update({phone, "+" + phone.lstrip("+")})
    handle = value.lstrip("@")
    rows = await conn.execute(select(contact_identities.c.contact_id).where(or_(
        contact_identities.c.value.in_(sorted(candidates)),
        func.lower(contact_identities.c.handle) == handle)).limit(50))
    return sorted({r.contact_id for r in rows})


async def _message_hits(conn: AsyncConnection, conds: list[Any], parsed: ParsedQuery, want: int,
                        before: int | None, page: SearchPage) -> None:
    if want <= 0:
        return
    source, hit, conv_col, match = hits(conn.dialect.name, match_param(conn.dialect.name, parsed))
    if conn.dialect.name == "postgresql":
        rare = await pg_rare_hits(conn, match_param(conn.dialect.name, parsed))
        if rare is not None:  # a few matches: filter those ids alone (see PG_RARE)
            if not rare:
                return
            ids = [mid for mid, _ in rare if before is None or mid < before]
            match = text(f"{PG_TABLE}.message_id = ANY(:ids)").bindparams(
                bindparam("ids", ids, type_=ARRAY(BigInteger)))
    shown_before: set[int] = set()  # conversations listed on an earlier page (they have a newer hit)
    found: dict[int, int] = {}  # conversation id -> its newest hit
    scanned, bound, checked_upto = 0, before, None
    while len(found) <= want and scanned < MAX_SCANNED:
        stmt = (select(conv_col.label("cid"), hit.label("hit"))
                .select_from(source.join(conversations, conversations.c.id == conv_col))
                .where(match, *conds, *([hit < bound] if bound is not None else []))
                .order_by(hit.desc()).limit(CHUNK))
        chunk = (await conn.execute(stmt)).all()
        if before is not None:
            fresh = {cid for cid, _ in chunk} - found.keys() - shown_before - page.excluded
            shown_before |= await _hit_above(conn, parsed, fresh, before)
        for cid, hit_id in chunk:
            if cid not in found and cid not in shown_before and cid not in page.excluded:
                found[cid] = hit_id
        scanned += len(chunk)
        if len(chunk) < CHUNK:
            checked_upto = "end"
            break
        bound = chunk[-1].hit
    page.partial = checked_upto is None and len(found) <= want
    ordered = sorted(found.items(), key=lambda kv: -kv[1])
    if len(ordered) > want:
        ordered = ordered[:want]
        page.next_cursor = f"m{ordered[-1][1]}"
    elif page.partial and bound is not None:
        page.next_cursor = f"m{bound}"
    if not ordered:
        return
    ids = [cid for cid, _ in ordered]
    rows = {r.id: r for r in await conn.execute(select(conversations).where(conversations.c.id.in_(ids)))}
    texts = {r.id: r for r in await conn.execute(select(messages.c.id, messages.c.text, messages.c.subject)
                                                 .where(messages.c.id.in_([h for _, h in ordered])))}
    for cid, hit_id in ordered:
        page.rows.append(rows[cid])
        page.matched[cid] = "message"
        m = texts.get(hit_id)
        if m is not None:
            page.snippets[cid] = {"message_id": hit_id, **snippet(m.text or m.subject or "", parsed.highlights)}


async def _hit_above(conn: AsyncConnection, parsed: ParsedQuery, conversation_ids: set[int], before: int) -> set[int]:
    """Of these conversations, those with a match at or above the cursor: an earlier page listed them. The hits
    at or above the cursor are the ones earlier pages read, so this costs what they cost."""
    if not conversation_ids:
        return set()
    source, hit, conv_col, match = hits(conn.dialect.name, match_param(conn.dialect.name, parsed))
    rows = await conn.execute(select(conv_col).distinct().select_from(source)
                              .where(match, hit >= before, conv_col.in_(sorted(conversation_ids))))
    return {r[0] for r in rows}


def _parse_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    if not re.fullmatch(r"m[0-9]{1,18}", cursor):
        raise ValueError("cursor is not one this search returned")
    return int(cursor[1:])


def snippet(text: str, highlights: tuple[str, ...], width: int = SNIPPET_CHARS) -> dict[str, Any]:
    """A window of the text around the first match, with every match in it marked."""
    spans: list[tuple[int, int]] = []
    for piece in highlights:
        if piece:
            spans.extend(m.span() for m in re.finditer(re.escape(piece), text, re.IGNORECASE))
    spans.sort()
    start = max(0, spans[0][0] - width // 4) if spans else 0
    end = min(len(text), start + width)
    window = text[start:end]
    marks: list[list[int]] = []
    for s, e in spans:
        s, e = max(s, start) - start, min(e, end) - start
        if e > s and (not marks or s >= marks[-1][1]):
            marks.append([s, e])
    prefix, suffix = ("…" if start > 0 else ""), ("…" if end < len(text) else "")
    shift = len(prefix)
    parts, at = [], 0
    for s, e in marks:
        parts.append(html.escape(window[at:s]) + "<mark>" + html.escape(window[s:e]) + "</mark>")
        at = e
    parts.append(html.escape(window[at:]))
    return {"text": prefix + window + suffix, "marks": [[s + shift, e + shift] for s, e in marks],
            "html": html.escape(prefix) + "".join(parts) + html.escape(suffix)}
