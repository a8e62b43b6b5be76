"""The receive side: DM events and mentions polled within X's rate windows, delivered with their cursors.

Cursors (in the host's checkpoint, stored in the same transaction as the messages):
- `dm_newest_id`: the newest DM event id seen. /2/dm_events has no since_id and pages newest-first, so each round
  walks pages until it reaches that id, then delivers everything new oldest-first in one batch.
- `mentions_since_id`: the newest mention id seen, passed as since_id.
A round that fails part-way delivers nothing and keeps the old cursor, so the next round repeats it (ingest
dedupes on provider id): nothing is lost, at worst something is fetched twice.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TypeVar

from connectors.base import AuthError, ConnectorHost, TransientError
from connectors.twitter.config import TwitterConfig
from connectors.twitter.media import MediaFetcher
from connectors.twitter.normalize import dm_to_inbound, media_by_key, tweet_to_inbound, users_by_id
from connectors.twitter.pacing import CallPacer
from connectors.twitter.transport import RateHeaders, XApi, XHttpError
from connectors.twitter.urls import expand_links
from connectors.twitter.watch import ConversationWatch
from connectors.twitter.wire import XDMEvent, XMedia, XTweet, XUser, id_newer, snowflake_time
from inbox.domain import InboundMessage

log = logging.getLogger(__name__)

DM_CURSOR = "dm_newest_id"
MENTIONS_CURSOR = "mentions_since_id"
MAX_PAGES_PER_ROUND = 100  # a stuck next_token must not loop forever
MAX_BACKOFF = 300.0
DM_RECHECK_SECONDS = 3600.0  # DM reading refused (the app lacks DM access): mentions go on, DMs are tried hourly


class ReadForbidden(AuthError):
    """X answered 403 to reading an endpoint: the app's access level, not a blip."""

Page = TypeVar("Page")


