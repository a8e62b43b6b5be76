"""X (Twitter) connector: DMs are private conversations, mentions public ones; replies go back the same way.

Translation only: the poller turns DM events and mentions into InboundMessages, `send` turns an OutboundMessage
into tweets (a reply chain when long) or DMs. Threading, storage and routing happen in the pipeline.
"""
from __future__ import annotations

import logging
from urllib.parse import urlencode

from connectors.base import (
    AuthError,
    Connector,
    ConnectorHost,
    NotSupported,
    PermanentError,
    PrivateChannelRefused,
    RecipientUnreachable,
    TransientError,
)
from connectors.twitter.config import TwitterConfig
from connectors.twitter.normalize import (
    DM_PREFIX,
    TWEET_PREFIX,
    dm_provider_id,
    strip_prefix,
    tweet_provider_id,
)
from connectors.twitter.poller import XPoller
from connectors.twitter.textsplit import DM_LIMIT, split_message
from connectors.twitter.transport import XApi, XHttpError
from inbox.domain import IdentityKind, MessageRef, OutboundMessage, SendResult, Visibility, utcnow

log = logging.getLogger(__name__)

COMPOSE_URL = "https://twitter.com/messages/compose"


class TwitterConnector(Connector):
    type_name = "twitter"
    config_model = TwitterConfig

    def __init__(self, name: str, config: TwitterConfig, host: ConnectorHost) -> None:
        super().__init__(name, config, host)
        self.config: TwitterConfig = config
        self._api = XApi(config)
        self._user_id: str | None = config.user_id
        self._username: str | None = config.username
        self.poller = XPoller(name, config, self._api, host, self._require_user_id)
        # Parts of a split reply already posted, by idempotency key: a retry continues the chain instead of
        # posting the first parts again (X also refuses duplicate tweets). Kept for this process's lifetime.
        self._posted_parts: dict[str, list[str]] = {}

    def __repr__(self) -> str:
        return f"TwitterConnector(name={self.name!r}, api_base={self.config.api_base!r}, user_id={self._user_id!r})"

    @property
    def user_id(self) -> str | None:
        """Our account's X user id (configured, or learned at start)."""
        return self._user_id

    def _require_user_id(self) -> str:
        if self._user_id is None:
            raise TransientError("X connector has not learned its own user id yet (start() not run)")
        return self._user_id

    # ---- lifecycle -----------------------------------------------------------------------------------------------

    async def start(self) -> None:
        await self._api.open()
        if self._user_id is not None:
            return
        try:
            me = await self._api.me()
        except XHttpError as exc:
            await self._api.close()
            raise exc.to_connector_error("X GET /2/users/me") from None
        except BaseException:
            await self._api.close()
            raise
        self._user_id, self._username = me.id, me.username or self._username
        log.info("X connector %s signed in as user %s (@%s)", self.name, me.id, me.username)

    async def run(self) -> None:
        self._require_user_id()
        await self.poller.run()

    async def stop(self) -> None:
        await self._api.close()
        await self.poller.media.close()

    # ---- sending -------------------------------------------------------------------------------------------------

    async def send(self, message: OutboundMessage) -> SendResult:
        opened: tuple[str, ...] = ()
        if message.visibility is Visibility.PUBLIC:
            ids = await self._send_reply_chain(message)
            prefix = TWEET_PREFIX
        else:
            ids, conversation = await self._send_dms(message)
            prefix = DM_PREFIX
            if strip_prefix(message.thread_key, DM_PREFIX) is None:
                # A DM started from a public thread: the customer's answer there must join the same ticket.
                opened = (f"{DM_PREFIX}{conversation}",)
        return SendResult(
            provider_id=f"{prefix}{ids[0]}", sent_at=utcnow(), extra_provider_ids=tuple(f"{prefix}{i}" for i in ids[1:]),
            thread_keys=opened,
        )

    async def _send_reply_chain(self, message: OutboundMessage) -> list[str]:
        target = _reply_target(message)
        if target is None:
            raise PermanentError("X public reply needs a tweet to answer: in_reply_to or a tweet thread key")
        parts = split_message(message.text)
        posted = self._posted_parts.setdefault(message.idempotency_key, [])
        for part in parts[len(posted):]:
            previous = posted[-1] if posted else target
            try:
                created = await self._api.create_tweet(part, in_reply_to_tweet_id=previous)
            except XHttpError as exc:
                raise exc.to_connector_error("X create tweet") from None
            posted.append(created.id)
        del self._posted_parts[message.idempotency_key]
        self.poller.watch.watch(strip_prefix(message.thread_key, TWEET_PREFIX))  # we are in this thread now
        return posted

    async def _send_dms(self, message: OutboundMessage) -> tuple[list[str], str]:
        conversation = strip_prefix(message.thread_key, DM_PREFIX)
        participant: str | None = None
        if conversation is None:  # a public conversation moved to private: DM the customer directly
            if message.recipient.kind is not IdentityKind.TWITTER or not message.recipient.value.isdigit():
                raise PermanentError(f"X DM needs an X user id as recipient, got a {message.recipient.kind} identity")
            participant = message.recipient.value
        parts = split_message(message.text, DM_LIMIT, weighted=False)
        sent = self._posted_parts.setdefault(message.idempotency_key, [])
        for part in parts[len(sent):]:
            try:
                created = await self._api.create_dm(
                    part, dm_conversation_id=conversation, participant_id=None if conversation else participant
                )
            except XHttpError as exc:
                raise _dm_error(exc) from None
            conversation = created.dm_conversation_id  # later parts go into the conversation the first one opened
            sent.append(created.dm_event_id)
        del self._posted_parts[message.idempotency_key]
        assert conversation is not None
        return sent, conversation

    # ---- guard capabilities --------------------------------------------------------------------------------------

    async def hide_public(self, ref: MessageRef) -> None:
        """Hide a reply under one of our tweets (X lets only the conversation's owner hide replies)."""
        tweet_id = strip_prefix(ref.provider_id, TWEET_PREFIX)
        if tweet_id is None:
            raise NotSupported(f"X can only hide tweets, not {ref.provider_id.split(':')[0]} messages")
        if strip_prefix(ref.thread_key, TWEET_PREFIX) == tweet_id:
            raise NotSupported("X cannot hide a customer's own top-level tweet, only replies to our tweets")
        try:
            hidden = await self._api.hide_reply(tweet_id)
        except XHttpError as exc:
            if exc.status == 404:
                return  # deleted already: nothing left in public
            if exc.status in (400, 403):
                raise NotSupported(f"X refused to hide tweet {tweet_id}: {exc.problem.describe()}") from None
            raise exc.to_connector_error("X hide reply") from None
        if not hidden:
            raise NotSupported(f"X did not hide tweet {tweet_id}")

    def private_link(self, token: str) -> str | None:
        if self._user_id is None:
            return None
        return f"{COMPOSE_URL}?{urlencode({'recipient_id': self._user_id, 'text': f'ref:{token}'})}"


def _reply_target(message: OutboundMessage) -> str | None:
    """The tweet to answer: the latest customer tweet, else the thread's root tweet."""
    for candidate in (message.in_reply_to, *reversed(message.references)):
        if candidate and (tweet_id := strip_prefix(candidate, TWEET_PREFIX)):
            return tweet_id
    return strip_prefix(message.thread_key, TWEET_PREFIX)


def _dm_error(exc: XHttpError) -> Exception:
    general = exc.to_connector_error("X send DM")
    if isinstance(general, AuthError) or exc.status not in (403, 404):
        return general
    if exc.status == 404:
        return RecipientUnreachable(f"X send DM: no such user or conversation: {exc.problem.describe()}")
    return PrivateChannelRefused(f"X refused the DM: {exc.problem.describe()}")


__all__ = ["TwitterConfig", "TwitterConnector", "dm_provider_id", "tweet_provider_id"]
