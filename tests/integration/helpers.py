"""Shared by the cross-component tests: the real app with real connectors pointed at their stand-ins."""
from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import ClientSession
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from inbox.store.schema import messages


async def eventually(check: Callable[[], Any], timeout: float = 15.0, what: str = "condition") -> Any:
    """Poll until `check` returns something truthy (a hang guard, not a speed assertion)."""
    async def loop() -> Any:
        while True:
            value = check()
            if inspect.isawaitable(value):
                value = await value
            if value:
                return value
            await asyncio.sleep(0.05)

    try:
        return await asyncio.wait_for(loop(), timeout)
    except asyncio.TimeoutError:
        raise AssertionError(f"timed out waiting for {what}") from None


async def conversations(http: ClientSession, token: str, **query: str) -> list[dict[str, Any]]:
    async with http.get("/api/v1/conversations", params=query, headers={"Authorization": f"Bearer {token}"}) as r:
        assert r.status == 200, await r.text()
        return (await r.json())["conversations"]


async def stored_texts(engine: AsyncEngine) -> str:
    """Everything the store holds of messages, text and raw payload copies, as one string."""
    async with engine.connect() as conn:
        rows = (await conn.execute(select(messages.c.text, messages.c.raw, messages.c.html))).all()
    return "\n".join(part for row in rows for part in row if part)


Check = Callable[[], Awaitable[Any] | Any]
