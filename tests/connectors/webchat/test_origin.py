"""The Origin check of the chat socket and visitor endpoint: a foreign page gets 403 before the upgrade; the
server's own pages, configured origins and clients that send no Origin (the native app) get in."""
from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest
from pydantic import ValidationError
from yarl import URL

from connectors.webchat import WebchatConfig
from connectors.webchat.admission import normalize_origin
from connectors.webchat.identity import user_hash
from inbox.config import ServerSettings
from tests.connectors.webchat.serving import SECRET, Chat, serving
from tests.inbox.appserver import running, settings_for

WALLET = "https://wallet.example.com"


def _alice(chat: Chat) -> URL:
    return URL(chat.url()).with_query(user_id="alice", user_hash=user_hash(SECRET, "alice"))


async def _opens(chat: Chat, origin: str | None) -> bool:
    headers = {} if origin is None else {"Origin": origin}
    try:
        async with chat.http.ws_connect(_alice(chat), headers=headers) as ws:
            return (await ws.receive_json(timeout=5))["type"] == "history"
    except aiohttp.WSServerHandshakeError as e:
        assert e.status == 403, e.status
        return False


async def test_no_origin_is_a_native_client_and_is_allowed() -> None:
    async with serving() as chat:
        assert await _opens(chat, None)


@pytest.mark.parametrize("origin", ["https://evil.example", "null", "http://127.0.0.2", WALLET,
                                    "https://wallet.example.com.evil.net", "file://", "garbage", "é"])
async def test_a_foreign_browser_origin_is_403_before_upgrade(origin: str) -> None:
    async with serving() as chat:
        assert not await _opens(chat, origin)
        async with chat.http.post(chat.url("/chat/v1/visitor"), headers={"Origin": origin}) as r:
            assert r.status == 403
        assert chat.host.messages == []


async def test_the_servers_own_origin_is_allowed() -> None:
    """The browser addressed this server: its own pages (/chat/demo) open the chat with no configuration."""
    async with serving() as chat:
        own = str(chat.server.make_url("")).rstrip("/")
        assert await _opens(chat, own)
        assert not await _opens(chat, f"http://127.0.0.1:{chat.server.port + 1}")  # another port is another origin


async def test_configured_origins_are_allowed_exactly() -> None:
    async with serving(allowed_origins=[WALLET, "http://localhost:3000"]) as chat:
        assert await _opens(chat, WALLET)
        assert await _opens(chat, "https://WALLET.example.com:443")  # the same origin, spelled otherwise
        assert await _opens(chat, "http://localhost:3000")
        assert not await _opens(chat, "http://wallet.example.com")  # scheme matters
        assert not await _opens(chat, "https://wallet.example.com:8443")
        assert not await _opens(chat, "https://app.wallet.example.com")
        assert not await _opens(chat, "http://localhost:3001")


async def test_the_public_url_origin_is_allowed() -> None:
    async with serving(public_url="https://support.example.com/inbox") as chat:
        assert await _opens(chat, "https://support.example.com")
        assert not await _opens(chat, "https://example.com")


def test_config_accepts_lists_or_comma_separated_text_and_refuses_non_origins() -> None:
    config = WebchatConfig(allowed_origins="https://a.example/, HTTP://B.example:8080", trusted_proxies="10.0.0.0/8, ::1")
    assert config.allowed_origins == ["https://a.example", "http://b.example:8080"]
    assert [str(n) for n in config.trusted_proxies] == ["10.0.0.0/8", "::1/128"]
    for bad in ("https://a.example/chat", "wallet.example.com", "ftp://a.example", "*"):
        with pytest.raises(ValidationError):
            WebchatConfig(allowed_origins=[bad])
    with pytest.raises(ValidationError):
        WebchatConfig(trusted_proxies=["proxy.local"])
    assert normalize_origin("https://[::1]:8443") == "https://[::1]:8443"


async def test_the_real_app_allows_its_public_url_and_refuses_others(tmp_path: Path) -> None:
    settings = settings_for(f"sqlite+aiosqlite:///{tmp_path}/inbox.db",
                            server=ServerSettings(public_url="https://support.example.com"))
    async with running(settings) as (server, http):
        url = f"/chat/v1/ws?user_id=alice&user_hash={user_hash('app-secret', 'alice')}"
        for origin, allowed in (("https://support.example.com", True), (str(server.make_url("")).rstrip("/"), True),
                                ("https://evil.example", False)):
            try:
                async with http.ws_connect(url, headers={"Origin": origin}) as ws:
                    assert (await ws.receive_json(timeout=10))["type"] == "history"
                    opened = True
            except aiohttp.WSServerHandshakeError as e:
                assert e.status == 403
                opened = False
            assert opened is allowed, origin


def test_the_commented_chat_keys_of_the_example_config_are_valid() -> None:
    """config/inbox.example.yaml documents the chat's origin, proxy and limit keys commented out: uncommented, they
    must parse to what the comments say."""
    import re

    from inbox.config import parse_settings

    example = Path(__file__).resolve().parents[3] / "config" / "inbox.example.yaml"
    text = example.read_text(encoding="utf-8")
    start = text.index("  app-chat:")
    end = text.index("\n\n", start)
    block = re.sub(r"(?m)^    # (allowed_origins|trusted_proxies|limits|max_)", r"    \1", text[start:end])
    block = re.sub(r"(?m)^    #   ", "      ", block)
    settings = parse_settings("connectors:\n" + block + "\n", "example", {"CHAT_IDENTITY_SECRET": "s" * 32})
    chat = settings.connectors[0].config
    assert chat.allowed_origins == [WALLET]
    assert [str(n) for n in chat.trusted_proxies] == ["127.0.0.1/32", "10.0.0.0/8"]
    assert chat.limits == type(chat.limits)()  # the documented values are the defaults
    assert (chat.max_frame_bytes, chat.max_text_chars) == (65536, 10000)
