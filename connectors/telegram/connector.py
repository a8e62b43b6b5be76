"""The Telegram connector: python-telegram-bot's `Bot` driven from our own event loop.

Polling: our own getUpdates loop (no `Application.run_polling`, which wants to own the loop); the offset is saved
with each delivered batch, so a restart neither loses nor repeats an update. Webhook: setWebhook at start, and the
server routes POST /webhooks/telegram/<name> to `handle_http`, which answers 200 only once the batch is stored.
"""
from __future__ import annotations

import asyncio
import hmac
import json
import logging
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from telegram import Bot, InputFile, ReplyParameters
from telegram import error as tg
from telegram.request import HTTPXRequest
from telegram.warnings import PTBUserWarning

from connectors.base import (
    Connector,
    ConnectorConfig,
    ConnectorHost,
    PermanentError,
    TransientError,
)
from connectors.telegram import ids
from connectors.telegram.config import TelegramConfig
from connectors.telegram.errors import (
    HideNotPermitted,
    classify,
    install_log_redaction,
    retry_after_seconds,
    scrub,
)
from connectors.telegram.split import split_message
from connectors.telegram.files import with_files
from connectors.telegram.translate import (
    DEEP_LINK_TOKEN,
    UpdateOutcome,
    translate_update,
)
from inbox.domain import (
    Attachment,
    ContactIdentity,
    IdentityKind,
    MessageRef,
    OutboundMessage,
    SendResult,
    Visibility,
    utcnow,
)

if TYPE_CHECKING:
    from aiohttp import web

log = logging.getLogger(__name__)



def _quiet_raw_updates_warning() -> None:
    """We call getUpdates through `do_api_request` to get the raw list (one bad update must not fail the batch);
    PTB warns that `get_updates` exists, which is exactly what we are avoiding. Idempotent."""
    warnings.filterwarnings("ignore", message=r"Please use 'Bot\.getUpdates'", category=PTBUserWarning)


SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_POLL_FAILURES_BEFORE_GIVING_UP = 3


@dataclass(frozen=True, slots=True)
class _Target:
    chat_id: int
    reply_to: int | None  # message id to quote in that chat
    private_path: bool  # writing to a user's private chat from a group conversation (the guard's redirect)
    topic_id: int | None = None  # the forum topic every part goes to (message_thread_id)


