"""The issue types the classifier assigns (see /work/shared/design.md, "Issue types")."""
from __future__ import annotations

ISSUE_TYPES: tuple[str, ...] = (
    "account_access", "deposit", "withdrawal", "transaction", "payment", "fees",
    "limits", "security", "complaint", "feedback", "how_to", "other",
)
FALLBACK_TYPE = "other"
