"""Outbox claim leases: which process is sending a reply, and until when it is believed to be alive.

A worker claims a row (`queued` → `sending`, `claimed_by`, `lease_until`) with `FOR UPDATE SKIP LOCKED`, so workers
never wait on each other's rows, and renews the lease of its rows in `sending` while the provider call runs. A row
whose lease ran out while `sending` belonged to a worker that died mid-call: nobody knows whether the provider
delivered it. It becomes `resume`, exactly what a restart does to a single process's interrupted send: a channel that
dedupes (in-app chat) gets it again, any other (email, Telegram, X) fails it with "interrupted — check and resend",
never a blind second send.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, or_, update
from sqlalchemy.ext.asyncio import AsyncEngine

from inbox.domain import utcnow
from inbox.store.schema import outbox

RESUME = "resume"  # the same state inbox.outbox uses for an interrupted send


@dataclass(frozen=True)
class ClaimLease:
    process: str
    seconds: float = 30.0

    @property
    def renew_every(self) -> float:
        return self.seconds / 3

    def until(self):  # noqa: ANN201 - datetime
        return utcnow() + timedelta(seconds=self.seconds)


async def recover_expired(engine: AsyncEngine) -> int:
    """Rows left in `sending` by a process whose lease ran out (or claimed before leases existed): `resume`."""
    now = utcnow()
    async with engine.begin() as conn:
        result = await conn.execute(update(outbox).where(and_(
            outbox.c.state == "sending", or_(outbox.c.lease_until.is_(None), outbox.c.lease_until < now),
        )).values(state=RESUME, next_attempt_at=now, last_error="interrupted: the sending process stopped",
                  claimed_by=None, lease_until=None, updated_at=now))
        return result.rowcount or 0


async def renew(engine: AsyncEngine, lease: ClaimLease) -> int:
    async with engine.begin() as conn:
        result = await conn.execute(update(outbox).where(and_(
            outbox.c.state == "sending", outbox.c.claimed_by == lease.process,
        )).values(lease_until=lease.until()))
        return result.rowcount or 0
