"""The X API v2 calls this connector makes, through tweepy's AsyncClient, answered as typed models.

tweepy hard-codes https://api.twitter.com; its client only calls `.request()` and `.close()` on `client.session`,
so we hand it an aiohttp session whose middleware rewrites scheme/host/port to `api_base` (a local stand-in in
tests, a proxy in some deployments). OAuth 1.0a signatures are computed over the canonical host, as X expects.
"""
from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

import aiohttp
import tweepy
from pydantic import BaseModel, ValidationError
from tweepy.asynchronous import AsyncClient
from yarl import URL

from connectors.base import AuthError, PermanentError, TransientError
from connectors.twitter.config import TwitterConfig
from connectors.twitter.wire import (
    CreatedDM,
    CreatedDMAnswer,
    CreatedTweet,
    CreatedTweetAnswer,
    DMEventPage,
    HiddenAnswer,
    MeAnswer,
    TweetPage,
    XProblem,
    XUser,
)

log = logging.getLogger(__name__)

DM_EVENT_FIELDS = [
    "id", "event_type", "text", "sender_id", "dm_conversation_id", "created_at", "participant_ids",
    "attachments", "referenced_tweets",
]
# note_tweet: a post over 280 characters arrives truncated in `text`; the whole of it is only in note_tweet.text
# entities: t.co links' expanded URLs
TWEET_FIELDS = ["conversation_id", "created_at", "author_id", "in_reply_to_user_id", "referenced_tweets", "lang",
                "note_tweet", "entities"]
USER_FIELDS = ["name", "username", "protected"]
MEDIA_FIELDS = ["media_key", "type", "url", "preview_image_url", "width", "height", "alt_text", "variants"]
PAGE_SIZE = 100

Model = TypeVar("Model", bound=BaseModel)


class _NoRequestDump(logging.Filter):
    """tweepy logs every request's headers at DEBUG, Authorization included: never let that reach a log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Authorization" not in str(record.msg)


logging.getLogger("tweepy.asynchronous.client").addFilter(_NoRequestDump())


@dataclass(frozen=True, slots=True)
class RateHeaders:
    """x-rate-limit-* as sent with an answer; `reset` is epoch seconds."""

    limit: int | None = None
    remaining: int | None = None
    reset: float | None = None

    @classmethod
    def of(cls, headers: Mapping[str, str] | None) -> RateHeaders:
        found = headers or {}

        def number(name: str) -> int | None:
            try:
                return int(found.get(name, ""))
            except ValueError:
                return None

        reset = number("x-rate-limit-reset")
        return cls(number("x-rate-limit-limit"), number("x-rate-limit-remaining"), float(reset) if reset else None)


class XHttpError(Exception):
    """A non-2xx answer, before the caller decides what it means (a 403 is 'DMs closed' for a DM, not for hide)."""

    def __init__(self, status: int, problem: XProblem, rate: RateHeaders) -> None:
        super().__init__(f"HTTP {status}: {problem.describe()}")
        self.status = status
        self.problem = problem
        self.rate = rate

    def retry_after(self) -> float | None:
        if self.rate.reset is None:
            return None
        return max(1.0, self.rate.reset - time.time())

    def to_connector_error(self, what: str) -> Exception:
        """The general sorting; callers handle the statuses that mean something special for them first."""
        reason = f"{what}: HTTP {self.status}: {self.problem.describe()}"
        if self.status == 401:
            return AuthError(f"{what}: X refused the credentials (HTTP 401): {self.problem.describe()}")
        if self.status == 429:
            return TransientError(f"{what}: rate limited by X", retry_after=self.retry_after())
        if self.status >= 500 or self.status in (408, 409):
            return TransientError(reason)
        if self.status == 403 and _is_app_permission_problem(self.problem):
            return AuthError(reason)
        return PermanentError(reason)


def _is_app_permission_problem(problem: XProblem) -> bool:
    """403s that are about our app's access (not enrolled, wrong auth kind), not about the target."""
    kinds = (problem.type or "") + " " + " ".join(e.type or "" for e in problem.errors)
    return "client-forbidden" in kinds or "unsupported-authentication" in kinds


def rewrite_to(api_base: str) -> aiohttp.ClientMiddlewareType:
    """Client middleware sending every request to `api_base` (same path and query)."""
    base = URL(api_base)

    async def rewrite(request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType) -> aiohttp.ClientResponse:
        target = request.url.with_scheme(base.scheme).with_host(base.host or "").with_port(base.explicit_port)
        request.url = target
        request.headers["Host"] = target.host_port_subcomponent or target.host or ""
        return await handler(request)

    return rewrite


