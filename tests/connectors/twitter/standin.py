"""A local X API v2 stand-in (aiohttp) speaking the real wire shapes, for the connector's tests.

What it checks like X does: OAuth 1.0a HMAC-SHA1 signatures (computed over the canonical https://api.twitter.com
URL, so a client pointed here by a host-rewriting session verifies), bearer tokens for app-only calls, field
selection (`dm_event.fields`, `tweet.fields`, `expansions`), pagination tokens, per-endpoint rate windows with
x-rate-limit-* headers, problem-shaped error bodies. Tests inject DM events and mentions, force statuses, and read
what the client sent.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import math
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from aiohttp import web
from oauthlib.oauth1.rfc5849 import signature as oauth_signature

from tests.connectors.twitter.xtext import tweet_weight

CANONICAL_BASE = "https://api.twitter.com"
OUR_ID = "1500000000000000001"
OUR_USERNAME = "walletsupport"
_PROBLEMS = "https://api.twitter.com/2/problems/"

JsonObject = dict[str, Any]  # wire bodies inside the test peer only
_RATE_HEADERS = web.RequestKey("rate_headers", dict)


@dataclass
class Credentials:
    consumer_key: str = "ck-test"
    consumer_secret: str = "cs-test"
    access_token: str = "at-test"
    access_token_secret: str = "ats-test"
    bearer_token: str = "bearer-test"


@dataclass
class SeenRequest:
    method: str
    path: str
    query: dict[str, str]
    auth: str  # "oauth1" | "bearer"
    body: JsonObject | None
    at: float = field(default_factory=time.time)


@dataclass
class Forced:
    status: int
    body: JsonObject
    reset_in: float
    remaining: int
    skip: int  # let this many calls through first


@dataclass
class XStandin:
    credentials: Credentials = field(default_factory=Credentials)
    # (requests, seconds) per endpoint, as X publishes them per user.
    windows: dict[str, tuple[int, float]] = field(
        default_factory=lambda: {
            # X's published windows: DM events 300 per user; mentions 180 per user, 450 per app (bearer token)
            "dm_events": (300, 900.0), "mentions": (180, 900.0), "mentions_app": (450, 900.0), "me": (75, 900.0),
            "create_tweet": (100, 900.0), "create_dm": (200, 900.0), "hide": (50, 900.0),
        }
    )
    users: dict[str, JsonObject] = field(default_factory=dict)
    dm_events: list[JsonObject] = field(default_factory=list)  # oldest first
    tweets: dict[str, JsonObject] = field(default_factory=dict)  # every tweet, ours included
    mention_ids: list[str] = field(default_factory=list)  # oldest first
    dms_closed: set[str] = field(default_factory=set)
    hidden_authors: set[str] = field(default_factory=set)  # deleted/protected: never in includes
    suspended_authors: set[str] = field(default_factory=set)  # with hidden_authors: answered "Forbidden"
    media: dict[str, JsonObject] = field(default_factory=dict)  # media_key -> X media object (includes.media)
    media_files: dict[str, bytes] = field(default_factory=dict)  # ton.twitter.com path -> bytes (DM media)
    requests: list[SeenRequest] = field(default_factory=list)
    sent_tweets: list[JsonObject] = field(default_factory=list)
    sent_dms: list[JsonObject] = field(default_factory=list)
    hidden: set[str] = field(default_factory=set)
    always_fields: set[str] = field(default_factory=set)  # pretend X started sending these unasked (new fields)
    empty_pages_first: int = 0  # answer this many list calls with an empty page that still has a next_token
    # As X does (seen in recorded traffic): the last page with data still carries a next_token, and the page it
    # points to is only {"meta": {"result_count": 0}}; every page with data, the first included, has a
    # previous_token. False: the idealised paging (no token on the last page, none on the first).
    real_paging: bool = True
    hidden_from_search: set[str] = field(default_factory=set)  # tweets recent search does not (yet) index
    search_queries: list[str] = field(default_factory=list)  # every recent-search query answered
    search_log: list[tuple[float, list[str]]] = field(default_factory=list)  # (answered at, tweet ids in the answer)

    def __post_init__(self) -> None:
        # Snowflakes like X's: milliseconds since X's epoch in the top bits, a sequence number below.
        self._ids = itertools.count(int(time.time() * 1000 - 1288834974657) << 22)
        self._forced: dict[str, list[Forced]] = {}
        self._calls: dict[str, list[float]] = {}
        self.users[OUR_ID] = {"id": OUR_ID, "name": "Wallet Support", "username": OUR_USERNAME}
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    # ---- lifecycle -----------------------------------------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application()
        app.router.add_get("/2/users/me", self._me)
        app.router.add_get("/2/dm_events", self._list_dm_events)
        app.router.add_get("/2/users/{id}/mentions", self._mentions)
        app.router.add_post("/2/tweets", self._create_tweet)
        app.router.add_post("/2/dm_conversations/with/{participant}/messages", self._dm_with)
        app.router.add_post("/2/dm_conversations/{conversation}/messages", self._dm_in_conversation)
        app.router.add_put("/2/tweets/{id}/hidden", self._hide)
        from tests.connectors.twitter.standin_search import install

        install(self, app)  # GET /2/tweets/search/recent (conversation watching)
        app.router.add_get("/1.1/ton/{path:.+}", self._ton)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # ---- what tests inject ---------------------------------------------------------------------------------------

    def next_id(self) -> str:
        return str(next(self._ids))

    def add_user(self, user_id: str, username: str, name: str | None = None) -> None:
        self.users[user_id] = {"id": user_id, "name": name or username, "username": username}

    def add_dm(self, text: str, sender_id: str, *, event_type: str = "MessageCreate", **extra: Any) -> JsonObject:
        low, high = sorted((sender_id, OUR_ID), key=lambda v: (len(v), v))
        event: JsonObject = {
            "id": self.next_id(), "event_type": event_type, "sender_id": sender_id,
            "dm_conversation_id": f"{low}-{high}", "created_at": _now_iso(), "participant_ids": [low, high],
        }
        if event_type == "MessageCreate":
            event["text"] = text
        event.update(extra)
        self.dm_events.append(event)
        return event

    def add_group_dm_event(
        self, conversation_id: str, event_type: str, participant_ids: list[str], *, sender_id: str | None = None,
        text: str | None = None,
    ) -> JsonObject:
        """An event of a group DM conversation (X's id for it is a plain number, not '<a>-<b>'). Join and leave
        events carry participant_ids; ParticipantsLeave has no sender_id (the X API's DM event object)."""
        event: JsonObject = {"id": self.next_id(), "event_type": event_type, "dm_conversation_id": conversation_id,
                             "created_at": _now_iso(), "participant_ids": participant_ids}
        if sender_id is not None and event_type != "ParticipantsLeave":
            event["sender_id"] = sender_id
        if event_type == "MessageCreate":
            event["text"] = text or ""
        self.dm_events.append(event)
        return event

    def add_mention(
        self, text: str, author_id: str, *, in_reply_to: str | None = None, **extra: Any
    ) -> JsonObject:
        tweet_id = self.next_id()
        parent = self.tweets.get(in_reply_to or "")
        tweet: JsonObject = {
            "id": tweet_id, "text": f"@{OUR_USERNAME} {text}" if not text.startswith("@") else text,
            "author_id": author_id, "created_at": _now_iso(), "lang": "en",
            "conversation_id": parent["conversation_id"] if parent else tweet_id,
            "edit_history_tweet_ids": [tweet_id],
        }
        if in_reply_to:
            tweet["referenced_tweets"] = [{"type": "replied_to", "id": in_reply_to}]
            tweet["in_reply_to_user_id"] = parent["author_id"] if parent else OUR_ID
        tweet.update(extra)
        self.tweets[tweet_id] = tweet
        self.mention_ids.append(tweet_id)
        return tweet

    def force(
        self, endpoint: str, status: int, *, times: int = 1, reset_in: float = 1.0, body: JsonObject | None = None,
        after: int = 0,
    ) -> None:
        """Answer `times` calls to `endpoint` with `status` once `after` calls went through (429: rate-limit
        headers with reset `reset_in` seconds ahead)."""
        body = body or _problem(status, {401: "Unauthorized", 429: "Too Many Requests"}.get(status, "Forced"))
        queue = self._forced.setdefault(endpoint, [])
        queue.extend(Forced(status, body, reset_in, 0, after if i == 0 else 0) for i in range(times))

    def calls_to(self, path_start: str) -> list[SeenRequest]:
        return [r for r in self.requests if r.path.startswith(path_start)]

    # ---- plumbing ------------------------------------------------------------------------------------------------

    async def _enter(self, request: web.Request, endpoint: str, *, user_only: bool) -> SeenRequest | web.Response:
        if request.host != self.base_url.removeprefix("http://"):  # a client still addressing api.twitter.com
            return _error(400, _problem(400, f"unexpected Host header {request.host!r}"))
        body = await request.json() if request.can_read_body else None
        auth = self._authenticate(request)
        if auth is None:
            return _error(401, _problem(401, "Unauthorized"))
        if user_only and auth != "oauth1":
            return _error(403, _problem(
                403, "Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.",
                kind="unsupported-authentication", title="Unsupported Authentication",
            ))
        seen = SeenRequest(request.method, request.path, dict(request.query), auth, body)
        self.requests.append(seen)
        # mentions read with the bearer token count in the app's bucket (450), with user auth in the user's (180)
        bucket = "mentions_app" if endpoint == "mentions" and auth == "bearer" else endpoint
        limit, window = self.windows[bucket]
        now = time.time()
        calls = [t for t in self._calls.get(bucket, []) if t > now - window]
        reset = int((calls[0] if calls else now) + window)
        forced = self._forced.get(endpoint)
        if forced and forced[0].skip > 0:
            forced[0].skip -= 1
        elif forced:
            f = forced.pop(0)
            headers = _rate_headers(limit, f.remaining, math.ceil(now + f.reset_in))
            return _error(f.status, f.body, headers)
        if len(calls) >= limit:
            return _error(429, _problem(429, "Too Many Requests"), _rate_headers(limit, 0, reset))
        calls.append(now)
        self._calls[bucket] = calls
        request[_RATE_HEADERS] = _rate_headers(limit, limit - len(calls), reset)
        return seen

    async def _ton(self, request: web.Request) -> web.Response:
        """DM media as X serves them: only to the account's OAuth 1.0a user context, signed for ton.twitter.com."""
        self.requests.append(SeenRequest(request.method, request.path, dict(request.query), None, None))
        if self._authenticate(request, canonical="https://ton.twitter.com") != "oauth1":
            return web.Response(status=401, text="Unauthorized")
        data = self.media_files.get(request.path)
        return web.Response(body=data, content_type="image/jpeg") if data is not None else web.Response(status=404)

    def _authenticate(self, request: web.Request, canonical: str = "") -> str | None:
        header = request.headers.get("Authorization", "")
        c = self.credentials
        if header.startswith("Bearer "):
            return "bearer" if header[len("Bearer "):] == c.bearer_token else None
        if not header.startswith("OAuth "):
            return None
        params = oauth_signature.collect_parameters(
            uri_query=request.rel_url.raw_query_string, headers={"Authorization": header},
            exclude_oauth_signature=True
        )
        given = dict(oauth_signature.collect_parameters(
            headers={"Authorization": header}, exclude_oauth_signature=False
        ))
        if given.get("oauth_consumer_key") != c.consumer_key or given.get("oauth_token") != c.access_token:
            return None
        base = oauth_signature.signature_base_string(
            request.method, oauth_signature.base_string_uri((canonical or CANONICAL_BASE) + request.path),
            oauth_signature.normalize_parameters(params),
        )
        expected = _hmac_sha1(base, c.consumer_secret, c.access_token_secret)
        return "oauth1" if oauth_signature.safe_string_equals(expected, given.get("oauth_signature", "")) else None

    def _page(self, items: list[JsonObject], token: str | None, max_results: int) -> tuple[list[JsonObject], str | None]:
        """Newest-first paging; the token is opaque to clients (here: the offset, hex-encoded)."""
        if self.empty_pages_first > 0:
            self.empty_pages_first -= 1
            return [], token or b"0".hex()
        start = int(bytes.fromhex(token).decode()) if token else 0
        chunk = items[start:start + max_results]
        more = start + max_results < len(items) or (self.real_paging and bool(chunk))
        return chunk, (str(start + max_results).encode().hex() if more else None)

    def _includes_users(self, ids: list[str], expansion: str = "ids") -> tuple[list[JsonObject], list[JsonObject]]:
        """Expanded users; the missing ones become partial errors that name the expansion and the section they
        are missing from, as X answers them (a suspended or protected author: "Forbidden"/not-authorized)."""
        found, errors = [], []
        for uid in dict.fromkeys(ids):
            if uid in self.users and uid not in self.hidden_authors:
                found.append(self.users[uid])
            elif uid in self.suspended_authors:
                errors.append({
                    "value": uid, "detail": f"User has been suspended: [{uid}].", "title": "Forbidden",
                    "resource_type": "user", "parameter": expansion, "resource_id": uid, "section": "includes",
                    "type": _PROBLEMS + "resource-not-found",
                })
            else:
                errors.append({
                    "value": uid, "detail": f"Could not find user with {expansion}: [{uid}].",
                    "title": "Not Found Error", "resource_type": "user", "parameter": expansion, "resource_id": uid,
                    "section": "includes", "type": _PROBLEMS + "resource-not-found",
                })
        return found, errors

    # ---- endpoints -----------------------------------------------------------------------------------------------

    async def _me(self, request: web.Request) -> web.Response:
        seen = await self._enter(request, "me", user_only=True)
        if isinstance(seen, web.Response):
            return seen
        return _ok(request, {"data": self.users[OUR_ID]})

    async def _list_dm_events(self, request: web.Request) -> web.Response:
        seen = await self._enter(request, "dm_events", user_only=True)
        if isinstance(seen, web.Response):
            return seen
        fields = {"id", "event_type", "text"} | _csv(seen.query.get("dm_event.fields")) | self.always_fields
        newest_first = list(reversed(self.dm_events))
        chunk, next_token = self._page(newest_first, seen.query.get("pagination_token"), _max(seen.query))
        data = [{k: v for k, v in e.items() if k in fields} for e in chunk]
        return _ok(request, self._list_body(data, chunk, next_token, "sender_id", seen.query))

    async def _mentions(self, request: web.Request) -> web.Response:
        seen = await self._enter(request, "mentions", user_only=False)
        if isinstance(seen, web.Response):
            return seen
        if request.match_info["id"] != OUR_ID:
            return _error(403, _problem(403, "You are not authorized to see this user's mentions."))
        since = seen.query.get("since_id")
        tweets = [self.tweets[i] for i in reversed(self.mention_ids)]
        if since:
            tweets = [t for t in tweets if (len(t["id"]), t["id"]) > (len(since), since)]
        if start := seen.query.get("start_time"):
            tweets = [t for t in tweets if t["created_at"] >= start.replace("Z", ".000Z")]
        fields = {"id", "text", "edit_history_tweet_ids"} | _csv(seen.query.get("tweet.fields")) | self.always_fields
        chunk, next_token = self._page(tweets, seen.query.get("pagination_token"), _max(seen.query))
        data = [{k: v for k, v in t.items() if k in fields} for t in chunk]
        body = self._list_body(data, chunk, next_token, "author_id", seen.query)
        if data:
            body["meta"].update(newest_id=data[0]["id"], oldest_id=data[-1]["id"])
        return _ok(request, body)

    def _list_body(
        self, data: list[JsonObject], chunk: list[JsonObject], next_token: str | None, expansion: str,
        query: dict[str, str],
    ) -> JsonObject:
        body: JsonObject = {"meta": {"result_count": len(data)}}
        if data:
            body["data"] = data
        if expansion in _csv(query.get("expansions")) and chunk:
            users, errors = self._includes_users([c[expansion] for c in chunk if expansion in c], expansion)
            if users:
                body["includes"] = {"users": users}
            if errors:
                body["errors"] = errors
        keys = [k for c in chunk for k in (c.get("attachments") or {}).get("media_keys", ())]
        if "attachments.media_keys" in _csv(query.get("expansions")) and keys:
            # Like X: media_key and type always; the rest only when asked for in media.fields.
            wanted = {"media_key", "type"} | _csv(query.get("media.fields"))
            found = [{k: v for k, v in self.media[key].items() if k in wanted} for key in dict.fromkeys(keys)
                     if key in self.media]
            body.setdefault("includes", {})["media"] = found
        if next_token:
            body["meta"]["next_token"] = next_token
        if self.real_paging:
            if data:  # its own previous_token, the first page's too (it points at newer results)
                body["meta"]["previous_token"] = ("p" + (query.get("pagination_token") or "0")).encode().hex()
        elif query.get("pagination_token"):
            body["meta"]["previous_token"] = query["pagination_token"]
        return body

    async def _create_tweet(self, request: web.Request) -> web.Response:
        seen = await self._enter(request, "create_tweet", user_only=True)
        if isinstance(seen, web.Response):
            return seen
        payload = seen.body or {}
        text = payload.get("text", "")
        if not text or tweet_weight(text) > 280:
            return _error(400, {"errors": [{"message": "Your Tweet text is too long or empty."}],
                                "title": "Invalid Request", "detail": "One or more parameters to your request was invalid.",
                                "type": _PROBLEMS + "invalid-request"})
        parent_id = (payload.get("reply") or {}).get("in_reply_to_tweet_id")
        if parent_id and parent_id not in self.tweets:
            return _error(403, _problem(403, "You attempted to reply to a Tweet that is deleted or not visible to you."))
        if any(t["text"] == text for t in self.sent_tweets):
            return _error(403, _problem(403, "You are not allowed to create a Tweet with duplicate content."))
        tweet_id = self.next_id()
        parent = self.tweets.get(parent_id or "")
        self.tweets[tweet_id] = {
            "id": tweet_id, "text": text, "author_id": OUR_ID, "created_at": _now_iso(),
            "conversation_id": parent["conversation_id"] if parent else tweet_id, "edit_history_tweet_ids": [tweet_id],
        }
        self.sent_tweets.append({"id": tweet_id, "text": text, "in_reply_to": parent_id})
        return _ok(request, {"data": {"id": tweet_id, "text": text, "edit_history_tweet_ids": [tweet_id]}}, 201)

    async def _dm_with(self, request: web.Request) -> web.Response:
        seen = await self._enter(request, "create_dm", user_only=True)
        if isinstance(seen, web.Response):
            return seen
        participant = request.match_info["participant"]
        if participant not in self.users:
            return _error(404, _problem(404, f"Could not find user with id: [{participant}].",
                                        kind="resource-not-found", title="Not Found Error"))
        if participant in self.dms_closed:
            return _error(403, _problem(403, "You are not permitted to send Direct Messages to this user.",
                                        kind="not-authorized-for-resource", title="Forbidden"))
        low, high = sorted((participant, OUR_ID), key=lambda v: (len(v), v))
        return self._store_dm(request, f"{low}-{high}", seen.body or {})

    async def _dm_in_conversation(self, request: web.Request) -> web.Response:
        seen = await self._enter(request, "create_dm", user_only=True)
        if isinstance(seen, web.Response):
            return seen
        conversation = request.match_info["conversation"]
        if OUR_ID not in conversation.split("-"):
            return _error(403, _problem(403, "You are not a participant in this conversation.",
                                        kind="not-authorized-for-resource"))
        return self._store_dm(request, conversation, seen.body or {})

    def _store_dm(self, request: web.Request, conversation: str, payload: JsonObject) -> web.Response:
        text = payload.get("text")
        if not text or len(text) > 10_000:
            return _error(400, _problem(400, "text must be 1 to 10000 characters", kind="invalid-request"))
        event = {"id": self.next_id(), "event_type": "MessageCreate", "text": text, "sender_id": OUR_ID,
                 "dm_conversation_id": conversation, "created_at": _now_iso(),
                 "participant_ids": conversation.split("-")}
        self.dm_events.append(event)  # like X: our own DMs show up in /2/dm_events too
        self.sent_dms.append({"id": event["id"], "text": text, "dm_conversation_id": conversation})
        return _ok(request, {"data": {"dm_conversation_id": conversation, "dm_event_id": event["id"]}}, 201)

    async def _hide(self, request: web.Request) -> web.Response:
        seen = await self._enter(request, "hide", user_only=True)
        if isinstance(seen, web.Response):
            return seen
        tweet = self.tweets.get(request.match_info["id"])
        if tweet is None:
            return _error(404, _problem(404, "Could not find tweet.", kind="resource-not-found"))
        root = self.tweets.get(tweet["conversation_id"])
        if root is None or root["author_id"] != OUR_ID or tweet["id"] == root["id"]:
            return _error(403, _problem(403, "You cannot hide or unhide replies to conversations you do not own."))
        if (seen.body or {}).get("hidden"):
            self.hidden.add(tweet["id"])
        return _ok(request, {"data": {"hidden": tweet["id"] in self.hidden}})


def _hmac_sha1(base_string: str, consumer_secret: str, token_secret: str) -> str:
    """RFC 5849 section 3.4.2: key is the two percent-encoded secrets joined by '&'."""
    key = f"{quote(consumer_secret, safe='~')}&{quote(token_secret, safe='~')}"
    digest = hmac.new(key.encode(), base_string.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())


def _csv(value: str | None) -> set[str]:
    return {v for v in (value or "").split(",") if v}


def _max(query: dict[str, str]) -> int:
    return max(1, min(100, int(query.get("max_results", "100"))))


def _problem(status: int, detail: str, *, kind: str | None = None, title: str | None = None) -> JsonObject:
    titles = {400: "Invalid Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found Error",
              429: "Too Many Requests", 503: "Service Unavailable"}
    return {"detail": detail, "type": _PROBLEMS + kind if kind else "about:blank",
            "title": title or titles.get(status, "Error"), "status": status}


def _rate_headers(limit: int, remaining: int, reset: int) -> dict[str, str]:
    return {"x-rate-limit-limit": str(limit), "x-rate-limit-remaining": str(max(0, remaining)),
            "x-rate-limit-reset": str(reset)}


def _ok(request: web.Request, body: JsonObject, status: int = 200) -> web.Response:
    return web.Response(status=status, text=json.dumps(body), content_type="application/json",
                        headers=request.get(_RATE_HEADERS, {}))


def _error(status: int, body: JsonObject, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(status=status, text=json.dumps(body), content_type="application/problem+json"
                        if "detail" in body else "application/json", headers=headers or {})
