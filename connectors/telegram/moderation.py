"""Restricting a member of a group where the bot is admin (an impersonator): Bot API restrictChatMember."""
from __future__ import annotations

from telegram import Bot, ChatPermissions
from telegram import error as tg

from connectors.base import NotSupported, PermanentError
from connectors.telegram import ids
from connectors.telegram.errors import scrub
from inbox.domain import ContactIdentity, IdentityKind, MessageRef


class RestrictNotPermitted(PermanentError, NotSupported):
    """The bot may not restrict this member (not admin with that right, a basic group, the member is an admin)."""


async def restrict_member(bot: Bot, ref: MessageRef, sender: ContactIdentity) -> None:
    if sender.kind is not IdentityKind.TELEGRAM or not sender.value.lstrip("-").isdigit():
        raise RestrictNotPermitted(f"not a Telegram user: a {sender.kind} identity")
    where = ids.parse_message_id(ref.provider_id)
    if where.chat_id > 0:
        raise RestrictNotPermitted("a private chat has no members to restrict")
    try:
        # No permissions at all: the member stays (and can read our warning) but can no longer post.
        await bot.restrict_chat_member(chat_id=where.chat_id, user_id=int(sender.value),
                                       permissions=ChatPermissions.no_permissions(),
                                       use_independent_chat_permissions=True)
    except tg.BadRequest as exc:
        raise RestrictNotPermitted(f"cannot restrict the member: {scrub(exc.message)}") from None