class TelegramConnector(Connector):
    sends_files = True  # sendPhoto / sendDocument
    type_name: ClassVar[str] = "telegram"
    config_model: ClassVar[type[ConnectorConfig]] = TelegramConfig

    def __init__(self, name: str, config: ConnectorConfig, host: ConnectorHost) -> None:
        if not isinstance(config, TelegramConfig):
            raise TypeError(f"TelegramConnector needs a TelegramConfig, got {type(config).__name__}")
        super().__init__(name, config, host)
        self.config: TelegramConfig = config
        self._bot: Bot | None = None
        self._bot_username = config.bot_username
        # Ids of the parts of a split reply already sent, by idempotency key, so a retry resumes where it broke.
        self._sent_parts: dict[str, list[str]] = {}
        # Groups upgraded to supergroups, as seen in service messages or a 400 with migrate_to_chat_id; kept in the
        # checkpoint ("migrated:<old id>" -> new id) so it survives restarts.
        self._migrated_to: dict[int, int] = {}
        self._migrated_from: dict[int, int] = {}

    # ---- lifecycle ----------------------------------------------------------------------------------------------

    async def start(self) -> None:
        await self.stop()  # a second start replaces the session instead of leaking it
        install_log_redaction()
        _quiet_raw_updates_warning()
        bot = self._new_bot()
        try:
            await bot.initialize()  # getMe: verifies the token
            if self.config.mode == "webhook":
                await bot.set_webhook(
                    url=self._webhook_url(),
                    secret_token=self.config.webhook_secret.get_secret_value(),  # type: ignore[union-attr]
                    drop_pending_updates=False,
                )
            else:
                # getUpdates is refused (409) while a webhook is set, e.g. after switching modes.
                await bot.delete_webhook(drop_pending_updates=False)
        except tg.TelegramError as exc:
            await bot.shutdown()
            raise self._error(exc) from None
        except BaseException:
            await bot.shutdown()
            raise
        self._bot = bot
        self._bot_username = self.config.bot_username or bot.username
        self._load_migrations(await self.host.load_checkpoint())
        log.info("telegram %s: started as @%s in %s mode", self.name, self._bot_username, self.config.mode)

    async def run(self) -> None:
        if self.config.mode == "webhook":
            return  # pushed to handle_http
        bot = self._require_bot()
        offset = await self._load_offset()
        failures = 0
        while True:
            try:
                raw_updates = await self._get_updates(bot, offset)
            except tg.RetryAfter as exc:
                wait = retry_after_seconds(exc)
                self.host.report_problem(f"getUpdates rate limited; waiting {wait:.0f}s")
                await asyncio.sleep(wait)
                continue
            except tg.TelegramError as exc:
                error = self._error(exc)
                if isinstance(error, TransientError) and failures < _POLL_FAILURES_BEFORE_GIVING_UP:
                    failures += 1
                    self.host.report_problem(str(error))
                    await asyncio.sleep(min(2**failures, 10))
                    continue
                raise error from None
            failures = 0
            offset = await self._ingest(raw_updates, offset)
            self.host.mark_synced()

    async def stop(self) -> None:
        bot, self._bot = self._bot, None
        if bot is not None:
            await bot.shutdown()

    # ---- inbound ------------------------------------------------------------------------------------------------

    async def _get_updates(self, bot: Bot, offset: int | None) -> list[object]:
        kwargs: dict[str, Any] = {"timeout": self.config.poll_timeout}
        if offset is not None:
            kwargs["offset"] = offset
        result = await bot.do_api_request(
            "getUpdates", api_kwargs=kwargs, read_timeout=self.config.poll_timeout + 10
        )
        if not isinstance(result, list):
            raise tg.NetworkError(f"getUpdates answered {type(result).__name__}, not a list")
        return result

    async def _ingest(self, raw_updates: list[object], offset: int | None) -> int | None:
        """Deliver one getUpdates batch with the offset that confirms it; returns that offset."""
        if not raw_updates:
            return offset
        messages = []
        checkpoint: dict[str, str] = {}
        for raw in raw_updates:
            outcome = translate_update(raw, self.name, self._migrated_from)
            self._note(outcome)
            if outcome.update_id is not None:
                offset = max(offset or 0, outcome.update_id + 1)
            if outcome.migration is not None:
                checkpoint.update(self._record_migration(*outcome.migration))
            if outcome.message is not None:
                messages.append(await with_files(self._require_bot(), outcome.message))
        if offset is not None:
            checkpoint["offset"] = str(offset)
        # Also when nothing was deliverable (joins, pins): the offset must move past them.
        await self.host.deliver(messages, checkpoint=checkpoint or None)
        return offset

    def _load_migrations(self, checkpoint: dict[str, str]) -> None:
        for key, value in checkpoint.items():
            if key.startswith("migrated:"):
                try:
                    self._record_migration(int(key.removeprefix("migrated:")), int(value))
                except ValueError:
                    self.host.report_problem(f"ignoring unreadable saved chat migration {key[:40]!r}")

    def _record_migration(self, old: int, new: int) -> dict[str, str]:
        """Remember that group `old` is now supergroup `new`; returns the checkpoint entry that keeps it."""
        self._migrated_to[old] = new
        self._migrated_from[new] = old
        return {f"migrated:{old}": str(new)}

    async def _load_offset(self) -> int | None:
        saved = (await self.host.load_checkpoint()).get("offset")
        if saved is None:
            return None
        try:
            return int(saved)
        except ValueError:
            self.host.report_problem(f"ignoring unreadable saved offset {saved[:20]!r}")
            return None

    def _note(self, outcome: UpdateOutcome) -> None:
        # Never log the update itself: it may hold a seed phrase or a password.
        if outcome.malformed:
            log.warning("telegram %s: skipped update %s: %s", self.name, outcome.update_id, outcome.skip_reason)
            self.host.report_problem(f"skipped update {outcome.update_id}: {outcome.skip_reason}")
        elif outcome.message is None:
            log.debug("telegram %s: ignored update %s: %s", self.name, outcome.update_id, outcome.skip_reason)

    async def handle_http(self, request: web.Request) -> web.StreamResponse:
        from aiohttp import web

        if self.config.mode != "webhook":
            raise web.HTTPNotFound()
        if request.method != "POST":
            raise web.HTTPMethodNotAllowed(request.method, ["POST"])
        expected = self.config.webhook_secret.get_secret_value().encode()  # type: ignore[union-attr]
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            log.warning("telegram %s: webhook call refused: %s secret token (from %s)", self.name,
                        "wrong" if given else "missing", request.remote)
            return web.Response(status=403, text="forbidden")
        try:
            raw = json.loads(await request.read())
        except ValueError:
            # Telegram would resend the same bytes forever; take it, say so, move on.
            log.warning("telegram %s: webhook body is not JSON; skipped", self.name)
            self.host.report_problem("webhook body is not JSON; skipped")
            return web.Response(status=200)
        outcome = translate_update(raw, self.name, self._migrated_from)
        self._note(outcome)
        if outcome.migration is not None:
            await self.host.save_checkpoint(self._record_migration(*outcome.migration))
        if outcome.message is not None:
            try:
                await self.host.deliver([await with_files(self._require_bot(), outcome.message)])
            except Exception:
                # Not 200, so Telegram delivers the update again later.
                log.exception("telegram %s: storing update %s failed", self.name, outcome.update_id)
                return web.Response(status=500, text="not stored")
        self.host.mark_synced()
        return web.Response(status=200)

    async def download(self, file_id: str) -> bytes:
        """An attachment's bytes (Attachment.provider_ref), fetched on demand."""
        bot = self._require_bot()
        try:
            file = await bot.get_file(file_id)
            return bytes(await file.download_as_bytearray())
        except tg.TelegramError as exc:
            raise self._error(exc) from None

    # ---- outbound -----------------------------------------------------------------------------------------------

    async def send(self, message: OutboundMessage) -> SendResult:
        bot = self._require_bot()
        if not message.text.strip():
            raise PermanentError("reply text is empty")
        target = self._target(message)
        parts = split_message(message.text)
        sent = self._sent_parts.get(message.idempotency_key, [])
        try:
            for index in range(len(sent), len(parts) + len(message.attachments)):
                reply_to = target.reply_to if index == 0 else None
                if index < len(parts):
                    sent.append(await self._send_part(bot, target, parts[index], reply_to))
                else:  # the files after the text, each its own message (sendPhoto / sendDocument)
                    sent.append(await self._send_file(bot, target, message.attachments[index - len(parts)]))
                self._sent_parts[message.idempotency_key] = sent
        except TransientError:
            raise  # keep the parts already sent: the retry continues after them
        except BaseException:
            self._sent_parts.pop(message.idempotency_key, None)
            raise
        self._sent_parts.pop(message.idempotency_key, None)
        return SendResult(provider_id=sent[0], sent_at=utcnow(), extra_provider_ids=tuple(sent[1:]))

    def _target(self, message: OutboundMessage) -> _Target:
        thread = ids.parse_thread_key(message.thread_key)
        if message.visibility is Visibility.PRIVATE and thread.is_group:
            recipient = message.recipient
            if recipient.kind is not IdentityKind.TELEGRAM or not recipient.value.lstrip("-").isdigit():
                raise PermanentError(f"private reply needs a Telegram user id, got a {recipient.kind} identity")
            return _Target(int(recipient.value), reply_to=None, private_path=True)
        reply_to = None
        if thread.is_group and message.in_reply_to:
            quoted = ids.parse_message_id(message.in_reply_to)
            reply_to = quoted.message_id if quoted.chat_id == thread.chat_id else None
        chat_id = self._migrated_to.get(thread.chat_id)
        if chat_id is not None:
            reply_to = None  # message ids of the old group do not exist in the supergroup
        return _Target(chat_id or thread.chat_id, reply_to=reply_to, private_path=False, topic_id=thread.topic_id)

    async def _send_part(self, bot: Bot, target: _Target, text: str, reply_to: int | None) -> str:
        chat_id = target.chat_id
        for attempt in range(1, self.config.send_attempts + 1):
            reply = ReplyParameters(message_id=reply_to, allow_sending_without_reply=True) if reply_to else None
            try:
                # every part names its topic: without message_thread_id a part lands in the forum's General topic
                sent = await bot.send_message(chat_id=chat_id, text=text, reply_parameters=reply,
                                              message_thread_id=target.topic_id)
                return ids.message_id(sent.chat.id, sent.message_id)
            except tg.RetryAfter as exc:
                wait = retry_after_seconds(exc)
                if attempt == self.config.send_attempts or wait > self.config.max_retry_wait:
                    raise self._error(exc) from None
                log.info("telegram %s: rate limited, retrying in %.0fs", self.name, wait)
                await asyncio.sleep(wait)
            except tg.ChatMigrated as exc:
                # The group became a supergroup (400 with parameters.migrate_to_chat_id): same conversation, new
                # chat id; old message ids don't carry over. Remembered, so later replies go there directly.
                await self.host.save_checkpoint(self._record_migration(chat_id, exc.new_chat_id))
                chat_id, reply_to = exc.new_chat_id, None
            except tg.TelegramError as exc:
                raise self._error(exc, private_path=target.private_path) from None
        raise TransientError(f"Telegram kept refusing after {self.config.send_attempts} attempts")

    async def _send_file(self, bot: Bot, target: _Target, attachment: Attachment) -> str:
        """A picture Telegram can show goes by sendPhoto (it recompresses it), anything else by sendDocument."""
        upload = InputFile(attachment.content or b"", filename=attachment.name)
        try:
            if attachment.content_type in ("image/jpeg", "image/png") and attachment.size <= 10 * 1024 * 1024:
                sent = await bot.send_photo(chat_id=target.chat_id, photo=upload)
            else:
                sent = await bot.send_document(chat_id=target.chat_id, document=upload)
        except tg.TelegramError as exc:
            raise self._error(exc, private_path=target.private_path) from None
        return ids.message_id(sent.chat.id, sent.message_id)

    async def hide_public(self, ref: MessageRef) -> None:
        bot = self._require_bot()
        where = ids.parse_message_id(ref.provider_id)
        try:
            await bot.delete_message(chat_id=where.chat_id, message_id=where.message_id)
        except tg.BadRequest as exc:
            if "not found" in exc.message.lower():
                return  # already gone
            raise HideNotPermitted(f"cannot delete the message: {scrub(exc.message)}") from None
        except tg.TelegramError as exc:
            raise self._error(exc) from None

    async def restrict_sender(self, ref: MessageRef, sender: ContactIdentity) -> None:
        from connectors.telegram.moderation import restrict_member

        try:
            await restrict_member(self._require_bot(), ref, sender)
        except tg.TelegramError as exc:
            raise self._error(exc) from None

    def private_link(self, token: str) -> str | None:
        if not DEEP_LINK_TOKEN.fullmatch(token):
            raise ValueError("a Telegram deep-link token is 1-64 characters of A-Z, a-z, 0-9, _ and -")
        if not self._bot_username:
            return None
        return f"https://t.me/{self._bot_username}?start={token}"

    def private_recipient(self, public_sender: ContactIdentity) -> ContactIdentity | None:
        return public_sender if public_sender.kind is IdentityKind.TELEGRAM else None

    # ---- helpers ------------------------------------------------------------------------------------------------

    def _new_bot(self) -> Bot:
        base = self.config.api_base
        return Bot(
            self.config.token.get_secret_value(),
            base_url=f"{base}/bot",
            base_file_url=f"{base}/file/bot",
            request=HTTPXRequest(connection_pool_size=8, read_timeout=20.0),
            get_updates_request=HTTPXRequest(connection_pool_size=1),
        )

    def _webhook_url(self) -> str:
        if not self.config.webhook_url:
            raise PermanentError("webhook mode needs webhook_url (the public URL of /webhooks/telegram/<name>)")
        return self.config.webhook_url

    def _require_bot(self) -> Bot:
        if self._bot is None:
            raise PermanentError(f"telegram connector {self.name} is not started")
        return self._bot

    def _error(self, exc: tg.TelegramError, *, private_path: bool = False) -> Exception:
        return classify(exc, self.config.token.get_secret_value(), private_path=private_path)
