"""restrictChatMember for the Bot API stand-in, with the Bot API's refusals (core.telegram.org/bots/api
#restrictchatmember): only in supergroups, only where the bot is an admin with can_restrict_members, never an admin
of the chat; `permissions` is a JSON ChatPermissions object; answers True."""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from tests.connectors.telegram.wire import ApiError

if TYPE_CHECKING:
    from tests.connectors.telegram.standin import BotApiStandIn


def restrict_chat_member(peer: "BotApiStandIn", params: Mapping[str, object]) -> object:
    chat_id, user_id, permissions = params.get("chat_id"), params.get("user_id"), params.get("permissions")
    if not isinstance(chat_id, int) or not isinstance(user_id, int):
        raise ApiError(400, "Bad Request: invalid user_id specified")
    if not isinstance(permissions, dict):
        raise ApiError(400, "Bad Request: can't parse permissions JSON object")
    chat = peer._chats.get(chat_id)
    if chat is None:
        raise ApiError(400, "Bad Request: chat not found")
    if chat.get("type") != "supergroup":
        raise ApiError(400, "Bad Request: method is available only for supergroups")
    if chat_id not in peer.admin_in:
        raise ApiError(400, "Bad Request: not enough rights to restrict/unrestrict chat member")
    if user_id in peer.chat_admins.get(chat_id, set()):
        raise ApiError(400, "Bad Request: user is an administrator of the chat")
    peer.restricted.append({"chat_id": chat_id, "user_id": user_id, "permissions": permissions,
                            "until_date": params.get("until_date")})
    return True
