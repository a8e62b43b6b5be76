"""Checking an agent's reply before it goes out, and the preview line the agent UI shows while typing."""
from __future__ import annotations

from dataclasses import dataclass

from inbox.domain import Visibility
from inbox.pipeline.stages import Finding
from routing.guard.policy import GuardPolicy, OutboundAction
from routing.guard.stage import findings_for
from routing.guard.texts import KIND_NAMES, reply_language


@dataclass(frozen=True, slots=True)
class OutboundDecision:
    """Where a reply may go.

    `route`: the visibility to send with (PRIVATE on a public conversation = by the platform's private path, with
    the outbox's private-link fallback). `public_notice`: what to post in the public thread instead, if anything.
    `blocked`: do not send at all (a kind the policy never lets out, `refused_kinds`); the agent must edit the reply.
    `blocked_publicly`: some kind may never be posted publicly (it goes privately, or is refused).
    `reasons`: one human-readable line per kind, for the agent UI.
    """

    route: Visibility
    findings: tuple[Finding, ...]
    reasons: tuple[str, ...]
    public_notice: str | None
    blocked: bool
    refused_kinds: tuple[str, ...] = ()
    blocked_publicly: bool = False

    @property
    def preview(self) -> str | None:
        return "; ".join(self.reasons) if self.reasons else None

    @property
    def refusal(self) -> str | None:
        """The agent-facing error for a refused reply: names the kinds, never quotes a value."""
        return refusal_message(self.refused_kinds) if self.blocked else None


def check_outbound(
    text: str,
    conversation_visibility: Visibility,
    policy: GuardPolicy,
    language: str | None = None,
    *,
    wants_private: bool = False,
) -> OutboundDecision:
    """`language`: the customer's ("zh"/"en"), for the public notice; detected from `text` when None.
    `wants_private`: the agent chose to answer a public conversation privately."""
    findings = tuple(findings_for(text, policy)) if policy.enabled else ()
    kinds = list(dict.fromkeys(finding.kind for finding in findings))
    public = conversation_visibility == Visibility.PUBLIC and not wants_private
    not_public = [kind for kind in kinds if policy.rule_for(kind).outbound_public == OutboundAction.BLOCK]
    moving = [kind for kind in kinds if policy.rule_for(kind).outbound_public == OutboundAction.PRIVATE]
    moved = public and bool(not_public or moving)
    route = Visibility.PUBLIC if public and not moved else Visibility.PRIVATE
    refused = (
        [kind for kind in kinds if policy.rule_for(kind).outbound_private == OutboundAction.BLOCK]
        if route == Visibility.PRIVATE else []
    )
    reasons: list[str] = []
    for kind in kinds:
        if kind in refused:
            never_public = "never posted publicly, and " if public and kind in not_public else ""
            reasons.append(f"contains {_name(kind)} — {never_public}not sent: agents never send this; remove it")
        elif public and kind in not_public:
            reasons.append(f"contains {_name(kind)} — never posted publicly: it will be sent privately")
        elif public and kind in moving:
            reasons.append(f"contains {_name(kind)} — will be sent by DM, the public thread gets a notice")
    notice = None
    if conversation_visibility == Visibility.PUBLIC and (not_public or moving) and not refused:
        notice = policy.texts.render("outbound_notice", reply_language(text, language))
    return OutboundDecision(
        route, findings, tuple(reasons), notice, bool(refused), tuple(refused),
        blocked_publicly=public and bool(not_public),
    )


def outbound_preview(
    text: str, conversation_visibility: Visibility, policy: GuardPolicy, language: str | None = None
) -> str | None:
    """The one-line warning for the agent UI, or None when the reply goes out as written."""
    return check_outbound(text, conversation_visibility, policy, language).preview


def refusal_message(kinds: tuple[str, ...] | list[str]) -> str:
    names = ", ".join(f"{_name(kind)} ({kind})" for kind in kinds)
    return (f"Not sent: the reply contains {names}. Agents never send a customer's recovery phrase, private key, "
            "password, verification code or card number; remove it and send again. Nothing was stored.")


def _name(kind: str) -> str:
    return KIND_NAMES["en"].get(kind, kind)
