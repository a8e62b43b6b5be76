""""Test connection" for the connector form: try the settings' credentials once, without saving or starting
anything. Email: an IMAP login; Telegram: getMe; X: GET /2/users/me; in-app chat: nothing remote to reach.

The answer never repeats a secret: connector errors are secret-free by contract, any other failure is reported by
its type only, and every secret of the settings is scrubbed from the message once more besides.
"""
from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web
from pydantic import BaseModel, SecretStr

from inbox.api.access import access
from inbox.api.context import ctx, json_error, read_json, require_admin
from inbox.config import ConfigError, parse_connector

routes = web.RouteTableDef()
PROBE_TIMEOUT_SECONDS = 15.0


async def _email(config: Any) -> str:
    from connectors.email.imap_session import ImapSession

    session = ImapSession(config.imap)
    try:
        await asyncio.to_thread(session.connect)
    finally:
        await asyncio.to_thread(session.close)
    return f"IMAP login to {config.imap.host} as {config.imap.username} succeeded"


async def _telegram(config: Any) -> str:
    from telegram import Bot
    from telegram import error as tg

    from connectors.telegram.errors import classify

    token = config.token.get_secret_value()
    bot = Bot(token, base_url=f"{config.api_base}/bot", base_file_url=f"{config.api_base}/file/bot")
    try:
        await bot.initialize()  # getMe: only reads; no webhook is set or removed
    except tg.TelegramError as exc:
        raise classify(exc, token) from None
    finally:
        await bot.shutdown()
    return f"signed in as @{bot.username}"


async def _twitter(config: Any) -> str:
    from connectors.twitter.transport import XApi, XHttpError

    api = XApi(config)
    await api.open()
    try:
        me = await api.me()
    except XHttpError as exc:
        raise exc.to_connector_error("X GET /2/users/me") from None
    finally:
        await api.close()
    return f"signed in as user {me.id}" + (f" (@{me.username})" if me.username else "")


async def _webchat(config: Any) -> str:
    return "nothing to connect to: the in-app chat runs inside the inbox" + (
        "" if config.identity_secret else " (no identity_secret: only anonymous visitors can chat)")


PROBES = {"email": _email, "telegram": _telegram, "twitter": _twitter, "webchat": _webchat}


def _secrets(value: Any) -> list[str]:
    if isinstance(value, SecretStr):
        return [value.get_secret_value()] if value.get_secret_value() else []
    if isinstance(value, BaseModel):
        return [s for key in type(value).model_fields for s in _secrets(getattr(value, key))]
    return []


def _scrub(message: str, secrets: list[str]) -> str:
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= 4:
            message = message.replace(secret, "[secret]")
    return message[:500]


@routes.post("/api/v1/connectors/test")
@access("admin")
async def test_connector(request: web.Request) -> web.Response:
    """Body: the settings as for PUT /api/v1/connectors/{name} (type included). `name` of an existing connector
    fills in the secrets left blank, as a save would."""
    await require_admin(request)
    app = ctx(request)
    body = await read_json(request)
    name = body.pop("name", None)
    existing = app.supervisor.runtimes.get(name) if isinstance(name, str) else None
    from inbox.api.admin import _merge_secrets

    raw = _merge_secrets(body, existing.config if existing else None)
    try:
        config = parse_connector(name if isinstance(name, str) and name else "test", raw, "request")
    except ConfigError as e:
        return json_error(400, "invalid connector settings", problems=e.problems)
    probe = PROBES.get(config.type)
    if probe is None:
        return json_error(400, f"no connection test for type {config.type}")
    from connectors.base import ConnectorError

    try:
        message = await asyncio.wait_for(probe(config), PROBE_TIMEOUT_SECONDS)
    except TimeoutError:
        return web.json_response({"ok": False, "error": f"no answer within {PROBE_TIMEOUT_SECONDS:g} s"})
    except ConnectorError as e:
        return web.json_response({"ok": False, "kind": type(e).__name__, "error": _scrub(str(e), _secrets(config))})
    except Exception as e:  # noqa: BLE001 - any failure is an answer to show, by type only: it may quote a secret
        return web.json_response({"ok": False, "kind": type(e).__name__, "error": type(e).__name__})
    return web.json_response({"ok": True, "message": _scrub(message, _secrets(config))})
