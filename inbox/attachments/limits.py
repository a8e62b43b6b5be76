"""How large a customer's file may be, per channel, and the message a customer gets when one is refused.

Defaults follow what each platform itself allows, so the inbox refuses nothing the customer's app let through
without saying so: Telegram bots can download up to 20 MB (getFile), X DMs carry images up to 5 MB and videos up to
15 MB, mail servers commonly stop at 25 MB; the in-app chat's upload is ours to bound (10 MB).
"""
from __future__ import annotations

from dataclasses import replace

from inbox.domain import Attachment, Channel

MB = 1024 * 1024
DEFAULT_LIMITS: dict[Channel, int] = {
    Channel.EMAIL: 25 * MB,
    Channel.TELEGRAM: 20 * MB,
    Channel.TWITTER: 15 * MB,
    Channel.WEBCHAT: 10 * MB,
}
REFUSED = "refused: "


def limit_for(channel: Channel) -> int:
    return DEFAULT_LIMITS.get(channel, 10 * MB)


def megabytes(size: int) -> str:
    return f"{size / MB:.1f} MB"


def refused(attachment: Attachment, size: int, limit: int) -> Attachment:
    """The attachment kept as a name with the reason, without content (nothing of it is stored)."""
    return replace(attachment, content=None, size=size,
                   note=f"{REFUSED}{megabytes(size)} is over this channel's limit of {megabytes(limit)}")
