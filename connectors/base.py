"""The one protocol every connector implements, and the errors it sorts failures into.

Lifecycle (driven by `inbox.supervisor`): `start()` opens sessions and checks credentials, `run()` is the receive loop
(returns at once for push-only connectors), `stop()` releases everything. Inbound messages go to `host.deliver`;
nothing here touches the database, routing or threading.
"""
from __future__ import annotations

import abc
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar, Protocol

from pydantic import BaseModel, ConfigDict

from inbox.domain import ContactIdentity, InboundMessage, MessageRef, OutboundMessage, SendResult

if TYPE_CHECKING:
    from aiohttp import web


# ---- errors -----------------------------------------------------------------------------------------------------

class ConnectorError(Exception):
    """Base of every error a connector raises. The message must never contain a secret."""


class AuthError(ConnectorError):
    """Credentials were refused: retrying will not help until the config changes."""


class TransientError(ConnectorError):
    """Try again later; `retry_after` (seconds) when the provider said how long."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentError(ConnectorError):
    """This send (or request) will never succeed as it is; the provider's reason is the message."""


class PrivateChannelRefused(PermanentError):
    """The platform refused a private message (X DMs closed; a Telegram bot can't start a chat)."""


class RecipientUnreachable(PermanentError):
    """The customer blocked us or deleted their account: mark the contact unreachable."""


class NotSupported(ConnectorError):
    """The channel has no such capability (e.g. hiding a public post)."""


# ---- config -----------------------------------------------------------------------------------------------------

class ConnectorConfig(BaseModel):
    """Base of every connector's typed config. Unknown keys are errors so typos are caught by check-config."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str
    enabled: bool = True


# ---- what the host gives a connector ------------------------------------------------------------------------------

class HistoryItem(Protocol):
    id: int
    text: str
    direction: str
    created_at: datetime
    provider_id: str | None


class ConnectorHost(Protocol):
    """The inbox side of a connector: where inbound messages go and where cursors persist.

    `deliver` stores the batch and, in the same transaction, the checkpoint, so a restart neither loses nor
    repeats what was delivered.
    """

    async def deliver(
        self, messages: Sequence[InboundMessage], checkpoint: dict[str, str] | None = None
    ) -> list[int | None]:
        """Ingest; returns the stored message id per input (the existing id when it was a duplicate)."""
        ...

    async def load_checkpoint(self) -> dict[str, str]: ...

    async def save_checkpoint(self, checkpoint: dict[str, str]) -> None: ...

    def mark_synced(self, next_allowed_at: datetime | None = None) -> None:
        """A receive round succeeded: health shows `last_sync` (and when the next call is allowed)."""
        ...

    def report_problem(self, message: str) -> None:
        """A recoverable problem worth showing in health (`last_error`) while the connector keeps running."""
        ...

    async def history(self, thread_key: str, limit: int = 50) -> Sequence[HistoryItem]:
        """The conversation's visible messages for this thread key, oldest first (in-app chat shows it)."""
        ...


# ---- the protocol ---------------------------------------------------------------------------------------------------

class Connector(abc.ABC):
    type_name: ClassVar[str]
    config_model: ClassVar[type[ConnectorConfig]]
    # True when sending the same OutboundMessage again (same `message_id` and `idempotency_key`) can never show the
    # customer a second copy (the in-app chat client dedupes frames by message id). The outbox then re-pushes a reply
    # a restart interrupted mid-send; otherwise it keeps at-most-once and asks the agent to check and resend.
    redelivery_safe: ClassVar[bool] = False
    # True when send() delivers OutboundMessage.attachments; a reply with files to one that cannot fails clearly.
    sends_files: ClassVar[bool] = False

    def __init__(self, name: str, config: ConnectorConfig, host: ConnectorHost) -> None:
        self.name = name
        self.config = config
        self.host = host

    async def start(self) -> None:  # noqa: B027 - optional hook
        """Open sessions, verify credentials (raise AuthError)."""

    async def run(self) -> None:  # noqa: B027 - push-only connectors have no loop
        """The receive loop; runs until cancelled. Raise AuthError/TransientError to let the supervisor act."""

    async def stop(self) -> None:  # noqa: B027
        """Release sessions; must be safe to call after a failed start."""

    @abc.abstractmethod
    async def send(self, message: OutboundMessage) -> SendResult:
        """Deliver one reply; raise TransientError / PermanentError / PrivateChannelRefused / AuthError."""

    # -- optional capabilities the guard uses --

    async def hide_public(self, ref: MessageRef) -> None:
        """Remove or hide a customer's public post (Telegram group: delete where the bot is admin)."""
        raise NotSupported(f"{self.type_name} cannot hide public posts")

    async def restrict_sender(self, ref: MessageRef, sender: ContactIdentity) -> None:
        """Take the right to post in this public chat from the sender of `ref` (an impersonator in a Telegram group
        where the bot is admin)."""
        raise NotSupported(f"{self.type_name} cannot restrict members")

    def private_link(self, token: str) -> str | None:
        """A link that opens a private channel with us and carries `token` (Telegram deep link), or None."""
        return None

    def private_recipient(self, public_sender: ContactIdentity) -> ContactIdentity | None:
        """Who to write privately for a public message's sender (same platform), or None if impossible."""
        return public_sender

    async def handle_http(self, request: "web.Request") -> "web.StreamResponse":
        """Webhooks and sockets routed to this connector by name (Telegram webhook, in-app chat)."""
        from aiohttp import web

        raise web.HTTPNotFound()
