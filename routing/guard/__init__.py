"""The sensitive-data guard: policy, the pipeline stage, the outbound check and display masking."""
from __future__ import annotations

from routing.guard.display import display_mask, mask_value
from routing.guard.outbound import OutboundDecision, check_outbound, outbound_preview
from routing.guard.policy import (
    GuardPolicy,
    InboundPrivate,
    InboundPublic,
    KindRule,
    OutboundAction,
    TierRule,
)
from routing.guard.stage import SensitiveStage, findings_for, mask_secrets
from routing.guard.texts import GuardTexts, reply_language

__all__ = [
    "GuardPolicy",
    "GuardTexts",
    "InboundPrivate",
    "InboundPublic",
    "KindRule",
    "OutboundAction",
    "OutboundDecision",
    "SensitiveStage",
    "TierRule",
    "check_outbound",
    "display_mask",
    "findings_for",
    "mask_secrets",
    "mask_value",
    "outbound_preview",
    "reply_language",
]
