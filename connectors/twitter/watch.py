"""Watching the public threads we are in: replies in their conversations, found by recent search.

Scam bots answer a customer's complaint within seconds, and their replies do not mention us, so the mentions
timeline never shows them. For every public conversation we are in (a customer mentioned us in it, or we replied
in it) this asks GET /2/tweets/search/recent for `conversation_id:ID` terms, OR-ed together up to X's 512-character
query limit, and delivers what it finds like mentions (ingest dedupes what the mentions poll already delivered).
What to make of a reply is the pipeline's business; this only translates.

Scheduling: the most recently active conversations first; a conversation is watched for `watch_hours` after its
last activity (recent search reaches back 7 days anyway), at most `watch_max` at once. Calls are paced inside the
search window (450 per 15 min with app-only auth, 180 per user) and never block the DM and mention polls: when the
window is spent, the watch waits for the next round. Cursors (`watch:<conversation id>` = "<since id>|<active
epoch>") travel in the connector's checkpoint, stored with the messages they led to.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from connectors.base import ConnectorHost
from connectors.twitter.config import TwitterConfig
from connectors.twitter.normalize import tweet_to_inbound, users_by_id
from connectors.twitter.pacing import CallPacer
from connectors.twitter.transport import XApi, XHttpError
from connectors.twitter.urls import expand_links
from connectors.twitter.wire import XTweet, XUser, id_newer
from inbox.domain import InboundMessage

log = logging.getLogger(__name__)

WATCH_PREFIX = "watch:"
QUERY_LIMIT = 512  # characters, X's limit for recent search queries (non-academic access)
MAX_PAGES = 10
FORBIDDEN_RECHECK_SECONDS = 3600.0

Deliver = Callable[[list[InboundMessage], dict[str, str]], Awaitable[None]]


@dataclass(slots=True)
class Watched:
    conversation_id: str
    since_id: str | None
    active_at: float

    def encode(self) -> str:
        return f"{self.since_id or ''}|{self.active_at:.0f}"


class ConversationWatch:
    def __init__(self, name: str, config: TwitterConfig, api: XApi, host: ConnectorHost,
                 own_user_id: Callable[[], str], clock: Callable[[], float] = time.time) -> None:
        self._name = name
        self._config = config
        self._api = api
        self._host = host
        self._own_user_id = own_user_id
        self._clock = clock
        self.pacer = CallPacer(config.search_window(), clock)
        self.watched: dict[str, Watched] = {}
        self._dirty: set[str] = set()
        self.paused_until: float | None = None

    # ---- what is watched -----------------------------------------------------------------------------------------

    def load(self, checkpoint: dict[str, str]) -> None:
        for key, value in checkpoint.items():
            if not key.startswith(WATCH_PREFIX) or not value:
                continue
            since, _, active = value.partition("|")
            try:
                self.watched[key[len(WATCH_PREFIX):]] = Watched(key[len(WATCH_PREFIX):], since or None, float(active))
            except ValueError:
                continue
        self._expire()

    def watch(self, conversation_id: str | None, since_id: str | None = None) -> None:
        """We are in this conversation now (a mention arrived, we replied): watch it from `since_id` on."""
        if not conversation_id or not conversation_id.isdigit() or not self._config.watch_conversations:
            return
        now = self._clock()
        found = self.watched.get(conversation_id)
        if found is None:
            # Everything in a conversation is newer than its root tweet, whose id is the conversation id.
            self.watched[conversation_id] = Watched(conversation_id, since_id or conversation_id, now)
        else:
            found.active_at = now
        self._dirty.add(conversation_id)
        self._expire()

    def take_updates(self) -> dict[str, str]:
        """Checkpoint entries changed since the last call (written with the next delivery)."""
        updates = {f"{WATCH_PREFIX}{c}": self.watched[c].encode() if c in self.watched else "" for c in self._dirty}
        self._dirty.clear()
        return updates

    def _expire(self) -> None:
        horizon = self._clock() - self._config.watch_hours * 3600
        for cid in [c for c, w in self.watched.items() if w.active_at < horizon]:
            del self.watched[cid]
            self._dirty.add(cid)
        if len(self.watched) > self._config.watch_max:
            for w in sorted(self.watched.values(), key=lambda w: w.active_at)[: len(self.watched) - self._config.watch_max]:
                del self.watched[w.conversation_id]
                self._dirty.add(w.conversation_id)

    def batches(self) -> list[list[Watched]]:
        """Conversations grouped into queries of at most QUERY_LIMIT characters, most recently active first."""
        out: list[list[Watched]] = []
        current: list[Watched] = []
        for w in sorted(self.watched.values(), key=lambda w: -w.active_at):
            if current and len(_query(current + [w])) > QUERY_LIMIT:
                out.append(current)
                current = []
            current.append(w)
        if current:
            out.append(current)
        return out

    # ---- one round -----------------------------------------------------------------------------------------------

    async def poll(self, deliver: Deliver) -> None:
        if not self._config.watch_conversations or not self.watched:
            return
        if self.paused_until is not None:
            if self._clock() < self.paused_until:
                return
            self.paused_until = None
        self._expire()
        for batch in self.batches():
            if self.pacer.wait_seconds() > 0:
                return  # the search window is spent: the rest waits for a later round, the other polls go on
            found = await self._search(batch)
            if found is None:
                return
            tweets, users = found
            own = self._own_user_id()
            fresh = sorted(tweets.values(), key=lambda t: (len(t.id), t.id))
            messages = [m for t in fresh
                        if (m := tweet_to_inbound(expand_links(t), users, connector=self._name, own_user_id=own))]
            newest = max((t.id for t in fresh), key=lambda i: (len(i), i), default=None)
            for w in batch:
                if newest is not None and id_newer(newest, w.since_id):
                    w.since_id = newest
                    self._dirty.add(w.conversation_id)
                if any(t.conversation_id == w.conversation_id for t in fresh):
                    w.active_at = self._clock()  # a busy thread stays watched
            updates = self.take_updates()
            if messages or updates:  # a quiet round writes nothing
                await deliver(messages, updates)

    async def _search(self, batch: list[Watched]) -> tuple[dict[str, XTweet], dict[str, XUser]] | None:
        query = _query(batch)
        since = min((w.since_id for w in batch if w.since_id), key=lambda i: (len(i), i), default=None)
        tweets: dict[str, XTweet] = {}
        users: dict[str, XUser] = {}
        token: str | None = None
        for _ in range(MAX_PAGES):
            self.pacer.record_call()
            try:
                page, rate = await self._api.search_recent(query, since_id=since, next_token=token)
            except XHttpError as exc:
                if exc.status == 429:
                    self.pacer.block_until(exc.rate.reset or self._clock() + self._config.poll_interval)
                    self._host.report_problem("X recent search rate limit reached; thread watching waits for the window")
                    return None
                if exc.status == 403:  # this app's access level has no recent search
                    self.paused_until = self._clock() + FORBIDDEN_RECHECK_SECONDS
                    self._host.report_problem(f"X refused recent search (thread watching paused 1 h): "
                                              f"{exc.problem.describe()}")
                    return None
                self._host.report_problem(f"X recent search failed: HTTP {exc.status}: {exc.problem.describe()}")
                return None
            self.pacer.observe(rate)
            users.update(users_by_id(page.includes))
            for t in page.data:
                if id_newer(t.id, since):
                    tweets[t.id] = t
            token = page.meta.next_token
            if not token or self.pacer.wait_seconds() > 0:
                break
        return tweets, users


def _query(batch: list[Watched]) -> str:
    return " OR ".join(f"conversation_id:{w.conversation_id}" for w in batch)
