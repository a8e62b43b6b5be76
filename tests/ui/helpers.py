"""What the UI tests share: a page that records script errors, a customer on the in-app chat socket, inserting
messages through the real pipeline."""
from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from connectors.webchat.identity import user_hash
from inbox.api.context import CTX
from inbox.domain import (
    Channel,
    ContactIdentity,
    IdentityKind,
    InboundMessage,
    Visibility,
)
from tests.ui.conftest import AGENT, UiEnv, sign_in


class TrackedPage:
    """A page plus the uncaught script errors it raised (a test fails on any)."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.errors: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))


async def open_signed_in(env: UiEnv, email: str = AGENT, context: Any = None) -> TrackedPage:
    """A new tab signed in as `email`, in the test's browser unless `context` names another (tabs of one browser
    share one session: a second agent needs `await env.other_browser()`)."""
    tracked = TrackedPage(await (context or env.context).new_page())
    await sign_in(tracked.page, env, email)
    return tracked


async def recv(ws: Any, kind: str, timeout: float = 5.0) -> dict[str, Any]:
    async def loop() -> dict[str, Any]:
        while True:
            frame = await ws.receive_json()
            if frame.get("type") == kind:
                return frame

    return await asyncio.wait_for(loop(), timeout)


@contextlib.asynccontextmanager
async def customer(env: UiEnv, user: str = "alice") -> AsyncIterator[Any]:
    path = f"/chat/v1/ws?user_id={user}&user_hash={user_hash('app-secret', user)}"
    async with env.http.ws_connect(path) as ws:
        await recv(ws, "history")
        yield ws


async def say(ws: Any, text: str) -> int:
    client_id = str(uuid.uuid4())
    await ws.send_json({"type": "message", "text": text, "client_id": client_id})
    ack = await recv(ws, "ack")
    assert ack["client_id"] == client_id
    return ack["id"]


async def ingest(env: UiEnv, *messages: InboundMessage) -> None:
    ids = await env.server.app[CTX].pipeline.ingest(list(messages))
    assert all(i is not None for i in ids), ids


def email_message(text: str, html: str | None, sender: str = "li@example.com", subject: str = "Help") -> InboundMessage:
    return InboundMessage(
        connector="support-mail", channel=Channel.EMAIL, provider_id=f"<{uuid.uuid4()}@example.com>",
        thread_key=f"<{uuid.uuid4()}@example.com>", visibility=Visibility.PRIVATE,
        sender=ContactIdentity(IdentityKind.EMAIL, sender, "Li Lei"), text=text, html=html, subject=subject,
        sent_at=datetime.now(UTC))


def telegram_public(text: str, user: str = "777", thread: str = "chat:-1001") -> InboundMessage:
    return InboundMessage(
        connector="wallet-bot", channel=Channel.TELEGRAM, provider_id=str(uuid.uuid4()), thread_key=thread,
        visibility=Visibility.PUBLIC, sender=ContactIdentity(IdentityKind.TELEGRAM, user, "Bob", "bobby"),
        text=text, sent_at=datetime.now(UTC))
