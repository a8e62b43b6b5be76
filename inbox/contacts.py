"""Contacts: normalising identities agents type, merging two contacts and undoing it, and the automatic merge when
a channel vouches for an email or phone another contact already has.

A merge moves every identity and conversation of the merged-away contact to the kept one and writes a
`contact_merges` row listing exactly what moved; an unmerge moves those rows back (wherever they are now, so an
unmerge after a later merge still returns what came from the first contact). The merged-away contact row stays,
empty, so its id in old links and audit entries keeps meaning something.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from inbox.domain import InboundMessage
from inbox.identities import ContactError
from inbox.store.schema import contact_identities, contact_merges, contacts, conversations, messages


@dataclass(frozen=True, slots=True)
class Merge:
    id: int
    kept_id: int
    merged_id: int
    identity_ids: list[int]
    conversation_ids: list[int]


async def merged_into(conn: AsyncConnection, contact_id: int) -> int | None:
    """The contact this one was merged into (and not unmerged since), if any."""
    row = (await conn.execute(select(contact_merges.c.kept_id).where(and_(
        contact_merges.c.merged_id == contact_id, contact_merges.c.unmerged_at.is_(None)))
        .order_by(contact_merges.c.id.desc()).limit(1))).first()
    return row.kept_id if row else None


async def merge(conn: AsyncConnection, kept_id: int, merged_id: int, actor: str, reason: str, now: datetime) -> Merge:
    """Move `merged_id`'s identities and conversations to `kept_id`, journalled for an unmerge."""
    if kept_id == merged_id:
        raise ContactError("a contact cannot be merged with itself")
    found = {r.id: r for r in await conn.execute(select(contacts).where(contacts.c.id.in_([kept_id, merged_id])))}
    if len(found) != 2:
        raise ContactError("no such contact")
    for cid in (kept_id, merged_id):
        if await merged_into(conn, cid) is not None:
            raise ContactError(f"contact {cid} was merged into another contact; use that one")
    identity_ids = [r.id for r in await conn.execute(
        select(contact_identities.c.id).where(contact_identities.c.contact_id == merged_id))]
    conversation_ids = [r.id for r in await conn.execute(
        select(conversations.c.id).where(conversations.c.contact_id == merged_id))]
    if identity_ids:
        await conn.execute(update(contact_identities).where(contact_identities.c.id.in_(identity_ids))
                           .values(contact_id=kept_id))
    if conversation_ids:
        await conn.execute(update(conversations).where(conversations.c.id.in_(conversation_ids))
                           .values(contact_id=kept_id))
    merged_name = found[merged_id].name
    if not found[kept_id].name and merged_name:
        await conn.execute(update(contacts).where(contacts.c.id == kept_id).values(name=merged_name))
    merge_id = (await conn.execute(contact_merges.insert().returning(contact_merges.c.id), {
        "kept_id": kept_id, "merged_id": merged_id, "identity_ids": identity_ids,
        "conversation_ids": conversation_ids, "merged_name": merged_name, "actor": actor, "reason": reason[:200],
        "merged_at": now})).scalar_one()
    return Merge(merge_id, kept_id, merged_id, identity_ids, conversation_ids)


async def unmerge(conn: AsyncConnection, merge_id: int, actor: str, now: datetime) -> Merge:
    row = (await conn.execute(select(contact_merges).where(contact_merges.c.id == merge_id))).first()
    if row is None:
        raise ContactError("no such merge")
    if row.unmerged_at is not None:
        raise ContactError("this merge was already undone")
    identity_ids, conversation_ids = list(row.identity_ids or []), list(row.conversation_ids or [])
    if identity_ids:
        await conn.execute(update(contact_identities).where(contact_identities.c.id.in_(identity_ids))
                           .values(contact_id=row.merged_id))
    # Conversations started since the merge by the returning identities alone go back with them too.
    if identity_ids:
        m = messages.c
        theirs = exists().where(and_(m.conversation_id == conversations.c.id, m.direction == "inbound",
                                     m.sender_identity_id.in_(identity_ids)))
        others = exists().where(and_(m.conversation_id == conversations.c.id, m.direction == "inbound",
                                     m.sender_identity_id.not_in(identity_ids)))
        later = select(conversations.c.id).where(and_(conversations.c.contact_id == row.kept_id, theirs, ~others))
        conversation_ids = sorted(set(conversation_ids) | {r.id for r in await conn.execute(later)})
    if conversation_ids:
        await conn.execute(update(conversations).where(conversations.c.id.in_(conversation_ids))
                           .values(contact_id=row.merged_id))
    await conn.execute(update(contact_merges).where(contact_merges.c.id == merge_id)
                       .values(unmerged_at=now, unmerged_by=actor))
    return Merge(row.id, row.kept_id, row.merged_id, identity_ids, conversation_ids)


async def link_verified(
    conn: AsyncConnection, msgs: Sequence[InboundMessage], identities: dict[tuple[str, str], tuple[int, int]],
    now: datetime,
) -> list[Merge]:
    """Attach what a channel vouches for (a signed app profile's email/phone) to the sender's contact. When another
    contact already has that value *verified*, the two are the same person: the younger contact is merged into the
    older one and `identities` is updated in place. A value an agent typed (unverified) never merges anything."""
    merges: list[Merge] = []
    for m in msgs:
        if not m.verified_identities:
            continue
        key = (m.sender.kind.value, m.sender.value)
        for extra in m.verified_identities:
            ident_id, contact_id = identities[key]
            if (extra.kind.value, extra.value) == key:
                await _signed_name(conn, ident_id, contact_id, extra.display_name)
                continue
            existing = (await conn.execute(select(contact_identities).where(and_(
                contact_identities.c.kind == extra.kind.value, contact_identities.c.value == extra.value)))).first()
            if existing is None:
                await conn.execute(contact_identities.insert(), {
                    "contact_id": contact_id, "kind": extra.kind.value, "value": extra.value,
                    "display_name": extra.display_name, "handle": None, "verified": True})
                continue
            if existing.contact_id == contact_id:
                if not existing.verified:  # an agent typed it; now the channel vouches for it too
                    await conn.execute(update(contact_identities).where(contact_identities.c.id == existing.id)
                                       .values(verified=True))
                continue
            if not existing.verified:
                continue
            kept, gone = sorted((existing.contact_id, contact_id))
            try:
                done = await merge(conn, kept, gone, f"auto:{extra.kind.value}",
                                   f"same verified {extra.kind.value} on two channels", now)
            except ContactError:
                continue  # one side is itself merged away: leave it to an agent rather than fail the delivery
            merges.append(done)
            for k, (iid, cid) in list(identities.items()):
                if cid == gone:
                    identities[k] = (iid, kept)
    return merges


async def _signed_name(conn: AsyncConnection, identity_id: int, contact_id: int, name: str | None) -> None:
    """The name a signed profile gives: kept on the identity, and the contact's name while it has none (a name an
    agent set stays)."""
    if not name:
        return
    await conn.execute(update(contact_identities).where(contact_identities.c.id == identity_id)
                       .values(display_name=name))
    await conn.execute(update(contacts).where(and_(contacts.c.id == contact_id, contacts.c.name.is_(None)))
                       .values(name=name))


def identity_json(row: Any) -> dict[str, Any]:
    return {"id": row.id, "kind": row.kind, "value": row.value, "display_name": row.display_name,
            "handle": row.handle, "verified": bool(row.verified)}

