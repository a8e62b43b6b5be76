"""The pipeline stage: a public reply in one of our threads from an account that impersonates us.

For each public X or Telegram message the detector flags (routing.impersonation.detect), the stage asks for:
- the conversation tagged `impersonation`, priority high, a system note with the evidence, an audit entry and a
  row in the impersonators list;
- a short public warning answering the impersonator's post, and a private message to the conversation's customer
  (by the platform's private path, or a private link when it refuses) — once per conversation, and never when the
  flagged sender is the conversation's own contact (that would warn the impersonator privately);
- on Telegram (configurable): the impersonator's message deleted and the sender restricted where the bot is admin.
The message itself is flagged `impersonation`, so no rule answers it ("thanks, your ticket is ...").
Our own accounts and the conversation's customer (judged on identity only) are never acted on.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from inbox.domain import Channel, Priority, Visibility
from inbox.pipeline.effects import ANSWERS_FLAGGED, TICKET_PLACEHOLDER
from inbox.pipeline.stages import AuditEntry, AutoReply, PipelineItem
from routing.impersonation.detect import Account, Verdict, assess
from routing.impersonation.holder import ImpersonationHolder
from routing.impersonation.registry import ImpersonationSettings

TAG = "impersonation"
FLAG = "impersonation"
NOTE_REASON = "system:impersonation"
_PLATFORM = {Channel.TWITTER: "x", Channel.TELEGRAM: "telegram"}


def verify_url(public_url: str) -> str:
    return f"{public_url.rstrip('/')}/verify"


def our_handle(settings: ImpersonationSettings, platform: str) -> str:
    r = settings.registry
    if settings.warning_handle:
        return "@" + settings.warning_handle.lstrip("@")
    for handle in (r.x_handles if platform == "x" else (*r.telegram_bots, *r.telegram_handles)):
        return f"@{handle}"
    return r.brand_names[0] if r.brand_names else "We"


def warning_text(settings: ImpersonationSettings, platform: str, public_url: str, zh: bool) -> str:
    who = our_handle(settings, platform)
    if zh:
        return (f"{who} 绝不会主动私信您，也绝不会索要助记词或私钥。此回复并非官方账号。"
                f"核实官方账号：{verify_url(public_url)} ({TICKET_PLACEHOLDER})")
    return (f"{who} will never DM you first or ask for your recovery phrase; that reply is not from us. "
            f"Verify us at {verify_url(public_url)} ({TICKET_PLACEHOLDER})")


def private_text(settings: ImpersonationSettings, platform: str, public_url: str, zh: bool, fake: str) -> str:
    who = our_handle(settings, platform)
    if zh:
        return (f"您的公开帖子下有一个冒充我们的账号（{fake}）。{who} 绝不会主动私信您，也不会索要助记词、私钥或验证码；"
                f"请不要点击它发的链接。核实任何账号或链接：{verify_url(public_url)}。您的工单：{TICKET_PLACEHOLDER}")
    return (f"An account pretending to be us ({fake}) replied to your public post. {who} will never DM you first or "
            f"ask for your recovery phrase, keys or codes; please don't open its links. Check any account or link at "
            f"{verify_url(public_url)}. Your ticket: {TICKET_PLACEHOLDER}")


def note_text(verdict: Verdict, fake: str, platform: str) -> str:
    lines = [f"Impersonator on {platform}: {fake} (score {verdict.score:.2f}). Signals:"]
    lines += [f"- {s.name} ({s.weight:.2f}): {s.detail}" for s in verdict.signals]
    return "\n".join(lines)


class ImpersonationStage:
    name = "impersonation"

    def __init__(self, holder: ImpersonationHolder, public_url: str) -> None:
        self.holder = holder
        self.public_url = public_url

    def process(self, items: Sequence[PipelineItem]) -> None:
        settings = self.holder.current
        if not settings.enabled:
            return
        warned: set[int] = set()  # conversations (by view identity) warned in this batch
        for item in items:
            m = item.message
            platform = _PLATFORM.get(m.channel)
            if platform is None or m.visibility is not Visibility.PUBLIC or m.edit_of:
                continue
            view = item.conversation
            own_contact = item.sender_contact_id is not None and item.sender_contact_id == view.contact_id
            account = Account(platform, m.sender.value, (m.sender.handle or "").lstrip("@") or None,
                              m.sender.display_name)
            verdict = assess(account, m.text, settings.registry, threshold=settings.threshold,
                             identity_only=own_contact)
            if not verdict.flagged:
                continue
            self._act(item, verdict, settings, platform, own_contact, warned)

    def _act(self, item: PipelineItem, verdict: Verdict, settings: ImpersonationSettings, platform: str,
             own_contact: bool, warned: set[int]) -> None:
        m, e, view = item.message, item.effects, item.conversation
        fake = m.sender.handle or m.sender.display_name or m.sender.value
        item.message = dataclasses.replace(m, flags=m.flags | {FLAG})
        e.add_tags.add(TAG)
        e.raise_priority(Priority.HIGH)
        e.notes.append((NOTE_REASON, note_text(verdict, fake, platform)))
        e.audit.append(AuditEntry("impersonation", "impersonator_detected", f"{fake}: {verdict.explain()}"[:1000]))
        e.reports.append({
            "platform": platform, "account_id": m.sender.value, "handle": m.sender.handle,
            "display_name": m.sender.display_name, "score": verdict.score, "provider_id": m.provider_id,
            "signals": [{"name": s.name, "weight": s.weight, "detail": s.detail} for s in verdict.signals],
            "excerpt": item.text,
        })
        actions = settings.actions
        if platform == "telegram":
            e.hide_public = e.hide_public or actions.telegram_delete
            e.restrict_sender = actions.telegram_restrict
        first_warning = TAG not in view.tags and id(view) not in warned
        if not first_warning:
            return
        warned.add(id(view))
        zh = (item.language or view.contact_language or "").startswith("zh")
        if actions.public_warning:
            e.replies.append(AutoReply(warning_text(settings, platform, self.public_url, zh), Visibility.PUBLIC,
                                       f"{ANSWERS_FLAGGED}warning", in_reply_to=m.provider_id))
        if actions.private_message and not own_contact:
            e.replies.append(AutoReply(private_text(settings, platform, self.public_url, zh, fake), Visibility.PRIVATE,
                                       f"{ANSWERS_FLAGGED}customer", private_link_fallback=True))
