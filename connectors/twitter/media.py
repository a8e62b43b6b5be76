"""DM media bytes, fetched when their DM arrives so the guard can read pictures and the inbox keeps them.

X serves DM media (ton.twitter.com) only to the account's own user context: the GET is signed with OAuth 1.0a like
the API calls (oauthlib, which tweepy already uses). Over the channel's limit a file is not fetched; a failed
download keeps the media key and says why on the attachment, and the DM is delivered regardless."""
from __future__ import annotations

import logging
from dataclasses import replace

import aiohttp
from oauthlib.oauth1 import Client as OAuthClient
from yarl import URL

from connectors.twitter.config import DEFAULT_API_BASE, TwitterConfig
from connectors.twitter.normalize import media_url
from connectors.twitter.transport import rewrite_to
from connectors.twitter.wire import XMedia
from inbox.attachments.limits import limit_for, refused
from inbox.domain import Attachment, Channel, InboundMessage

log = logging.getLogger(__name__)


class MediaFetcher:
    def __init__(self, config: TwitterConfig) -> None:
        self._config = config
        self._session: aiohttp.ClientSession | None = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            # Media hosts are not the API host: only a stand-in or proxy `api_base` receives them too.
            rewrite = () if self._config.api_base == DEFAULT_API_BASE else (rewrite_to(self._config.api_base),)
            self._session = aiohttp.ClientSession(middlewares=rewrite,
                                                  timeout=aiohttp.ClientTimeout(total=self._config.request_timeout))
        return self._session

    async def close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    async def fetch(self, url: str, limit: int) -> bytes | int:
        """The bytes, or the size when over `limit`. Raises on HTTP and network errors."""
        c = self._config
        signer = OAuthClient(c.consumer_key.get_secret_value(), c.consumer_secret.get_secret_value(),
                             c.access_token.get_secret_value(), c.access_token_secret.get_secret_value())
        signed, headers, _ = signer.sign(url, "GET")
        async with self._http().get(URL(signed, encoded=True), headers=headers) as response:
            response.raise_for_status()
            if response.content_length and response.content_length > limit:
                return response.content_length
            data = bytearray()
            async for chunk in response.content.iter_chunked(64 * 1024):
                data += chunk
                if len(data) > limit:
                    return len(data)
            return bytes(data)

    async def with_media(self, message: InboundMessage, media: dict[str, XMedia]) -> InboundMessage:
        if not any(a.provider_ref in media and a.content is None for a in message.attachments):
            return message
        limit = limit_for(Channel.TWITTER)
        return replace(message, attachments=tuple([await self._one(a, media, limit) for a in message.attachments]))

    async def _one(self, attachment: Attachment, media: dict[str, XMedia], limit: int) -> Attachment:
        item = media.get(attachment.provider_ref or "")
        url = media_url(item) if item is not None else None
        if url is None or attachment.content is not None:
            return attachment
        try:
            got = await self.fetch(url, limit)
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            log.warning("X media %s not downloaded: %s", attachment.provider_ref, type(error).__name__)
            return replace(attachment, note=f"{attachment.note}; not downloaded: {type(error).__name__}")
        if isinstance(got, int):
            return refused(attachment, got, limit)
        return replace(attachment, content=got, size=len(got))
