"""Who a reply goes to: the conversation's customer, never whoever happened to write last.

A thread can hold messages of other people (someone in copy answering, a Telegram group member replying in the
chain); an agent's reply still goes to the conversation's contact, by that contact's identity on the connector the
reply leaves by. The API shows this recipient beside the composer and in the send response.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from inbox.domain import ContactIdentity, Direction, IdentityKind
from inbox.store.schema import contact_identities, conversations, messages

# Identity kinds a connector type can address; a contact's identity of another kind is no address there.
_KINDS_OF_CHANNEL: dict[str, tuple[str, ...]] = {
    "email": (IdentityKind.EMAIL.value,),
    "telegram": (IdentityKind.TELEGRAM.value,),
    "twitter": (IdentityKind.TWITTER.value,),
    "webchat": (IdentityKind.APP.value, IdentityKind.VISITOR.value),
}


async def customer_identity(conn: AsyncConnection, conversation_id: int, connector: str) -> ContactIdentity | None:
    """The contact's identity that last wrote in this conversation by `connector`; else by any connector (a public
    thread moved to a private channel); else any identity of the contact that the connector's channel can address.
    Messages of senders who are not the contact never decide it."""
    conv = (await conn.execute(select(conversations.c.contact_id, conversations.c.channel, conversations.c.connector)
                               .where(conversations.c.id == conversation_id))).first()
    if conv is None:
        return None
    ci = contact_identities.c
    sent_by_contact = and_(messages.c.conversation_id == conversation_id,
                           messages.c.direction == Direction.INBOUND.value, ci.contact_id == conv.contact_id)
    for condition in (messages.c.connector == connector, True):
        row = (await conn.execute(
            select(contact_identities).join(messages, messages.c.sender_identity_id == ci.id)
            .where(and_(sent_by_contact, condition)).order_by(messages.c.id.desc()).limit(1)
        )).first()
        if row is not None:
            return _identity(row)
    kinds = _KINDS_OF_CHANNEL.get(conv.channel if connector == conv.connector else "", ())
    row = (await conn.execute(
        select(contact_identities).where(and_(ci.contact_id == conv.contact_id, ci.kind.in_(kinds)))
        .order_by(ci.id).limit(1)
    )).first() if kinds else None
    return _identity(row) if row is not None else None


def identity_json(identity: ContactIdentity | None) -> dict[str, Any] | None:
    if identity is None:
        return None
    return {"kind": identity.kind.value, "value": identity.value, "display_name": identity.display_name,
            "handle": identity.handle}


def _identity(row: Any) -> ContactIdentity:
    return ContactIdentity(IdentityKind(row.kind), row.value, row.display_name, row.handle)
