"""What agents type (private notes, replies the admin lets carry a secret, canned replies, tags) is masked at rest like
inbound text: secret-tier spans are replaced by a label before the row is written."""
from __future__ import annotations

from dataclasses import dataclass

from inbox.pipeline.stages import Finding
from routing.guard.policy import GuardPolicy
from routing.guard.stage import findings_for
from routing.sensitive import redact_where


@dataclass(frozen=True, slots=True)
class MaskedInput:
    text: str  # what may be stored
    masked: tuple[Finding, ...]  # the masked spans, with offsets into `text` (they cover the labels)

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(finding.kind for finding in self.masked))

    def findings_json(self) -> list[dict[str, object]]:
        return [{"kind": f.kind, "start": f.start, "end": f.end, "tier": f.tier} for f in self.masked]


def mask_typed(text: str, policy: GuardPolicy | None) -> MaskedInput:
    """Mask what the policy masks at rest. Only the masked findings are returned: personal and linkable items in
    what agents write stay as today (stored, not flagged), so their display does not change."""
    if policy is None or not policy.enabled:
        return MaskedInput(text, ())
    findings = findings_for(text, policy)
    if not findings:
        return MaskedInput(text, ())

    def should_mask(finding: Finding) -> bool:
        return policy.rule_for(finding.kind).mask_at_rest

    stored, moved = redact_where(text, findings, should_mask)
    if stored == text:
        return MaskedInput(text, ())
    # Moved findings keep their kind, and masking is decided per kind.
    return MaskedInput(stored, tuple(f for f in moved if should_mask(f)))
