"""Chat flood (issue #12, item 10): what one customer's socket and one address can make the inbox store, through the
real app (`build_app`, SQLite) with the default chat limits. Reference before the limits: one socket stored 5,000
messages at 290/s; every new socket could start a new visitor.

    python -m bench.chat_flood [--messages 5000] [--visitors 100]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time

import aiohttp
from sqlalchemy import func, select


async def flood(n_messages: int, n_visitors: int) -> None:
    from connectors.webchat.identity import user_hash
    from inbox.api.context import CTX
    from inbox.store.schema import messages
    from tests.inbox.appserver import running, settings_for

    with tempfile.TemporaryDirectory() as d:
        settings = settings_for(f"sqlite+aiosqlite:///{d}/flood.db")
        async with running(settings) as (server, http):
            ws = await http.ws_connect(f"/chat/v1/ws?user_id=flood&user_hash={user_hash('app-secret', 'flood')}")
            await ws.receive_json()  # history
            start = time.perf_counter()
            sent = 0
            for i in range(n_messages):
                try:
                    await ws.send_json({"type": "message", "text": f"flood {i}", "client_id": f"f{i}"})
                except ConnectionError:
                    break  # the server closed the socket on us
                sent += 1
            kinds = {"ack": 0, "error": 0}
            while sum(kinds.values()) < sent:
                frame = await ws.receive(timeout=60)
                if frame.type != aiohttp.WSMsgType.TEXT:
                    break
                kind = json.loads(frame.data)["type"]
                kinds[kind] = kinds.get(kind, 0) + 1
            seconds = time.perf_counter() - start
            closed = f"closed by the server with {ws.close_code}" if ws.closed else "still open"
            await ws.close()
            statuses: dict[int, int] = {}
            for _ in range(n_visitors):
                async with http.post("/chat/v1/visitor") as r:
                    statuses[r.status] = statuses.get(r.status, 0) + 1
            engine = server.app[CTX].engine
            async with engine.connect() as conn:
                stored = (await conn.execute(select(func.count()).select_from(messages))).scalar_one()
    print(f"== one socket sends {n_messages:,} messages as fast as it can (default limits) ==")
    print(f"acked {kinds['ack']:,}, refused with an error frame {kinds['error']:,} in {seconds:.2f} s; "
          f"the socket: {closed}")
    print(f"messages stored: {stored:,}   (reference before the limits: 5,000 stored at 290/s)")
    print(f"== one address asks for {n_visitors} new visitor tokens ==")
    print("answers: " + ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items())))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=5000)
    ap.add_argument("--visitors", type=int, default=100)
    args = ap.parse_args()
    asyncio.run(flood(args.messages, args.visitors))


if __name__ == "__main__":
    main()
