"""Run the real application on a loopback port for tests (the same build_app that `inbox serve` runs)."""
from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from aiohttp import ClientSession
from aiohttp.test_utils import TestServer

from inbox.app import build_app
from inbox.auth import create_agent
from inbox.config import ConnectorEntry, DatabaseSettings, Settings
from inbox.store.db import create_engine, upgrade


def settings_for(db_url: str, identity_secret: str = "app-secret", **kw) -> Settings:  # noqa: ANN003
    from connectors.webchat import WebchatConfig

    chat = WebchatConfig(type="webchat", identity_secret=identity_secret)
    connectors = (ConnectorEntry("app-chat", chat), *kw.pop("connectors", ()))
    # The data directory (attachment bodies) beside the test's SQLite file, never the user's own data directory.
    if "data_dir" not in kw:
        from pathlib import Path
        import tempfile

        sqlite_path = db_url.partition(":///")[2] if db_url.startswith("sqlite") else ""
        kw["data_dir"] = Path(sqlite_path).parent / "data" if sqlite_path else Path(tempfile.mkdtemp(prefix="inbox-"))
    return Settings(source="test", database=DatabaseSettings(url=db_url), connectors=connectors, **kw)


async def add_agent(db_url: str, email: str, password: str = "correct horse", role: str = "agent",
                    team: str | None = None) -> None:
    engine = create_engine(db_url)
    try:
        await upgrade(engine)
        await create_agent(engine, email, password, role, team=team)
    finally:
        await engine.dispose()


@contextlib.asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[tuple[TestServer, ClientSession]]:
    server = TestServer(build_app(settings), host="127.0.0.1")
    await server.start_server()
    try:
        async with ClientSession(base_url=str(server.make_url(""))) as http:
            yield server, http
    finally:
        await server.close()


async def token_for(http: ClientSession, email: str, password: str = "correct horse") -> str:
    async with http.post("/api/v1/auth/login", json={"email": email, "password": password}) as r:
        assert r.status == 200, await r.text()
        return (await r.json())["token"]
