"""The Bot API's wire format as the stand-in speaks it: object shapes, parameter decoding, error bodies."""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from aiohttp import web

# Parameters Telegram reads as plain strings; every other form value is JSON (numbers, booleans, objects).
_TEXT_PARAMS = {"text", "caption", "url", "secret_token", "file_id", "parse_mode", "ip_address", "certificate"}


@dataclass(frozen=True)
class TgUser:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "en"
    is_bot: bool = False

    def to_api(self) -> dict[str, object]:
        data: dict[str, object] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        return data


@dataclass(frozen=True)
class TgChat:
    id: int
    type: str  # private, group, supergroup, channel
    title: str | None = None
    user: TgUser | None = None  # the other side of a private chat
    is_forum: bool = False  # a supergroup with topics enabled

    @classmethod
    def private(cls, user: TgUser) -> TgChat:
        return cls(user.id, "private", user=user)

    def to_api(self) -> dict[str, object]:
        if self.type == "private" and self.user is not None:
            data: dict[str, object] = {"id": self.id, "type": "private", "first_name": self.user.first_name}
            if self.user.last_name:
                data["last_name"] = self.user.last_name
            if self.user.username:
                data["username"] = self.user.username
            return data
        data = {"id": self.id, "type": self.type, "title": self.title or "Group"}
        if self.is_forum:
            data["is_forum"] = True
        return data


@dataclass(frozen=True)
class SentMessage:
    chat_id: int
    message_id: int
    text: str
    reply_to_message_id: int | None
    message_thread_id: int | None = None  # the forum topic it went to (None: the General topic / not a forum)


@dataclass(frozen=True)
class ApiCall:
    method: str
    params: Mapping[str, object]


class ApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None,
                 parameters: Mapping[str, object] | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.retry_after = code, description, retry_after
        self.parameters = dict(parameters or {})  # ResponseParameters besides retry_after (migrate_to_chat_id)


async def read_params(request: web.Request) -> dict[str, object]:
    """Parameters as Telegram reads them: query string, then the body (JSON, form or multipart)."""
    values: dict[str, object] = {k: decode_value(k, v) for k, v in request.query.items()}
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            body = await request.json()
            if not isinstance(body, dict):
                raise ValueError("JSON body must be an object")
            values.update(body)
        else:
            form = await request.post()
            values.update({k: decode_value(k, v) for k, v in form.items() if isinstance(v, str)})
            # Uploaded files (sendPhoto, sendDocument): (file name, bytes), as the Bot API receives them.
            values.update({k: (v.filename, v.file.read()) for k, v in form.items() if isinstance(v, web.FileField)})
    return values


def decode_value(name: str, value: str) -> object:
    if name in _TEXT_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def int_param(value: object, default: int) -> int:
    if value is None:
        return default
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise ApiError(400, "Bad Request: invalid integer parameter") from None


def error_response(exc: ApiError) -> web.Response:
    body: dict[str, object] = {"ok": False, "error_code": exc.code, "description": exc.description}
    parameters = dict(exc.parameters)
    if exc.retry_after is not None:
        parameters["retry_after"] = exc.retry_after
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=exc.code)
