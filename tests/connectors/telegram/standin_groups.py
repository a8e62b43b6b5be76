"""What real supergroups send a bot, for the Bot API stand-in (mixed into BotApiStandIn).

Shapes follow the Bot API documentation (https://core.telegram.org/bots/api): Message.message_thread_id,
is_topic_message, forum_topic_created (Forum topics, "Bot API 6.3"); sender_chat and is_automatic_forward
("the supergroup itself for messages sent by its anonymous administrators or a linked channel for messages
automatically forwarded to the channel's discussion group ... the field from contains a fake sender user in
non-channel chats"); migrate_to_chat_id / migrate_from_chat_id; ResponseParameters.migrate_to_chat_id ("The group
has been migrated to a supergroup with the specified identifier"); setWebhook ("Ports currently supported for
webhooks: 443, 80, 88, 8443", HTTPS only, except on a local Bot API server). The fake senders' ids are those
python-telegram-bot names in telegram.constants.ChatID (SERVICE_CHAT 777000, ANONYMOUS_ADMIN 1087968824,
FAKE_CHANNEL 136817688). Error texts are Telegram's.
"""
from __future__ import annotations

import itertools
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from tests.connectors.telegram.wire import ApiError, TgChat, TgUser

if TYPE_CHECKING:
    from tests.connectors.telegram.standin import BotApiStandIn

TELEGRAM_SERVICE = {"id": 777000, "is_bot": False, "first_name": "Telegram"}
GROUP_ANONYMOUS_BOT = {"id": 1087968824, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"}
CHANNEL_BOT = {"id": 136817688, "is_bot": True, "first_name": "Channel", "username": "Channel_Bot"}
WEBHOOK_PORTS = (443, 80, 88, 8443)
_supergroup_ids = itertools.count(1_001_234_567_890)


class RealGroupShapes:
    """Forum topics, messages on behalf of chats, automatic forwards, group upgrades; setWebhook's rules."""

    # api.telegram.org (True) or a local Bot API server (False: any URL, any port, plain HTTP allowed)
    cloud: bool = False

    def _groups_state(self: BotApiStandIn) -> dict[str, dict]:  # type: ignore[misc]
        state = self.__dict__.get("_group_shapes")
        if state is None:
            state = self.__dict__["_group_shapes"] = {"migrated": {}, "topics": {}}
        return state

    # ---- forum topics -----------------------------------------------------------------------------------------

    def forum_topic(self: BotApiStandIn, forum: TgChat, creator: TgUser, name: str) -> int:  # type: ignore[misc]
        """A user opens a topic: the forum_topic_created service message (its id is the topic's id)."""
        msg = self.message(forum, creator, extra={
            "forum_topic_created": {"name": name, "icon_color": 7322096}, "is_topic_message": True})
        msg["message_thread_id"] = msg["message_id"]
        self._messages[(forum.id, int(msg["message_id"]))] = msg  # type: ignore[call-overload]
        self.inject({"message": msg})
        self._groups_state()["topics"].setdefault(forum.id, set()).add(int(msg["message_id"]))  # type: ignore
        return int(msg["message_id"])  # type: ignore[call-overload]

    def topic_message(self: BotApiStandIn, forum: TgChat, sender: TgUser, topic: int, text: str,  # type: ignore[misc]
                      reply_to: int | None = None) -> dict[str, object]:
        """A message in a topic: like Telegram, it 'replies' to the topic's first message unless it answers one."""
        msg = self.message(forum, sender, text, reply_to=reply_to or topic,
                           extra={"message_thread_id": topic, "is_topic_message": True})
        return self.inject({"message": msg})

    # ---- messages on behalf of chats ------------------------------------------------------------------------------

    def automatic_forward(self: BotApiStandIn, group: TgChat, channel: TgChat, text: str,  # type: ignore[misc]
                          channel_post_id: int = 42) -> dict[str, object]:
        """A linked channel's post copied into its discussion group."""
        now = int(time.time())
        msg = self.message(group, None, text, extra={
            "from": TELEGRAM_SERVICE, "sender_chat": channel.to_api(), "is_automatic_forward": True,
            "forward_origin": {"type": "channel", "chat": channel.to_api(), "message_id": channel_post_id,
                               "date": now},
            "forward_from_chat": channel.to_api(), "forward_from_message_id": channel_post_id, "forward_date": now,
        })
        return self.inject({"message": msg})

    def anonymous_admin_message(self: BotApiStandIn, group: TgChat, text: str,  # type: ignore[misc]
                                signature: str | None = None) -> dict[str, object]:
        extra: dict[str, object] = {"from": GROUP_ANONYMOUS_BOT, "sender_chat": group.to_api()}
        if signature:
            extra["author_signature"] = signature
        return self.inject({"message": self.message(group, None, text, extra=extra)})

    def channel_message_in_group(self: BotApiStandIn, group: TgChat, channel: TgChat,  # type: ignore[misc]
                                 text: str) -> dict[str, object]:
        """Someone posting into the group as a channel (the group's own or linked channel)."""
        extra = {"from": CHANNEL_BOT, "sender_chat": channel.to_api()}
        return self.inject({"message": self.message(group, None, text, extra=extra)})

    # ---- group -> supergroup ----------------------------------------------------------------------------------------

    def migrate_group(self: BotApiStandIn, group: TgChat, by: TgUser) -> TgChat:  # type: ignore[misc]
        """Upgrade a group: service messages in both chats; sending to the old id then answers 400 with
        parameters.migrate_to_chat_id."""
        supergroup = TgChat(-next(_supergroup_ids), "supergroup", title=group.title)
        old = self.message(group, by, extra={"migrate_to_chat_id": supergroup.id})
        new = self.message(supergroup, by, extra={"migrate_from_chat_id": group.id})
        self.inject({"message": old})
        self.inject({"message": new})
        self._groups_state()["migrated"][group.id] = supergroup.id
        return supergroup

    def check_send_target(self: BotApiStandIn, chat_id: object,  # type: ignore[misc]
                          params: Mapping[str, object]) -> int | None:
        """Called by sendMessage: refuse an upgraded group; the topic to send to (validated), or None."""
        state = self._groups_state()
        if chat_id in state["migrated"]:
            raise ApiError(400, "Bad Request: group chat was upgraded to a supergroup chat",
                           parameters={"migrate_to_chat_id": state["migrated"][chat_id]})
        topic = params.get("message_thread_id")
        if topic is None:
            return None
        if not isinstance(topic, int) or topic not in state["topics"].get(chat_id, set()):
            raise ApiError(400, "Bad Request: message thread not found")
        return topic

    # ---- setWebhook ---------------------------------------------------------------------------------------------

    def check_webhook_url(self, url: str) -> None:
        if not self.cloud:
            return
        parts = urlsplit(url)
        if parts.scheme != "https":
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        try:
            port = parts.port or 443
        except ValueError:
            raise ApiError(400, "Bad Request: bad webhook: Failed to resolve host: Name or service not known") \
                from None
        if port not in WEBHOOK_PORTS:
            raise ApiError(400, "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
