"""Rule actions: small objects with `apply(context, rule_name)`, compiled from a rule's `then:` list.

Every action records an AuditEntry with actor "rule:<name>"; an action only ever writes `item.effects`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from inbox.domain import ConversationStatus, Priority, Visibility
from inbox.pipeline.stages import AuditEntry, AutoReply, Classification, WebhookCall
from routing.rules.context import RuleContext
from routing.rules.templates import ReplyTemplate

# Messages that are themselves automatic (or ours): answering them automatically could start a reply loop.
NO_AUTO_REPLY_FLAGS = frozenset({"auto_reply", "bounce", "list", "noreply", "own", "service"})
ROUND_ROBIN = "round_robin"


class Action(Protocol):
    def apply(self, context: RuleContext, rule: str) -> None: ...

    def describe(self) -> str: ...


def _audit(context: RuleContext, rule: str, action: str, detail: str) -> None:
    context.item.effects.audit.append(AuditEntry(f"rule:{rule}", action, detail))


def _may_auto_reply(context: RuleContext, rule: str) -> bool:
    blocking = sorted(NO_AUTO_REPLY_FLAGS & context.item.message.flags)
    if blocking:
        _audit(context, rule, "auto_reply_suppressed", f"message flags {blocking}: never answered automatically")
    return not blocking


@dataclass(frozen=True, slots=True)
class Tag:
    tags: tuple[str, ...]
    remove: bool = False

    def apply(self, context: RuleContext, rule: str) -> None:
        effects = context.item.effects
        for tag in self.tags:
            if self.remove:
                effects.remove_tags.add(tag)
                effects.add_tags.discard(tag)
            else:
                effects.add_tags.add(tag)
                effects.remove_tags.discard(tag)
        _audit(context, rule, "untag" if self.remove else "tag", ", ".join(self.tags))

    def describe(self) -> str:
        return f"{'remove' if self.remove else 'add'} tag {', '.join(self.tags)}"


@dataclass(frozen=True, slots=True)
class SetType:
    type: str

    def apply(self, context: RuleContext, rule: str) -> None:
        context.item.effects.type = Classification(self.type, 1.0, (f"set by rule:{rule}",))
        _audit(context, rule, "set_type", self.type)

    def describe(self) -> str:
        return f"set type {self.type}"


@dataclass(frozen=True, slots=True)
class SetPriority:
    priority: Priority

    def apply(self, context: RuleContext, rule: str) -> None:
        context.item.effects.raise_priority(self.priority)  # Effects: the highest priority asked for wins
        _audit(context, rule, "priority", self.priority.value)

    def describe(self) -> str:
        return f"priority at least {self.priority.value}"


@dataclass(frozen=True, slots=True)
class Assign:
    team: str | None
    agent: str | None  # None: round-robin among the team's available agents

    def apply(self, context: RuleContext, rule: str) -> None:
        effects = context.item.effects
        if self.team is not None:
            effects.team = self.team
        effects.assignee = self.agent or ROUND_ROBIN
        _audit(context, rule, "assign", f"team={self.team or '-'} assignee={effects.assignee}")

    def describe(self) -> str:
        return f"assign to {self.agent or 'next available agent'}" + (f" in team {self.team}" if self.team else "")


@dataclass(frozen=True, slots=True)
class Escalate:
    team: str
    priority: Priority
    reason: str

    def apply(self, context: RuleContext, rule: str) -> None:
        effects = context.item.effects
        effects.team = self.team
        effects.assignee = ROUND_ROBIN
        effects.raise_priority(self.priority)
        _audit(context, rule, "escalate", f"team={self.team} priority={self.priority.value} reason={self.reason}")

    def describe(self) -> str:
        return f"escalate to team {self.team} at {self.priority.value} ({self.reason})"


@dataclass(frozen=True, slots=True)
class SendAutoReply:
    template: ReplyTemplate
    template_name: str
    private: bool  # False: reply where the message came from

    def apply(self, context: RuleContext, rule: str) -> None:
        if not _may_auto_reply(context, rule):
            return
        language = context.language
        text = self.template.render(language, context.item.conversation.ticket)
        visibility = Visibility.PRIVATE if self.private else context.item.message.visibility
        context.item.effects.replies.append(AutoReply(text, visibility, f"rule:{rule}"))
        _audit(context, rule, "auto_reply", f"template={self.template_name} language={language} visibility={visibility.value}")

    def describe(self) -> str:
        return f"auto-reply '{self.template_name}'" + (" privately" if self.private else "")


@dataclass(frozen=True, slots=True)
class RedirectPrivate:
    template: ReplyTemplate
    template_name: str
    tag: str

    def apply(self, context: RuleContext, rule: str) -> None:
        effects = context.item.effects
        effects.add_tags.add(self.tag)
        effects.remove_tags.discard(self.tag)
        if context.item.message.visibility is not Visibility.PUBLIC:
            _audit(context, rule, "redirect_private", f"tag={self.tag}; already private, no reply needed")
            return
        if not _may_auto_reply(context, rule):
            return
        text = self.template.render(context.language, context.item.conversation.ticket)
        effects.replies.append(AutoReply(text, Visibility.PRIVATE, f"rule:{rule}", private_link_fallback=True))
        _audit(context, rule, "redirect_private", f"tag={self.tag} template={self.template_name}")

    def describe(self) -> str:
        return f"move to a private channel (tag {self.tag}, reply '{self.template_name}')"


@dataclass(frozen=True, slots=True)
class SetStatus:
    status: ConversationStatus
    snooze_for: timedelta | None = None

    def apply(self, context: RuleContext, rule: str) -> None:
        effects = context.item.effects
        effects.status = self.status
        if self.snooze_for is not None:
            effects.snooze_until = context.now + self.snooze_for
            _audit(context, rule, "snooze", f"until {effects.snooze_until.isoformat()}")
        else:
            _audit(context, rule, self.status.value, "")

    def describe(self) -> str:
        return f"snooze for {self.snooze_for}" if self.snooze_for is not None else f"set status {self.status.value}"


@dataclass(frozen=True, slots=True)
class CallWebhook:
    url: str

    def apply(self, context: RuleContext, rule: str) -> None:
        context.item.effects.webhooks.append(WebhookCall(self.url, rule))
        _audit(context, rule, "webhook", self.url)

    def describe(self) -> str:
        return f"call webhook {self.url}"
