"""Restricting an impersonator where we moderate: the outbox's `restrict` rows, run by the dispatcher."""
from __future__ import annotations

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from connectors.base import Connector, PermanentError
from inbox.domain import ContactIdentity, IdentityKind, MessageRef
from inbox.store.schema import contact_identities, messages


async def restrict_sender(engine: AsyncEngine, connector: Connector, ref: MessageRef) -> None:
    """The stored message names its sender; the connector takes that sender's right to post in the message's chat."""
    ci = contact_identities.c
    async with engine.connect() as conn:
        row = (await conn.execute(
            select(ci.kind, ci.value, ci.display_name, ci.handle)
            .join(messages, messages.c.sender_identity_id == ci.id)
            .where(and_(messages.c.connector == ref.connector, messages.c.provider_id == ref.provider_id)).limit(1)
        )).first()
    if row is None:
        raise PermanentError(f"no stored message {ref.provider_id} to restrict the sender of")
    await connector.restrict_sender(ref, ContactIdentity(IdentityKind(row.kind), row.value, row.display_name, row.handle))