class XPoller:
    def __init__(
        self, name: str, config: TwitterConfig, api: XApi, host: ConnectorHost, own_user_id: Callable[[], str]
    ) -> None:
        self._name = name
        self._config = config
        self._api = api
        self._host = host
        self._own_user_id = own_user_id
        self.dm_pacer = CallPacer(config.dm_events_rate)
        self.media = MediaFetcher(config)
        self.mentions_pacer = CallPacer(config.mentions_window)
        self._checkpoint: dict[str, str] = {}
        self.dms_paused_until: float | None = None
        self.watch = ConversationWatch(name, config, api, host, own_user_id)

    async def run(self) -> None:
        self._checkpoint = dict(await self._host.load_checkpoint())
        self.watch.load(self._checkpoint)
        failures = 0
        while True:
            try:
                await self.poll_once()
            except TransientError as exc:
                failures += 1
                delay = exc.retry_after or min(MAX_BACKOFF, self._config.poll_interval * 2 ** min(failures, 8))
                self._host.report_problem(f"X poll failed, retrying in {delay:.0f}s: {exc}")
                await asyncio.sleep(delay)
                continue
            failures = 0
            next_round = max([time.time() + self._config.poll_interval, *self._next_allowed()])
            self._host.mark_synced(next_allowed_at=datetime.fromtimestamp(next_round, tz=UTC))
            await asyncio.sleep(max(0.0, next_round - time.time()))

    def _next_allowed(self) -> list[float]:
        dms = self._config.poll_dms and self.dms_paused_until is None
        pacers = [(dms, self.dm_pacer), (self._config.poll_mentions, self.mentions_pacer)]
        return [pacer.next_allowed() for enabled, pacer in pacers if enabled]

    async def poll_once(self) -> None:
        if self._config.poll_dms and (self.dms_paused_until is None or time.time() >= self.dms_paused_until):
            try:
                await self._poll_dms()
            except ReadForbidden as exc:
                if not self._config.poll_mentions:
                    raise
                # Many X apps may read mentions but not DMs: keep the public side working, say so, look again later.
                self.dms_paused_until = time.time() + DM_RECHECK_SECONDS
                self._host.report_problem(
                    f"{exc}; mentions are still read, DMs are tried again in {DM_RECHECK_SECONDS / 60:.0f} min")
            else:
                if self.dms_paused_until is not None:
                    self.dms_paused_until = None
                    self._host.report_problem("X DM reading works again")
        if self._config.poll_mentions:
            await self._poll_mentions()
        await self.watch.poll(self._deliver_updates)

    # ---- DMs ---------------------------------------------------------------------------------------------------

    async def _poll_dms(self) -> None:
        cursor = self._checkpoint.get(DM_CURSOR)
        cutoff = self._backlog_cutoff() if cursor is None else None
        fresh: list[XDMEvent] = []
        users: dict[str, XUser] = {}
        media: dict[str, XMedia] = {}
        newest = cursor
        token: str | None = None
        for _ in range(MAX_PAGES_PER_ROUND):
            page, _rate = await self._paced(self.dm_pacer, partial(self._api.dm_events, token))
            users.update(users_by_id(page.includes))
            media.update(media_by_key(page.includes))
            reached_old = False
            for event in page.data:
                if id_newer(event.id, newest):
                    newest = event.id
                if not id_newer(event.id, cursor) or (cutoff and _event_time(event) < cutoff):
                    reached_old = True  # newest-first: everything after this was seen before
                    continue
                fresh.append(event)
            token = page.meta.next_token
            if reached_old or not token:
                break
        else:
            self._host.report_problem(f"X DM events: stopped after {MAX_PAGES_PER_ROUND} pages; older ones skipped")
        own = self._own_user_id()
        messages = [
            m for e in sorted(fresh, key=_id_order)
            if (m := dm_to_inbound(e, users, connector=self._name, own_user_id=own, media=media)) is not None
        ]
        messages = [await self.media.with_media(m, media) for m in messages]
        await self._deliver(messages, DM_CURSOR, newest, cursor)

    # ---- mentions ------------------------------------------------------------------------------------------------

    async def _poll_mentions(self) -> None:
        since = self._checkpoint.get(MENTIONS_CURSOR)
        start_time = self._backlog_cutoff() if since is None else None
        fresh: dict[str, XTweet] = {}
        users: dict[str, XUser] = {}
        newest = since
        token: str | None = None
        own = self._own_user_id()
        for _ in range(MAX_PAGES_PER_ROUND):
            page, _rate = await self._paced(
                self.mentions_pacer,
                partial(self._api.mentions, own, since_id=since, start_time=start_time, pagination_token=token),
            )
            users.update(users_by_id(page.includes))
            for tweet in page.data:
                if id_newer(tweet.id, since):  # since_id is the API's job; a sloppy answer must not go backwards
                    fresh[tweet.id] = tweet
                    if id_newer(tweet.id, newest):
                        newest = tweet.id
            token = page.meta.next_token
            if not token:
                break
        else:
            self._host.report_problem(f"X mentions: stopped after {MAX_PAGES_PER_ROUND} pages; older ones skipped")
        messages = [
            m for t in sorted(fresh.values(), key=_id_order)
            if (m := tweet_to_inbound(expand_links(t), users, connector=self._name, own_user_id=own)) is not None
        ]
        for t in fresh.values():  # a customer brought us into this thread: watch its replies
            self.watch.watch(t.conversation_id)
        await self._deliver(messages, MENTIONS_CURSOR, newest, since)

    # ---- shared --------------------------------------------------------------------------------------------------

    async def _deliver(self, messages: list[InboundMessage], key: str, newest: str | None, old: str | None) -> None:
        if newest is None or newest == old:
            if messages:  # cannot happen with a sane cursor, but never drop messages
                await self._host.deliver(messages)
            return
        checkpoint = {**self._checkpoint, **self.watch.take_updates(), key: newest}
        await self._host.deliver(messages, checkpoint=checkpoint)
        self._checkpoint = checkpoint

    async def _deliver_updates(self, messages: list[InboundMessage], updates: dict[str, str]) -> None:
        """The thread watch's delivery: its messages with its cursors, the others' kept as they are."""
        checkpoint = {**self._checkpoint, **updates}
        await self._host.deliver(messages, checkpoint=checkpoint)
        self._checkpoint = checkpoint

    def _backlog_cutoff(self) -> datetime:
        return datetime.now(UTC) - timedelta(days=self._config.backlog_days)

    async def _paced(
        self, pacer: CallPacer, call: Callable[[], Awaitable[tuple[Page, RateHeaders]]]
    ) -> tuple[Page, RateHeaders]:
        """One call inside the endpoint's window; a 429 waits for X's reset and tries the same call again."""
        while True:
            await asyncio.sleep(pacer.wait_seconds())
            pacer.record_call()
            try:
                page, rate = await call()
            except XHttpError as exc:
                if exc.status == 429:
                    reset = exc.rate.reset or time.time() + self._config.poll_interval
                    pacer.block_until(reset)
                    self._host.report_problem(
                        f"X rate limit reached; waiting until {datetime.fromtimestamp(reset, tz=UTC):%H:%M:%S}Z"
                    )
                    continue
                if exc.status == 403:  # reading our own DMs/mentions forbidden: the app's access, not a blip
                    raise ReadForbidden(f"X refused to let this account read: {exc.problem.describe()}") from None
                raise exc.to_connector_error("X poll") from None
            pacer.observe(rate)
            return page, rate


def _id_order(item: XDMEvent | XTweet) -> tuple[int, str]:
    return len(item.id), item.id


def _event_time(event: XDMEvent) -> datetime:
    return event.created_at if event.created_at and event.created_at.tzinfo else snowflake_time(event.id)
