"""The in-app chat connector (`type: webchat`): websocket frames in, agent replies pushed out.

Frames (design.md): client → `{"type": "message", "text", "client_id"}`, server → `{"type": "ack", "client_id", "id"}`,
`{"type": "message", "id", "text", "from", "created_at"}`, `{"type": "history", "messages"}` on connect, and
`{"type": "error", "error"}` for a bad frame, after which the socket stays open. A message is acked only once it is
stored; a resent client_id maps to the same provider id, so it is stored once.

Before anything is stored: a browser Origin must be allowed (admission.py; 403 before the upgrade), the identity
must be well-formed (identity.py; 400/403, never 500, ids refused whole rather than cut), and the limits hold
(limits.py): messages over a customer's rate get an error frame and are dropped, sockets over a customer's or an
address's count are closed with 1013, new visitors over an address's rate get 429 with Retry-After.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from datetime import datetime

from aiohttp import WSMsgType, web
from pydantic import Field, SecretStr, field_validator

from connectors.base import Connector, ConnectorConfig, HistoryItem
from connectors.webchat.admission import IPNetwork, client_address, normalize_origin, origin_allowed, split_list
from connectors.webchat.identity import (
    issue_visitor_token,
    name_problem,
    user_id_problem,
    verify_profile,
    verify_user,
    verify_visitor_token,
)
from connectors.webchat.limits import (
    CLOSE_POLICY_VIOLATION,
    CLOSE_TRY_AGAIN_LATER,
    ChatLimiter,
    ChatLimits,
    retry_after,
)
from connectors.webchat.uploads import UploadShelf, read_upload
from inbox.domain import Channel, ContactIdentity, IdentityKind, InboundMessage, OutboundMessage, SendResult, Visibility, utcnow
from inbox.identities import ContactError, normalize_email, normalize_phone

log = logging.getLogger(__name__)


class WebchatConfig(ConnectorConfig):
    type: str = "webchat"
    identity_secret: SecretStr | None = None  # HMAC key shared with the wallet's backend; None: visitors only
    allow_visitors: bool = True
    max_frame_bytes: int = Field(64 * 1024, ge=1024, le=1024 * 1024)
    max_text_chars: int = Field(10_000, ge=1)
    history_limit: int = Field(100, ge=0, le=1000)
    limits: ChatLimits = ChatLimits()
    # Browser pages that may open the chat socket, besides the server itself (public_url and the host addressed).
    allowed_origins: list[str] = Field(default_factory=list)
    # Reverse proxies whose X-Forwarded-For is believed (addresses or networks); others' is ignored.
    trusted_proxies: list[IPNetwork] = Field(default_factory=list)
    public_url: str | None = None  # the server fills it from server.public_url

    @field_validator("allowed_origins", "trusted_proxies", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        return split_list(value)

    @field_validator("allowed_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        normalized = []
        for item in value:
            origin = normalize_origin(item)
            if origin is None:
                raise ValueError(f"{item!r} is not a web origin like https://wallet.example.com (no path)")
            normalized.append(origin)
        return normalized


class WebchatConnector(Connector):
    type_name = "webchat"
    config_model = WebchatConfig
    config: WebchatConfig
    # Frames carry the message id and clients dedupe by it; history shows a message once by its row.
    redelivery_safe = True

    def __init__(self, name: str, config: WebchatConfig, host) -> None:  # noqa: ANN001
        super().__init__(name, config, host)
        self._sockets: dict[str, set[web.WebSocketResponse]] = {}
        self._visitor_key: bytes | None = None
        self.limiter = ChatLimiter(config.limits)
        self.uploads = UploadShelf()

    async def start(self) -> None:
        # Visitor tokens must outlive a restart (history on reconnect), so the signing key is kept as a checkpoint.
        saved = await self.host.load_checkpoint()
        key = saved.get("visitor_key")
        if key is None:
            key = secrets.token_hex(32)
            claim = getattr(self.host, "claim_checkpoint", None)
            if claim is not None:  # several processes start at once: all sign with the key stored first
                key = (await claim({"visitor_key": key}))["visitor_key"]
            else:
                await self.host.save_checkpoint({"visitor_key": key})
        self._visitor_key = bytes.fromhex(key)

    async def stop(self) -> None:
        sockets = [ws for group in self._sockets.values() for ws in group]
        self._sockets.clear()
        await asyncio.gather(*(ws.close(code=1001, message=b"server shutting down") for ws in sockets),
                             return_exceptions=True)

    async def send(self, message: OutboundMessage) -> SendResult:
        now = utcnow()
        frame = {"type": "message", "id": message.message_id, "text": message.text, "from": "agent",
                 "created_at": _iso(now)}
        await self.push(message.thread_key, frame)
        relay = getattr(self.host, "relay", None)
        if relay is not None:  # several processes: the customer's socket may be open on another one
            await relay(message.thread_key, frame)
        return SendResult(provider_id=f"agent:{message.idempotency_key}", sent_at=now)

    async def push(self, thread_key: str, frame: dict[str, object]) -> None:
        """A frame to this customer's sockets open on this process."""
        for ws in list(self._sockets.get(thread_key, ())):
            try:
                await ws.send_json(frame)
            except (ConnectionError, RuntimeError):
                pass  # a closing socket: the customer sees it in the history on reconnect

    def private_recipient(self, public_sender: ContactIdentity) -> ContactIdentity | None:
        return public_sender

    async def handle_http(self, request: web.Request) -> web.StreamResponse:
        tail = request.match_info.get("tail", "")
        if not (tail == "ws" or (tail in ("visitor", "upload") and request.method == "POST")):
            raise web.HTTPNotFound()
        if not origin_allowed(request, self.config.allowed_origins, self.config.public_url):
            raise web.HTTPForbidden(text="this page's origin may not open the chat (see allowed_origins)")
        address = client_address(request, self.config.trusted_proxies)
        if tail == "ws":
            return await self._socket(request, address)
        if tail == "upload":
            return await self._upload(request, address)
        if not self.config.allow_visitors or self._visitor_key is None:
            raise web.HTTPForbidden(text="anonymous chat is disabled")
        self._count_new_visitor(address)
        return web.json_response({"visitor_token": issue_visitor_token(self._visitor_key)})

    async def _upload(self, request: web.Request, address: str) -> web.Response:
        if "user_id" not in request.query and not request.query.get("visitor_token"):
            raise web.HTTPForbidden(text="an upload needs the chat identity: user_id + user_hash, or visitor_token")
        _identity, thread_key, _ = self._identify(request, address)
        wait = self.limiter.messages.take(thread_key)
        if wait:
            raise web.HTTPTooManyRequests(text="too many uploads; try again later",
                                          headers={"Retry-After": str(retry_after(wait))})
        attachment = await read_upload(request)
        upload_id = self.uploads.put(thread_key, attachment)
        return web.json_response({"upload_id": upload_id, "name": attachment.name, "size": attachment.size},
                                 status=201)

    def _count_new_visitor(self, address: str) -> None:
        wait = self.limiter.visitors.take(address)
        if wait:
            raise web.HTTPTooManyRequests(text="too many new chat visitors from this address; try again later",
                                          headers={"Retry-After": str(retry_after(wait))})

    # ---- the socket -------------------------------------------------------------------------------------------------

    def _identify(self, request: web.Request, address: str) -> tuple[ContactIdentity, str, str | None]:
        """(identity, thread key, newly issued visitor token); refuses before anything is stored."""
        q = request.query
        name = q.get("name") or None
        if name is not None and (problem := name_problem(name)):
            raise web.HTTPBadRequest(text=problem)
        if "user_id" in q:
            user = q["user_id"]
            if problem := user_id_problem(user):
                raise web.HTTPBadRequest(text=problem)  # refused whole: a cut id would share another id's history
            secret = self.config.identity_secret
            if secret is None or not verify_user(secret.get_secret_value(), user, q.get("user_hash", "")):
                raise web.HTTPForbidden(text="user_hash does not match user_id")
            return ContactIdentity(IdentityKind.APP, user, name), f"app:{user}", None
        if not self.config.allow_visitors or self._visitor_key is None:
            raise web.HTTPForbidden(text="a signed user_id is required")
        issued = None
        token = q.get("visitor_token")
        if token:
            visitor_id = verify_visitor_token(self._visitor_key, token)
            if visitor_id is None:
                raise web.HTTPForbidden(text="unknown visitor_token")
        else:
            self._count_new_visitor(address)
            issued = issue_visitor_token(self._visitor_key)
            visitor_id = issued.partition(".")[0]
        return ContactIdentity(IdentityKind.VISITOR, visitor_id, name), f"visitor:{visitor_id}", issued

    def _profile(self, request: web.Request, identity: ContactIdentity) -> tuple[ContactIdentity, tuple[ContactIdentity, ...]]:
        """A signed app user's profile (`name`, `email`, `phone` covered by `profile_hash`): the name becomes the
        identity's name and the email/phone identities the app vouches for. Without `profile_hash` a name stays
        display-only and email/phone are ignored; a wrong `profile_hash` is refused like a wrong `user_hash`."""
        q = request.query
        if identity.kind != IdentityKind.APP or "profile_hash" not in q:
            return identity, ()
        name, email, phone = (q.get(k, "") for k in ("name", "email", "phone"))
        secret = self.config.identity_secret
        if secret is None or not verify_profile(secret.get_secret_value(), q["user_id"], name, email, phone,
                                                q["profile_hash"]):
            raise web.HTTPForbidden(text="profile_hash does not match user_id, name, email and phone")
        signed = ContactIdentity(IdentityKind.APP, identity.value, name[:200] or None)
        vouched: list[ContactIdentity] = [signed]  # the sender itself: its signed name reaches an existing contact
        for kind, value, normal in ((IdentityKind.EMAIL, email, normalize_email),
                                    (IdentityKind.PHONE, phone, normalize_phone)):
            if value:
                try:
                    vouched.append(ContactIdentity(kind, normal(value), name[:200] or None))
                except ContactError:
                    log.warning("chat %s: signed profile has an unusable %s; ignored", self.name, kind.value)
        return signed, tuple(vouched)

    async def _socket(self, request: web.Request, address: str) -> web.WebSocketResponse:
        identity, thread_key, issued = self._identify(request, address)
        identity, vouched = self._profile(request, identity)
        link_token = request.query.get("link") or None
        ws = web.WebSocketResponse(heartbeat=30, max_msg_size=max(self.config.max_frame_bytes * 4, 1024 * 1024))
        await ws.prepare(request)
        # Counted after the upgrade (a failed handshake holds nothing), refused after it too: a browser's WebSocket
        # sees a close code and reason, but nothing of a refused handshake.
        if refused := self.limiter.open_socket(thread_key, address):
            with contextlib.suppress(ConnectionError, RuntimeError):  # the client may be gone already
                await ws.send_json({"type": "error", "error": refused})
                await ws.close(code=CLOSE_TRY_AGAIN_LATER, message=refused.encode()[:120])
            return ws
        self._sockets.setdefault(thread_key, set()).add(ws)
        try:
            if issued:
                await ws.send_json({"type": "visitor", "visitor_token": issued})
            history = await self.host.history(thread_key, self.config.history_limit)
            await ws.send_json({"type": "history", "messages": [_history_frame(h) for h in history]})
            refused_in_a_row = 0
            async for frame in ws:
                if frame.type == WSMsgType.TEXT:
                    reply = await self._on_text(frame.data, identity, thread_key, link_token, vouched)
                    if reply.get("type") == "ack":
                        link_token = None  # the link joined the ticket with the first message
                    if "retry_after" in reply:
                        refused_in_a_row += 1
                    elif reply.get("type") == "ack":
                        refused_in_a_row = 0  # pings or junk in between don't reset it
                    await ws.send_json(reply)
                    if refused_in_a_row >= self.config.limits.refusals_before_close:
                        # Told to wait and still flooding: stop answering it (each answer costs us too).
                        await ws.close(code=CLOSE_POLICY_VIOLATION, message=b"still sending too fast after errors")
                        break
                elif frame.type == WSMsgType.BINARY:
                    await ws.send_json({"type": "error", "error": "binary frames are not supported; send JSON text"})
                elif frame.type == WSMsgType.ERROR:
                    break
        finally:
            self.limiter.close_socket(thread_key, address)
            group = self._sockets.get(thread_key)
            if group is not None:
                group.discard(ws)
                if not group:
                    self._sockets.pop(thread_key, None)
        return ws

    async def _on_text(self, data: str, identity: ContactIdentity, thread_key: str, link_token: str | None,
                       vouched: tuple[ContactIdentity, ...] = ()) -> dict[str, object]:
        if len(data.encode("utf-8", "surrogatepass")) > self.config.max_frame_bytes:
            return {"type": "error", "error": f"frame larger than {self.config.max_frame_bytes} bytes"}
        try:
            body = json.loads(data)
        except ValueError:
            return {"type": "error", "error": "frame is not JSON"}
        if not isinstance(body, dict):
            return {"type": "error", "error": "frame must be a JSON object"}
        kind = body.get("type")
        if kind == "ping":
            return {"type": "pong"}
        if kind != "message":
            return {"type": "error", "error": f"unknown frame type {kind!r}"}
        text, client_id = body.get("text", ""), body.get("client_id")
        upload_ids = body.get("attachments") or []
        if not isinstance(upload_ids, list):
            return {"type": "error", "error": "'attachments' must be a list of upload ids", "client_id": client_id}
        if not isinstance(text, str) or not (text.strip() or upload_ids):
            return {"type": "error", "error": "message needs a non-empty string 'text'", "client_id": client_id}
        if not isinstance(client_id, str) or not 0 < len(client_id) <= 100:
            return {"type": "error", "error": "message needs a string 'client_id' (a UUID)"}
        if not _encodable(text) or not _encodable(client_id):
            # Lone surrogates (JSON "\ud800"): no database stores them; resending can't help, so say so.
            return {"type": "error", "error": "text and client_id must be valid Unicode (a lone surrogate is not)"}
        if len(text) > self.config.max_text_chars:
            return {"type": "error", "error": f"text longer than {self.config.max_text_chars} characters",
                    "client_id": client_id}
        wait = self.limiter.messages.take(thread_key)
        if wait:  # dropped, not stored: the client may send the same client_id again later
            return {"type": "error", "error": f"too many messages; wait {retry_after(wait)} s and send again",
                    "client_id": client_id, "retry_after": retry_after(wait)}
        files = self.uploads.claim(thread_key, upload_ids) if upload_ids else ()
        if isinstance(files, str):
            return {"type": "error", "error": files, "client_id": client_id}
        message = InboundMessage(
            connector=self.name, channel=Channel.WEBCHAT, provider_id=f"{thread_key}:{client_id}",
            thread_key=thread_key, visibility=Visibility.PRIVATE, sender=identity, text=text, sent_at=utcnow(),
            link_token=link_token, verified_identities=vouched, attachments=files,
        )
        try:
            [stored_id] = await self.host.deliver([message])
        except Exception:  # noqa: BLE001 - the client resends the same client_id; nothing is half-stored
            log.exception("chat message could not be stored")
            return {"type": "error", "error": "not stored, please resend", "client_id": client_id}
        self.uploads.release(upload_ids)
        return {"type": "ack", "client_id": client_id, "id": stored_id}


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _history_frame(item: HistoryItem) -> dict[str, object]:
    return {"id": item.id, "text": item.text, "from": "customer" if item.direction == "inbound" else "agent",
            "created_at": _iso(item.created_at)}
