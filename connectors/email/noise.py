"""Recognising mail that must never be answered automatically: auto-replies, bounces, list traffic, no-reply
senders, and our own sent mail (RFC 3834, RFC 3464, RFC 2369/2919 plus what real servers actually send)."""
from __future__ import annotations

import re
from collections.abc import Callable

# Message-IDs of mail we send start with this, so our own mail showing up in the mailbox (a Bcc, a relay that
# files sent mail in INBOX, a loop through an alias) is recognised and never ingested as a customer message.
OWN_ID_PREFIX = "omni-inbox."

_AUTO_SUBJECT = re.compile(
    r"^\s*(?:auto(?:matic)?\s*(?:reply|response|answer)|auto:|out\s+of\s+(?:the\s+)?office|vacation|"
    r"autoreply|自动回复|自動回覆|自动答复|休假|不在办公室)",
    re.IGNORECASE,
)
_BOUNCE_SUBJECT = re.compile(
    r"(?:undeliver(?:ed|able)|delivery\s+(?:status\s+notification|failure|has\s+failed)|returned\s+mail|"
    r"mail\s+delivery\s+(?:failed|system)|failure\s+notice|退信|系统退信|投递失败|未送达)",
    re.IGNORECASE,
)
_BOUNCE_SENDER = re.compile(r"^(?:mailer-daemon|postmaster|mail-daemon)@", re.IGNORECASE)
_NOREPLY_SENDER = re.compile(
    r"^(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|donotreply|noreply-[^@]*|notifications?|alerts?|bounces?)(?:[+-][^@]*)?@",
    re.IGNORECASE,
)


def is_own_message_id(message_id: str) -> bool:
    return message_id.startswith(OWN_ID_PREFIX)


def noise_flags(
    header: Callable[[str], str], content_type: str, sender_address: str, subject: str
) -> frozenset[str]:
    """Flags for one mail. `header(name)` returns the decoded header value or ""."""
    flags: set[str] = set()
    auto_submitted = header("Auto-Submitted").strip().lower()
    precedence = header("Precedence").strip().lower()
    if (
        (auto_submitted and not auto_submitted.startswith("no"))
        or header("X-Autoreply")
        or header("X-Autorespond")
        or header("X-Auto-Reply")
        or precedence in {"auto_reply", "bulk", "junk"}
        or header("X-Auto-Response-Suppress").strip().lower() in {"oof", "all"} and _AUTO_SUBJECT.search(subject)
        or _AUTO_SUBJECT.search(subject)
    ):
        flags.add("auto_reply")
    if (
        content_type == "multipart/report"
        or _BOUNCE_SENDER.match(sender_address)
        or (header("Return-Path").strip() == "<>" and _BOUNCE_SUBJECT.search(subject))
        or header("X-Failed-Recipients")
        or _BOUNCE_SUBJECT.search(subject) and not sender_address
    ):
        flags.add("bounce")
    if (
        header("List-Id")
        or header("List-Unsubscribe")
        or header("List-Post")
        or header("Mailing-List")
        or precedence == "list"
    ):
        flags.add("list")
    if _NOREPLY_SENDER.match(sender_address):
        flags.add("noreply")
    return frozenset(flags)
