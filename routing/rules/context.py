"""What a rule sees while it runs: the item, the clock, and values worked out once per message."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from inbox.domain import Priority
from inbox.pipeline.stages import Classification, PipelineItem
from routing.language import detect_language


@dataclass(slots=True)
class RuleContext:
    item: PipelineItem
    now: datetime
    _folded: str | None = field(default=None, repr=False)

    @property
    def text(self) -> str:
        """Stored (masked) subject and text: rules never see a secret the guard has masked."""
        subject = self.item.subject
        return f"{subject}\n{self.item.text}" if subject else self.item.text

    @property
    def folded_text(self) -> str:
        """NFKC + case-folded, so "ＵＳＤＴ" contains "usdt"."""
        if self._folded is None:
            self._folded = unicodedata.normalize("NFKC", self.text).casefold()
        return self._folded

    @property
    def classification(self) -> Classification | None:
        """The conversation's type as it will be after this message: set by a rule or the classifier, else kept."""
        if self.item.effects.type is not None:
            return self.item.effects.type
        if self.item.conversation.type is not None:
            return Classification(self.item.conversation.type, 1.0, ("conversation type",))
        return self.item.classification

    @property
    def language(self) -> str:
        return self.item.language or self.item.conversation.contact_language or detect_language(self.text)

    @property
    def priority(self) -> Priority:
        asked = self.item.effects.priority
        current = self.item.conversation.priority
        return asked if asked is not None and asked.rank > current.rank else current

    @property
    def tags(self) -> set[str]:
        effects = self.item.effects
        return (set(self.item.conversation.tags) | effects.add_tags) - effects.remove_tags

    def has_any_tag(self, wanted: frozenset[str]) -> bool:
        """`not wanted.isdisjoint(self.tags)` without building the set (this runs several times per message)."""
        effects = self.item.effects
        current = self.item.conversation.tags
        for tag in wanted:
            if tag not in effects.remove_tags and (tag in effects.add_tags or tag in current):
                return True
        return False
