"""Rules in ordered groups, applied to one pipeline item at a time.

Groups work like python-telegram-bot handler groups: every group is tried in order; inside a group only the first
rule whose conditions hold acts (`match: all` lets every matching rule act). A rule with `stop: true` ends the run:
no later rule or group is tried.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from datetime import datetime

from inbox.pipeline.stages import PipelineItem
from routing.rules.action_parsing import Declarations
from routing.rules.actions import Action
from routing.rules.conditions import AllOf
from routing.rules.context import RuleContext


@dataclass(frozen=True)
class Rule:
    name: str
    description: str
    when: AllOf
    actions: tuple[Action, ...]
    stop: bool
    enabled: bool

    def matches(self, context: RuleContext) -> bool:
        return self.enabled and self.when.check(context)

    @cached_property
    def action_descriptions(self) -> tuple[str, ...]:
        """What each action does, in words: worked out once per rule, not every time it fires."""
        return tuple(action.describe() for action in self.actions)

    def act(self, context: RuleContext) -> None:
        for action in self.actions:
            action.apply(context, self.name)


@dataclass(frozen=True)
class RuleGroup:
    name: str
    match_all: bool
    rules: tuple[Rule, ...]


@dataclass(frozen=True, slots=True)
class FiredRule:
    group: str
    rule: str
    actions: tuple[str, ...]  # what each action does, in words
    stopped: bool


@dataclass(frozen=True, slots=True)
class RuleSummary:
    """One rule as an admin sees it (for the admin API)."""

    group: str
    name: str
    description: str
    enabled: bool
    conditions: str
    actions: tuple[str, ...]
    stop: bool


@dataclass(frozen=True)
class RuleSet:
    source: str
    groups: tuple[RuleGroup, ...]
    declarations: Declarations

    def apply(self, item: PipelineItem, now: datetime) -> list[FiredRule]:
        """Run every group against `item`, recording effects on `item.effects`; returns the rules that acted."""
        context = RuleContext(item, now)
        fired: list[FiredRule] = []
        for group in self.groups:
            for rule in group.rules:
                if not rule.matches(context):
                    continue
                rule.act(context)
                fired.append(FiredRule(group.name, rule.name, rule.action_descriptions, rule.stop))
                if rule.stop:
                    return fired
                if not group.match_all:
                    break
        return fired

    def summary(self) -> list[RuleSummary]:
        return [RuleSummary(group.name, rule.name, rule.description, rule.enabled, rule.when.describe(),
                            tuple(action.describe() for action in rule.actions), rule.stop)
                for group in self.groups for rule in group.rules]

    @property
    def rule_count(self) -> int:
        return sum(len(group.rules) for group in self.groups)
