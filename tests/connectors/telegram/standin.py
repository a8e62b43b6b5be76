"""A local Telegram Bot API stand-in (aiohttp) speaking the real wire protocol, for tests.

Faithful to https://core.telegram.org/bots/api where the connector can tell: `/bot<token>/<method>` (methods
case-insensitive), parameters in the query string, form-encoded, multipart or JSON bodies (form values are
JSON-encoded unless they are plain strings), `{"ok": true, "result": ...}` answers and
`{"ok": false, "error_code", "description", "parameters": {"retry_after"}}` errors with Telegram's own texts,
getUpdates long polling with offset confirmation, webhook exclusivity (409) and `/file/bot<token>/<path>` downloads.

Tests inject updates shaped like the Bot API's Update / Message / Chat / User objects, make a call fail, and read
what the bot sent.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

from tests.connectors.telegram.standin_groups import RealGroupShapes
from tests.connectors.telegram.wire import (
    ApiCall,
    ApiError,
    SentMessage,
    TgChat,
    TgUser,
    error_response,
    int_param,
    read_params,
)

__all__ = ["ApiCall", "BotApiStandIn", "SentMessage", "TgChat", "TgUser"]

@dataclass
class _Fault:
    method: str
    error_code: int
    description: str
    retry_after: int | None
    after: int = 0


@dataclass
class _Webhook:
    url: str
    secret_token: str | None
    allowed_updates: list[str] | None


@dataclass
class BotApiStandIn(RealGroupShapes):
    token: str = "7001234567:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw-"
    username: str = "wallet_support_bot"
    bot_id: int = 7001234567
    sent: list[SentMessage] = field(default_factory=list)
    deleted: list[tuple[int, int]] = field(default_factory=list)
    calls: list[ApiCall] = field(default_factory=list)
    answered_at: list[tuple[float, list[int]]] = field(default_factory=list)  # (monotonic, update ids)
    admin_in: set[int] = field(default_factory=set)  # chats where the bot may delete others' messages
    blocked_by: set[int] = field(default_factory=set)  # users who blocked the bot
    restricted: list[dict[str, object]] = field(default_factory=list)  # restrictChatMember calls that succeeded
    chat_admins: dict[int, set[int]] = field(default_factory=dict)  # chat id -> user ids who are its admins

    def __post_init__(self) -> None:
        self.revoked = False
        self.webhook: _Webhook | None = None
        self._updates: list[dict[str, object]] = []
        self._confirmed_below = 0
        self._update_ids = itertools.count(815_000_001)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._messages: dict[tuple[int, int], dict[str, object]] = {}
        self._chats: dict[int, dict[str, object]] = {}  # every chat seen: a chat outlives its deleted messages
        self._started: set[int] = set()  # users with a private chat open to the bot
        self._known_users: set[int] = set()
        self._files: dict[str, tuple[str, bytes]] = {}
        self._file_ids = itertools.count(1)
        self._faults: list[_Fault] = []
        self._changed = asyncio.Condition()
        self._poll_generation = 0
        self._closing = False
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    # ---- server -----------------------------------------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"
        return self.base_url

    async def stop(self) -> None:
        self._closing = True  # long polls still waiting answer now instead of holding up the shutdown
        async with self._changed:
            self._changed.notify_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # ---- test controls ------------------------------------------------------------------------------------------

    def fail_next(self, method: str, error_code: int, description: str, retry_after: int | None = None,
                  *, after: int = 0) -> None:
        """The next call of `method` (after `after` more calls that succeed) answers this error, with Telegram's
        texts, e.g. 'Forbidden: bot was blocked by the user'."""
        self._faults.append(_Fault(method.lower(), error_code, description, retry_after, after))

    def revoke_token(self) -> None:
        self.revoked = True

    def unconfirm_all(self) -> None:
        """As if every confirming getUpdates had been lost before reaching Telegram (a crash right after
        delivery): all retained updates are handed out again."""
        self._confirmed_below = 0

    @property
    def pending(self) -> list[dict[str, object]]:
        return [u for u in self._updates if int(u["update_id"]) >= self._confirmed_below]  # type: ignore[arg-type]

    def sent_texts(self) -> list[str]:
        return [m.text for m in self.sent]

    def calls_of(self, method: str) -> list[ApiCall]:
        return [c for c in self.calls if c.method == method.lower()]

    # ---- building updates -----------------------------------------------------------------------------------------

    def inject(self, payload: Mapping[str, object], *, update_id: int | None = None) -> dict[str, object]:
        """Queue an update: `payload` is everything but update_id ({"message": {...}} or anything, even broken)."""
        update: dict[str, object] = {"update_id": next(self._update_ids) if update_id is None else update_id}
        update.update(payload)
        self._updates.append(update)
        self._wake()
        return update

    def inject_raw(self, update: object) -> None:
        """Queue an update exactly as given (malformed ones too)."""
        self._updates.append(update)  # type: ignore[arg-type]
        self._wake()

    def message(
        self,
        chat: TgChat,
        sender: TgUser | None,
        text: str | None = None,
        *,
        reply_to: int | None = None,
        content: Mapping[str, object] | None = None,
        extra: Mapping[str, object] | None = None,
    ) -> dict[str, object]:
        """A Message object in `chat` (not yet an update): next message id, current date."""
        message_id = next(self._message_ids.setdefault(chat.id, itertools.count(1)))
        msg: dict[str, object] = {"message_id": message_id}
        if sender is not None:
            msg["from"] = sender.to_api()
            self._known_users.add(sender.id)
            if chat.type == "private":
                self._started.add(sender.id)
        msg.update({"chat": chat.to_api(), "date": int(time.time())})
        self._chats.setdefault(chat.id, chat.to_api())
        if reply_to is not None:
            msg["reply_to_message"] = self._quote(chat.id, reply_to)
        if text is not None:
            msg["text"] = text
            if text.startswith("/"):
                command = text.split()[0]
                msg["entities"] = [{"offset": 0, "length": len(command), "type": "bot_command"}]
        msg.update(content or {})
        msg.update(extra or {})
        self._messages[(chat.id, message_id)] = msg
        return msg

    def inject_message(self, chat: TgChat, sender: TgUser, text: str | None = None, **kwargs: object) -> dict:
        return self.inject({"message": self.message(chat, sender, text, **kwargs)})  # type: ignore[arg-type]

    def inject_edit(self, chat: TgChat, message_id: int, text: str) -> dict[str, object]:
        edited = dict(self._messages[(chat.id, message_id)])
        edited["text"] = text
        edited["edit_date"] = int(edited["date"]) + 60  # type: ignore[call-overload]
        self._messages[(chat.id, message_id)] = edited
        return self.inject({"edited_message": edited})

    def inject_join(self, chat: TgChat, *members: TgUser) -> dict[str, object]:
        msg = self.message(chat, members[0], content={"new_chat_members": [m.to_api() for m in members]})
        return self.inject({"message": msg})

    def inject_my_chat_member(self, chat: TgChat, by: TgUser, status: str = "member") -> dict[str, object]:
        me = {"id": self.bot_id, "is_bot": True, "first_name": "Wallet Support", "username": self.username}
        new: dict[str, object] = {"status": status, "user": me}
        if status == "administrator":  # ChatMemberAdministrator's required rights
            new.update({"can_be_edited": False, "is_anonymous": False, "can_manage_chat": True,
                        "can_delete_messages": True, "can_manage_video_chats": False, "can_restrict_members": True,
                        "can_promote_members": False, "can_change_info": False, "can_invite_users": True,
                        "can_post_stories": False, "can_edit_stories": False, "can_delete_stories": False})
            self.admin_in.add(chat.id)
        return self.inject({"my_chat_member": {
            "chat": chat.to_api(), "from": by.to_api(), "date": int(time.time()),
            "old_chat_member": {"status": "left", "user": me},
            "new_chat_member": new,
        }})

    @property
    def too_big_files(self) -> set[str]:
        """file_ids getFile refuses as over 20 MB (marked by a test, so it need not hold 20 MB)."""
        return self.__dict__.setdefault("_too_big_files", set())

    def add_file(self, data: bytes, path: str) -> tuple[str, str]:
        """Store bytes to serve; returns (file_id, file_unique_id)."""
        n = next(self._file_ids)
        file_id, unique = f"AgACAgIAAxkBAAI{n:06d}file", f"AQAD{n:04d}"
        self._files[file_id] = (path, data)
        return file_id, unique

    def photo(self, data: bytes) -> dict[str, object]:
        small_id, small_unique = self.add_file(data[: max(1, len(data) // 10)], "photos/file_s.jpg")
        big_id, big_unique = self.add_file(data, "photos/file_b.jpg")
        return {"photo": [
            {"file_id": small_id, "file_unique_id": small_unique, "width": 90, "height": 67,
             "file_size": max(1, len(data) // 10)},
            {"file_id": big_id, "file_unique_id": big_unique, "width": 1280, "height": 960, "file_size": len(data)},
        ]}

    def document(self, data: bytes, name: str, mime: str) -> dict[str, object]:
        file_id, unique = self.add_file(data, f"documents/{name}")
        return {"document": {"file_id": file_id, "file_unique_id": unique, "file_name": name, "mime_type": mime,
                             "file_size": len(data)}}

    def voice(self, data: bytes, duration: int = 3) -> dict[str, object]:
        file_id, unique = self.add_file(data, "voice/file_0.oga")
        return {"voice": {"file_id": file_id, "file_unique_id": unique, "duration": duration,
                          "mime_type": "audio/ogg", "file_size": len(data)}}

    # ---- pushing to a webhook like Telegram does ------------------------------------------------------------------

    async def push_webhook(self, session: aiohttp.ClientSession, secret: str | None = None) -> list[int]:
        """POST pending updates one by one to the registered webhook (with its secret, or `secret` to fake a
        caller); an update is confirmed on a 2xx answer, else delivery stops there (Telegram retries later).
        Returns the HTTP statuses seen."""
        assert self.webhook is not None, "no webhook set"
        statuses = []
        for update in self.pending:
            headers = {"Content-Type": "application/json"}
            token = secret if secret is not None else self.webhook.secret_token
            if token is not None:
                headers["X-Telegram-Bot-Api-Secret-Token"] = token
            async with session.post(self.webhook.url, data=json.dumps(update), headers=headers) as response:
                statuses.append(response.status)
            if not 200 <= response.status < 300:
                break
            self._confirmed_below = int(update["update_id"]) + 1  # type: ignore[call-overload]
        return statuses

    # ---- HTTP handlers ------------------------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        token, method = request.match_info["token"], request.match_info["method"].lower()
        if ":" not in token:
            return error_response(ApiError(404, "Not Found"))
        if token != self.token or self.revoked:
            return error_response(ApiError(401, "Unauthorized"))
        try:
            params = await read_params(request)
        except ConnectionResetError:  # the client gave up mid-request (a cancelled long poll)
            return web.Response(status=499)
        except ValueError:
            return error_response(ApiError(400, "Bad Request: can't parse request parameters"))
        self.calls.append(ApiCall(method, params))
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return error_response(ApiError(404, "Not Found"))
        fault = next((f for f in self._faults if f.method == method), None)
        if fault is not None and fault.after > 0:
            fault.after -= 1
        elif fault is not None:
            self._faults.remove(fault)
            return error_response(ApiError(fault.error_code, fault.description, fault.retry_after))
        try:
            result = await handler(params)
        except ApiError as exc:
            return error_response(exc)
        return web.json_response({"ok": True, "result": result})

    async def _file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token or self.revoked:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        for path, data in self._files.values():
            if path == request.match_info["path"]:
                return web.Response(body=data, content_type="application/octet-stream")
        return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)

    # ---- methods --------------------------------------------------------------------------------------------------

    async def _m_getme(self, params: Mapping[str, object]) -> object:
        return {"id": self.bot_id, "is_bot": True, "first_name": "Wallet Support", "username": self.username,
                "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}

    async def _m_getupdates(self, params: Mapping[str, object]) -> object:
        if self.webhook is not None:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook "
                                "to delete the webhook first")
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake()  # an older long poll still waiting is terminated (409), as on Telegram
        offset = int_param(params.get("offset"), 0)
        limit = min(max(int_param(params.get("limit"), 100), 1), 100)
        timeout = max(int_param(params.get("timeout"), 0), 0)
        if offset > 0:
            self._confirmed_below = max(self._confirmed_below, offset)
        elif offset < 0:
            keep = self.pending[offset:]
            self._confirmed_below = int(keep[0]["update_id"]) if keep else self._confirmed_below  # type: ignore
        deadline = time.monotonic() + timeout
        async with self._changed:
            while not self.pending:
                if generation != self._poll_generation:
                    raise ApiError(409, "Conflict: terminated by other getUpdates request; make sure that only one "
                                        "bot instance is running")
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._closing:
                    break
                try:
                    await asyncio.wait_for(self._changed.wait(), remaining)
                except TimeoutError:
                    break
        batch = self.pending[:limit]
        if batch:
            self.answered_at.append((time.monotonic(), [u.get("update_id") for u in batch]))  # type: ignore
        return batch

    async def _m_sendmessage(self, params: Mapping[str, object]) -> object:
        topic = self.check_send_target(params.get("chat_id"), params)  # upgraded groups, forum topics
        chat = self._chat_for_sending(params.get("chat_id"))
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text.encode("utf-16-le")) // 2 > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        reply = params.get("reply_parameters")
        reply_to: int | None = None
        allow_without = False
        if isinstance(reply, dict):
            reply_to, allow_without = reply.get("message_id"), bool(reply.get("allow_sending_without_reply"))
        elif params.get("reply_to_message_id") is not None:
            reply_to = int_param(params.get("reply_to_message_id"), 0)
            allow_without = bool(params.get("allow_sending_without_reply"))
        quoted = None
        if reply_to is not None:
            if (chat.id, reply_to) in self._messages:
                quoted = reply_to
            elif not allow_without:
                raise ApiError(400, "Bad Request: message to be replied not found")
        me = TgUser(self.bot_id, "Wallet Support", username=self.username, is_bot=True, language_code=None)
        extra: dict[str, object] = {"from": me.to_api()}
        if topic is not None:
            extra.update({"message_thread_id": topic, "is_topic_message": True})
            if quoted is None:
                quoted = topic  # in a topic, Telegram makes a message without a quote reply to the topic's root
        msg = self.message(chat, None, text, reply_to=quoted, extra=extra)
        self.sent.append(SentMessage(chat.id, int(msg["message_id"]), text,  # type: ignore[call-overload]
                                     None if quoted == topic else quoted, topic))
        return msg

    async def _m_sendphoto(self, params: Mapping[str, object]) -> object:
        return self._file_message(params, "photo")

    async def _m_senddocument(self, params: Mapping[str, object]) -> object:
        return self._file_message(params, "document")

    def _file_message(self, params: Mapping[str, object], kind: str) -> object:
        """A bot's photo or document: Telegram answers the Message with the file's ids (a photo in sizes)."""
        chat = self._chat_for_sending(params.get("chat_id"))
        upload = params.get(kind)
        if not isinstance(upload, tuple):
            raise ApiError(400, f"Bad Request: there is no {kind} in the request")
        name, data = upload
        file_id, unique = self.add_file(data, f"{kind}s/{name}")
        me = TgUser(self.bot_id, "Wallet Support", username=self.username, is_bot=True, language_code=None)
        content = {"photo": [{"file_id": file_id, "file_unique_id": unique, "width": 90, "height": 90,
                              "file_size": len(data)}]} if kind == "photo" else \
            {"document": {"file_id": file_id, "file_unique_id": unique, "file_name": name, "file_size": len(data)}}
        msg = self.message(chat, None, None, content=content, extra={"from": me.to_api()})
        self.sent_files.append((chat.id, kind, name, data))
        return msg

    @property
    def sent_files(self) -> list[tuple[int, str, str, bytes]]:
        """(chat id, photo|document, file name, bytes) of each file the bot sent."""
        return self.__dict__.setdefault("_sent_files", [])

    def _chat_for_sending(self, chat_id: object) -> TgChat:
        if not isinstance(chat_id, int):
            raise ApiError(400, "Bad Request: chat not found")
        chat = self._chats.get(chat_id)
        if chat is not None:
            if chat["type"] == "private":
                if chat_id in self.blocked_by:
                    raise ApiError(403, "Forbidden: bot was blocked by the user")
                return TgChat(chat_id, "private", user=TgUser(chat_id, str(chat.get("first_name", ""))))
            return TgChat(chat_id, str(chat["type"]), title=str(chat.get("title")))
        if chat_id in self._known_users:
            raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        raise ApiError(400, "Bad Request: chat not found")

    async def _m_deletemessage(self, params: Mapping[str, object]) -> object:
        chat_id, message_id = params.get("chat_id"), params.get("message_id")
        msg = self._messages.get((chat_id, message_id))  # type: ignore[arg-type]
        if msg is None:
            raise ApiError(400, "Bad Request: message to delete not found")
        from_bot = msg.get("from", {}).get("id") == self.bot_id  # type: ignore[union-attr]
        chat_type = msg["chat"]["type"]  # type: ignore[index]
        if chat_type != "private" and not from_bot and chat_id not in self.admin_in:
            raise ApiError(400, "Bad Request: message can't be deleted")
        del self._messages[(chat_id, message_id)]  # type: ignore[index]
        self.deleted.append((chat_id, message_id))  # type: ignore[arg-type]
        return True

    async def _m_restrictchatmember(self, params: Mapping[str, object]) -> object:
        from tests.connectors.telegram.standin_moderation import restrict_chat_member

        return restrict_chat_member(self, params)

    async def _m_setwebhook(self, params: Mapping[str, object]) -> object:
        url = params.get("url")
        if not isinstance(url, str):
            raise ApiError(400, "Bad Request: bad webhook: URL must be provided")
        if not url:
            self.webhook = None
            return True
        self.check_webhook_url(url)
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self._confirmed_below = next(self._update_ids)
        self.webhook = _Webhook(url, None if secret is None else str(secret), params.get("allowed_updates"))  # type: ignore
        self._wake()
        return True

    async def _m_deletewebhook(self, params: Mapping[str, object]) -> object:
        self.webhook = None
        if params.get("drop_pending_updates"):
            self._confirmed_below = next(self._update_ids)
        return True

    async def _m_getwebhookinfo(self, params: Mapping[str, object]) -> object:
        return {"url": self.webhook.url if self.webhook else "", "has_custom_certificate": False,
                "pending_update_count": len(self.pending)}

    async def _m_getfile(self, params: Mapping[str, object]) -> object:
        file_id = params.get("file_id")
        if file_id not in self._files:
            raise ApiError(400, "Bad Request: invalid file_id")
        path, data = self._files[file_id]  # type: ignore[index]
        if file_id in self.too_big_files:  # the Bot API's own limit: bots cannot download files over 20 MB
            raise ApiError(400, "Bad Request: file is too big")
        return {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_size": len(data), "file_path": path}

    # ---- internals --------------------------------------------------------------------------------------------

    def _quote(self, chat_id: int, message_id: int) -> dict[str, object]:
        quoted = dict(self._messages[(chat_id, message_id)])
        quoted.pop("reply_to_message", None)  # Telegram nests only one level
        return quoted

    def _wake(self) -> None:
        async def notify() -> None:
            async with self._changed:
                self._changed.notify_all()

        try:
            asyncio.get_running_loop().create_task(notify())
        except RuntimeError:
            pass  # no loop yet: pollers check `pending` when they start
