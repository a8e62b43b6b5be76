"""Customer files fetched when their update arrives (getFile, then the file URL), so the guard can read images and
the inbox keeps the bytes: a Telegram file_id alone can stop working, and the customer may delete the message.

A file over the limit is not downloaded at all (the Bot API refuses files over 20 MB anyway: "file is too big"); a
download that fails keeps the file_id and says why on the attachment, and the message is delivered regardless."""
from __future__ import annotations

import logging
from dataclasses import replace

import telegram as tg

from inbox.attachments.limits import limit_for, refused
from inbox.domain import Attachment, InboundMessage

log = logging.getLogger(__name__)


async def with_files(bot: tg.Bot, message: InboundMessage) -> InboundMessage:
    if not any(a.provider_ref and a.content is None for a in message.attachments):
        return message
    limit = limit_for(message.channel)
    return replace(message, attachments=tuple([await _fetch(bot, a, limit) for a in message.attachments]))


async def _fetch(bot: tg.Bot, attachment: Attachment, limit: int) -> Attachment:
    if attachment.content is not None or not attachment.provider_ref:
        return attachment
    if attachment.size > limit:
        return refused(attachment, attachment.size, limit)
    try:
        file = await bot.get_file(attachment.provider_ref)
        if file.file_size and file.file_size > limit:
            return refused(attachment, file.file_size, limit)
        data = bytes(await file.download_as_bytearray())
    except tg.error.BadRequest as error:
        if "too big" in error.message.lower():
            return refused(attachment, max(attachment.size, 20 * 1024 * 1024 + 1), limit)
        return replace(attachment, note=f"not downloaded: {error.message}")
    except tg.error.TelegramError as error:
        log.warning("telegram file %s not downloaded: %s", attachment.name, type(error).__name__)
        return replace(attachment, note=f"not downloaded: {type(error).__name__}")
    if len(data) > limit:
        return refused(attachment, len(data), limit)
    return replace(attachment, content=data, size=len(data))
