"""GET /2/tweets/search/recent for the X stand-in, as X answers it for `conversation_id:` queries.

Shapes and quirks from X's API reference for recent search (docs.x.com, "Search Posts: recent"):
- `query` is at most 512 characters; `conversation_id:ID` terms may be joined with `OR` (and grouped in brackets);
- `max_results` 10..100 (default 10): anything else is a 400 `invalid-request` naming the parameter;
- newest first; `since_id` excludes it and everything older; pagination by `next_token` (not `pagination_token`);
- only the last 7 days are searchable;
- `meta` carries `newest_id`, `oldest_id`, `result_count` and `next_token`; an empty answer is just
  `{"meta": {"result_count": 0}}`;
- rate limits per 15 minutes: 450 requests with app-only auth (bearer), 180 per user with user auth.
- t.co: links in `text` are t.co-wrapped; `entities.urls` carries `url`, `expanded_url`, `display_url`, `start`,
  `end` (returned when `tweet.fields` asks for `entities`).
"""
from __future__ import annotations

import re
import secrets
import time
from typing import Any

from aiohttp import web

from tests.connectors.twitter import standin as base

SEARCH_WINDOWS = {"search_app": (450, 900.0), "search_user": (180, 900.0)}
_TERM = re.compile(r"^conversation_id:(\d{1,19})$")
_SEVEN_DAYS = 7 * 24 * 3600


def install(peer: base.XStandin, app: web.Application) -> None:
    """Add the endpoint (called from XStandin.start)."""
    for name, window in SEARCH_WINDOWS.items():
        peer.windows.setdefault(name, window)
    async def handler(request: web.Request) -> web.Response:
        return await search_recent(peer, request)

    app.router.add_get("/2/tweets/search/recent", handler)


def add_reply(peer: base.XStandin, text: str, author_id: str, in_reply_to: str,
              links: dict[str, str] | None = None, **extra: Any) -> base.JsonObject:
    """A reply in someone's thread that does not mention us (so only a conversation search finds it).
    `links`: expanded URL -> placeholder in `text`; each is posted as a t.co link with its entity, as X does."""
    parent = peer.tweets[in_reply_to]
    tweet_id = peer.next_id()
    parent_author = peer.users.get(parent["author_id"], {}).get("username", "someone")
    body = f"@{parent_author} {text}"
    urls = []
    for expanded, placeholder in (links or {}).items():
        short = f"https://t.co/{secrets.token_urlsafe(7)[:10]}"
        start = body.index(placeholder)
        body = body.replace(placeholder, short, 1)
        urls.append({"start": start, "end": start + len(short), "url": short, "expanded_url": expanded,
                     "display_url": expanded.split("://", 1)[-1][:26]})
    tweet: base.JsonObject = {
        "id": tweet_id, "text": body, "author_id": author_id, "created_at": base._now_iso(), "lang": "en",
        "conversation_id": parent["conversation_id"], "edit_history_tweet_ids": [tweet_id],
        "referenced_tweets": [{"type": "replied_to", "id": in_reply_to}],
        "in_reply_to_user_id": parent["author_id"],
    }
    if urls:
        tweet["entities"] = {"urls": urls}
    tweet.update(extra)
    peer.tweets[tweet_id] = tweet
    return tweet


def _invalid(parameter: str, value: str, message: str) -> web.Response:
    return base._error(400, {
        "errors": [{"parameters": {parameter: [value]}, "message": message}],
        "title": "Invalid Request", "detail": "One or more parameters to your request was invalid.",
        "type": base._PROBLEMS + "invalid-request",
    })


async def search_recent(peer: base.XStandin, request: web.Request) -> web.Response:
    bucket = "search_app" if request.headers.get("Authorization", "").startswith("Bearer ") else "search_user"
    seen = await peer._enter(request, bucket, user_only=False)
    if isinstance(seen, web.Response):
        return seen
    query = seen.query.get("query", "")
    if not query or len(query) > 512:
        return _invalid("query", query[:50], "The `query` parameter value must be 1 to 512 characters long")
    terms = [t for t in re.split(r"\s+OR\s+", query.strip().strip("()")) if t]
    conversations = set()
    for term in terms:
        match = _TERM.match(term.strip("() "))
        if match is None:
            return _invalid("query", query[:50], f"There were errors processing your request: unsupported term {term[:30]}")
        conversations.add(match.group(1))
    raw_max = seen.query.get("max_results", "10")
    if not raw_max.isdigit() or not 10 <= int(raw_max) <= 100:
        return _invalid("max_results", raw_max, f"The `max_results` query parameter value [{raw_max}] is not between "
                                                "10 and 100")
    since = seen.query.get("since_id")
    cutoff = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.time() - _SEVEN_DAYS))
    found = [t for t in peer.tweets.values() if t.get("conversation_id") in conversations
             and t["created_at"] >= cutoff and t["id"] not in peer.hidden_from_search
             and (since is None or (len(t["id"]), t["id"]) > (len(since), since))]
    found.sort(key=lambda t: (len(t["id"]), t["id"]), reverse=True)
    fields = {"id", "text", "edit_history_tweet_ids"} | base._csv(seen.query.get("tweet.fields")) | peer.always_fields
    token = seen.query.get("next_token")
    chunk, next_token = peer._page(found, token, int(raw_max))
    data = [{k: v for k, v in t.items() if k in fields} for t in chunk]
    body = peer._list_body(data, chunk, next_token, "author_id", {"expansions": seen.query.get("expansions", "")})
    if data:
        body["meta"].update(newest_id=data[0]["id"], oldest_id=data[-1]["id"])
    peer.search_queries.append(query)
    peer.search_log.append((time.time(), [t["id"] for t in data]))
    return base._ok(request, body)