class XApi:
    """One account's X API session. Every method raises XHttpError for HTTP errors and TransientError when the
    API could not be reached or answered something unreadable."""

    def __init__(self, config: TwitterConfig) -> None:
        self._config = config
        self._client: AsyncClient | None = None
        self._session: aiohttp.ClientSession | None = None

    @property
    def mentions_use_user_auth(self) -> bool:
        return self._config.bearer_token is None

    async def open(self) -> None:
        if self._session is not None:
            return
        c = self._config
        self._session = aiohttp.ClientSession(
            middlewares=(rewrite_to(c.api_base),), timeout=aiohttp.ClientTimeout(total=c.request_timeout)
        )
        client = AsyncClient(
            bearer_token=c.bearer_token.get_secret_value() if c.bearer_token else None,
            consumer_key=c.consumer_key.get_secret_value(),
            consumer_secret=c.consumer_secret.get_secret_value(),
            access_token=c.access_token.get_secret_value(),
            access_token_secret=c.access_token_secret.get_secret_value(),
            return_type=aiohttp.ClientResponse,  # we read rate headers and parse bodies into our own models
            wait_on_rate_limit=False,  # the poller waits itself so it can report the next allowed time
        )
        client.session = self._session
        self._client = client

    async def close(self) -> None:
        session, self._session, self._client = self._session, None, None
        if session is not None:
            await session.close()

    # ---- calls ---------------------------------------------------------------------------------------------------

    async def me(self) -> XUser:
        answer, _ = await self._call(MeAnswer, lambda c: c.get_me(user_fields=USER_FIELDS))
        return answer.data

    async def dm_events(self, pagination_token: str | None) -> tuple[DMEventPage, RateHeaders]:
        return await self._call(
            DMEventPage,
            lambda c: c.get_direct_message_events(
                dm_event_fields=DM_EVENT_FIELDS, expansions=["sender_id", "attachments.media_keys"],
                user_fields=USER_FIELDS, media_fields=MEDIA_FIELDS,
                max_results=PAGE_SIZE, pagination_token=pagination_token,
            ),
        )

    async def mentions(
        self, user_id: str, *, since_id: str | None, start_time: datetime | None, pagination_token: str | None
    ) -> tuple[TweetPage, RateHeaders]:
        return await self._call(
            TweetPage,
            lambda c: c.get_users_mentions(
                user_id, user_auth=self.mentions_use_user_auth, since_id=since_id, start_time=start_time,
                tweet_fields=TWEET_FIELDS, expansions=["author_id"], user_fields=USER_FIELDS,
                max_results=PAGE_SIZE, pagination_token=pagination_token,
            ),
        )

    async def search_recent(
        self, query: str, *, since_id: str | None, next_token: str | None
    ) -> tuple[TweetPage, RateHeaders]:
        """GET /2/tweets/search/recent (the last 7 days); app-only auth when a bearer token is configured."""
        return await self._call(
            TweetPage,
            lambda c: c.search_recent_tweets(
                query, user_auth=self.mentions_use_user_auth, since_id=since_id, next_token=next_token,
                tweet_fields=TWEET_FIELDS, expansions=["author_id"], user_fields=USER_FIELDS, max_results=PAGE_SIZE,
            ),
        )

    async def create_tweet(self, text: str, in_reply_to_tweet_id: str | None) -> CreatedTweet:
        answer, _ = await self._call(
            CreatedTweetAnswer, lambda c: c.create_tweet(text=text, in_reply_to_tweet_id=in_reply_to_tweet_id)
        )
        return answer.data

    async def create_dm(
        self, text: str, *, dm_conversation_id: str | None = None, participant_id: str | None = None
    ) -> CreatedDM:
        answer, _ = await self._call(
            CreatedDMAnswer,
            lambda c: c.create_direct_message(
                dm_conversation_id=dm_conversation_id, participant_id=participant_id, text=text
            ),
        )
        return answer.data

    async def hide_reply(self, tweet_id: str) -> bool:
        answer, _ = await self._call(HiddenAnswer, lambda c: c.hide_reply(tweet_id))
        return answer.data.hidden

    # ---- plumbing ------------------------------------------------------------------------------------------------

    async def _call(
        self, model: type[Model], call: Callable[[AsyncClient], Awaitable[aiohttp.ClientResponse]]
    ) -> tuple[Model, RateHeaders]:
        if self._client is None:
            raise TransientError("X connector is not started")
        try:
            response = await call(self._client)
            # tweepy has read and released the response; text() serves the cached body (read() would refuse).
            body = await response.text(errors="replace")
        except tweepy.HTTPException as exc:
            raise await _http_error(exc.response) from None
        except aiohttp.ClientResponseError as exc:  # an error answer whose body was not JSON
            raise XHttpError(exc.status, XProblem(detail=exc.message or None), RateHeaders.of(exc.headers)) from None
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise TransientError(f"X API unreachable: {type(exc).__name__}: {exc}") from None
        rate = RateHeaders.of(response.headers)
        try:
            return model.model_validate_json(body), rate
        except ValidationError as exc:
            raise TransientError(
                f"X API answered {response.status} with an unreadable body ({exc.error_count()} problems)"
            ) from None


async def _http_error(response: aiohttp.ClientResponse) -> XHttpError:
    rate = RateHeaders.of(response.headers)
    try:
        problem = XProblem.model_validate(json.loads(await response.text(errors="replace")))
    except (ValueError, ValidationError, aiohttp.ClientError):
        problem = XProblem(detail=response.reason or None)
    return XHttpError(response.status, problem, rate)
