"""Pipeline stage "rules": apply the rules in force to every item, recording effects only."""
from __future__ import annotations

from datetime import datetime
from typing import Callable, Sequence

from inbox.domain import utcnow
from inbox.pipeline.stages import PipelineItem
from routing.rules.engine import FiredRule
from routing.rules.holder import RulesHolder


class RulesStage:
    name = "rules"

    def __init__(self, holder: RulesHolder, now: Callable[[], datetime] = utcnow) -> None:
        self._holder = holder
        self._now = now

    def process(self, items: Sequence[PipelineItem]) -> None:
        self._holder.maybe_reload()
        rules = self._holder.current  # one version of the rules for the whole batch
        now = self._now()
        for item in items:
            rules.apply(item, now)

    def explain(self, item: PipelineItem) -> list[FiredRule]:
        """Apply the rules to one item and say which fired (dry runs, admin previews)."""
        return self._holder.current.apply(item, self._now())
