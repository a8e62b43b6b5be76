"""Which policy set is in force: the one an admin saved (sla_settings "policies"), else the config file's."""
from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from inbox.domain import utcnow
from inbox.sla.policy import EMPTY, PolicyError, PolicySet, parse_policy_set
from inbox.store.ops import upsert
from inbox.store.schema import sla_settings

log = logging.getLogger(__name__)
KEY = "policies"


class PolicySource:
    """Cached by the stored row's `updated_at`, so a save in one process is seen by the others on their next tick."""

    def __init__(self, engine: AsyncEngine, config_spec: dict[str, Any] | None) -> None:
        self.engine = engine
        try:
            self.config = parse_policy_set(config_spec or None, "config") if config_spec else EMPTY
        except PolicyError as e:  # check-config refuses this file; a caller that built settings in code gets none
            log.error("SLA policies in the config are not valid: %s", e)
            self.config = EMPTY
        self._cached: tuple[Any, PolicySet] | None = None

    async def __call__(self) -> PolicySet:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(sla_settings).where(sla_settings.c.key == KEY))).first()
        if row is None:
            return self.config
        if self._cached is not None and self._cached[0] == row.updated_at:
            return self._cached[1]
        try:
            policy_set = parse_policy_set(row.value, "admin")
        except PolicyError as e:  # saved by an older version with other rules: keep serving the config's
            log.error("stored SLA policies are not valid any more: %s", e)
            policy_set = self.config
        self._cached = (row.updated_at, policy_set)
        return policy_set

    async def save(self, spec: dict[str, Any]) -> PolicySet:
        policy_set = parse_policy_set(spec, "admin")  # PolicyError for the caller to show
        async with self.engine.begin() as conn:
            await upsert(conn, sla_settings, [{"key": KEY, "value": policy_set.spec, "updated_at": utcnow()}],
                         ["key"], ["value", "updated_at"])
        return policy_set

    async def reset(self) -> None:
        """Back to the config file's policies."""
        from sqlalchemy import delete

        async with self.engine.begin() as conn:
            await conn.execute(delete(sla_settings).where(sla_settings.c.key == KEY))
