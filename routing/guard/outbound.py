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
    `blocked`: do not send as written at all (a secret the policy never lets out); the agent must edit the reply.
    `reasons`: one human-readable line per kind, for the agent UI.
    """

    route: Visibility
    findings: tuple[Finding, ...]
    reasons: tuple[str, ...]
    public_notice: str | None
    blocked: bool

    @property
    def preview(self) -> str | None:
        return "; ".join(self.reasons) if self.reasons else None


def check_outbound(
    text: str, conversation_visibility: Visibility, policy: GuardPolicy, language: str | None = None
) -> OutboundDecision:
    """`language`: the customer's ("zh"/"en"), for the public notice; detected from `text` when None."""
    findings = tuple(findings_for(text, policy)) if policy.enabled else ()
    kinds = list(dict.fromkeys(finding.kind for finding in findings))
    if conversation_visibility == Visibility.PRIVATE:
        blocking = [kind for kind in kinds if policy.rule_for(kind).outbound_private == OutboundAction.BLOCK]
        reasons = tuple(f"contains {_name(kind)} — not sent: remove it before sending" for kind in blocking)
        return OutboundDecision(Visibility.PRIVATE, findings, reasons, None, bool(blocking))
    blocking = [kind for kind in kinds if policy.rule_for(kind).outbound_public == OutboundAction.BLOCK]
    moving = [kind for kind in kinds if policy.rule_for(kind).outbound_public == OutboundAction.PRIVATE]
    if not blocking and not moving:
        return OutboundDecision(Visibility.PUBLIC, findings, (), None, False)
    reasons = tuple(
        f"contains {_name(kind)} — never posted publicly: remove it, or send it privately" for kind in blocking
    ) + tuple(f"contains {_name(kind)} — will be sent by DM, the public thread gets a notice" for kind in moving)
    notice = policy.texts.render("outbound_notice", reply_language(text, language))
    return OutboundDecision(Visibility.PRIVATE, findings, reasons, notice, bool(blocking))


def outbound_preview(
    text: str, conversation_visibility: Visibility, policy: GuardPolicy, language: str | None = None
) -> str | None:
    """The one-line warning for the agent UI, or None when the reply goes out as written."""
    return check_outbound(text, conversation_visibility, policy, language).preview


def _name(kind: str) -> str:
    return KIND_NAMES["en"].get(kind, kind)
