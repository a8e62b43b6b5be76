"""Running a connector in a test the way the supervisor does: start, the receive loop in a task, then cancel and stop."""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from connectors.base import Connector


@contextlib.asynccontextmanager
async def running(connector: Connector, stop_timeout: float = 10.0) -> AsyncIterator[asyncio.Task[None]]:
    """Yields the run() task (a test may check it is still alive); stop() must finish within `stop_timeout`."""
    await connector.start()
    task = asyncio.create_task(connector.run())
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await asyncio.wait_for(connector.stop(), timeout=stop_timeout)
