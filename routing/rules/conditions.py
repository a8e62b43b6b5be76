"""Rule conditions: small objects with `check(context) -> bool`, compiled from a rule's `when:` mapping.

All keys of one `when:` must hold; `any: [{...}, {...}]` holds when one of its mappings does; `not: {...}` negates.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import Callable, Protocol

from inbox.domain import Channel, ConversationStatus, Direction, Priority, Visibility
from routing.classifier.types import ISSUE_TYPES
from routing.rules.context import RuleContext
from routing.rules.errors import FieldError
from routing.rules.schedule import BusinessHours

SENSITIVE_KINDS = ("seed_phrase", "private_key", "password", "otp", "card_number", "cn_id", "iban", "phone", "email",
                   "wallet_address", "tx_hash")
SENSITIVE_TIERS = ("secret", "personal", "linkable")
LANGUAGES = ("zh", "en")


class Condition(Protocol):
    def check(self, context: RuleContext) -> bool: ...

    def describe(self) -> str: ...


@dataclass(frozen=True, slots=True)
class FieldIn:
    """A message or conversation field is one of the listed values."""

    label: str
    read: Callable[[RuleContext], str | None]
    values: frozenset[str]

    def check(self, context: RuleContext) -> bool:
        return self.read(context) in self.values

    def describe(self) -> str:
        return f"{self.label} in {sorted(self.values)}"


@dataclass(frozen=True, slots=True)
class FirstMessage:
    wanted: bool

    def check(self, context: RuleContext) -> bool:
        return context.item.is_first == self.wanted

    def describe(self) -> str:
        return "first message" if self.wanted else "follow-up message"


@dataclass(frozen=True, slots=True)
class TextContains:
    needles: tuple[str, ...]  # already NFKC + case-folded

    def check(self, context: RuleContext) -> bool:
        folded = context.folded_text
        for needle in self.needles:
            if needle in folded:
                return True
        return False

    def describe(self) -> str:
        return f"text contains any of {list(self.needles)}"


@dataclass(frozen=True, slots=True)
class TextRegex:
    pattern: re.Pattern[str]

    def check(self, context: RuleContext) -> bool:
        return self.pattern.search(context.text) is not None

    def describe(self) -> str:
        return f"text matches /{self.pattern.pattern}/"


@dataclass(frozen=True, slots=True)
class MinConfidence:
    minimum: float

    def check(self, context: RuleContext) -> bool:
        classification = context.classification
        return classification is not None and classification.confidence >= self.minimum

    def describe(self) -> str:
        return f"type confidence >= {self.minimum}"


@dataclass(frozen=True, slots=True)
class SensitiveIn:
    attribute: str  # "kind" or "tier"
    values: frozenset[str]

    def check(self, context: RuleContext) -> bool:
        return any(getattr(finding, self.attribute) in self.values for finding in context.item.findings)

    def describe(self) -> str:
        return f"sensitive {self.attribute} in {sorted(self.values)}"


@dataclass(frozen=True, slots=True)
class ContactAttribute:
    name: str
    values: frozenset[str] | None  # None: the attribute must be present
    present: bool = True

    def check(self, context: RuleContext) -> bool:
        value = context.item.conversation.contact_attributes.get(self.name)
        if not self.present:
            return value is None
        return value is not None and (self.values is None or value in self.values)

    def describe(self) -> str:
        if not self.present:
            return f"contact has no {self.name}"
        return f"contact {self.name} present" if self.values is None else f"contact {self.name} in {sorted(self.values)}"


@dataclass(frozen=True, slots=True)
class InHours:
    hours: BusinessHours
    wanted_open: bool

    def check(self, context: RuleContext) -> bool:
        return self.hours.is_open(context.now) == self.wanted_open

    def describe(self) -> str:
        return f"{'inside' if self.wanted_open else 'outside'} business hours '{self.hours.name}'"


@dataclass(frozen=True, slots=True)
class MinPriority:
    minimum: Priority

    def check(self, context: RuleContext) -> bool:
        return context.priority.rank >= self.minimum.rank

    def describe(self) -> str:
        return f"priority >= {self.minimum.value}"


@dataclass(frozen=True, slots=True)
class HasTag:
    tags: frozenset[str]

    def check(self, context: RuleContext) -> bool:
        return context.has_any_tag(self.tags)

    def describe(self) -> str:
        return f"has a tag in {sorted(self.tags)}"


@dataclass(frozen=True, slots=True)
class HasFlag:
    flags: frozenset[str]

    def check(self, context: RuleContext) -> bool:
        return not self.flags.isdisjoint(context.item.message.flags)

    def describe(self) -> str:
        return f"message flags include any of {sorted(self.flags)}"


@dataclass(frozen=True, slots=True)
class SlaIs:
    """An SLA timer fired (inbox.sla.rules runs the rules that have this condition, with the event as a flag
    "sla:<kind>" on a stand-in message; a customer's message never carries it, so these rules never fire on one)."""

    kinds: frozenset[str]

    def check(self, context: RuleContext) -> bool:
        flags = context.item.message.flags
        return any(f"sla:{kind}" in flags for kind in self.kinds)

    def describe(self) -> str:
        return f"SLA {' or '.join(sorted(self.kinds))}"


SLA_KINDS = ("at_risk", "breached")


@dataclass(frozen=True, slots=True)
class AllOf:
    parts: tuple[Condition, ...]

    def check(self, context: RuleContext) -> bool:
        for part in self.parts:  # a plain loop: all() with a generator costs more than the checks themselves
            if not part.check(context):
                return False
        return True

    def describe(self) -> str:
        return " and ".join(part.describe() for part in self.parts) or "always"


@dataclass(frozen=True, slots=True)
class AnyOf:
    parts: tuple[Condition, ...]

    def check(self, context: RuleContext) -> bool:
        for part in self.parts:
            if part.check(context):
                return True
        return False

    def describe(self) -> str:
        return "(" + " or ".join(_grouped(part) for part in self.parts) + ")"


def _grouped(part: Condition) -> str:
    text = part.describe()
    return f"[{text}]" if isinstance(part, AllOf) and len(part.parts) > 1 else text


@dataclass(frozen=True, slots=True)
class Not:
    part: Condition

    def check(self, context: RuleContext) -> bool:
        return not self.part.check(context)

    def describe(self) -> str:
        return f"not ({self.part.describe()})"


# ---- compiling `when:` ------------------------------------------------------------------------------------------


def _strings(value: object, key: str, allowed: tuple[str, ...] | None = None) -> frozenset[str]:
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(item, (str, int)) and not isinstance(item, bool) for item in items):
        raise FieldError(key, "expected a string or a list of strings")
    strings = frozenset(str(item) for item in items)
    if allowed is not None:
        unknown = sorted(strings - set(allowed))
        if unknown:
            raise FieldError(key, f"unknown value {unknown[0]!r} (expected one of: {', '.join(allowed)})")
    return strings


def _bool(value: object, key: str) -> bool:
    if not isinstance(value, bool):
        raise FieldError(key, f"expected true or false, got {value!r}")
    return value


def _enum_values(enum: type[StrEnum]) -> tuple[str, ...]:
    return tuple(member.value for member in enum)


def _schedule(value: object, key: str, schedules: dict[str, BusinessHours]) -> BusinessHours:
    if not isinstance(value, str) or value not in schedules:
        declared = ", ".join(schedules) or "none declared"
        raise FieldError(key, f"unknown schedule {value!r} (schedules: {declared})")
    return schedules[value]


def _regex(value: object, key: str) -> TextRegex:
    if not isinstance(value, str):
        raise FieldError(key, "expected a regular expression string")
    try:
        # IGNORECASE only changes Latin letters; Han characters match as written. \b is unreliable between Han
        # characters (they are all "word" characters), so write Chinese patterns without it.
        return TextRegex(re.compile(value, re.IGNORECASE))
    except re.error as error:
        raise FieldError(key, f"bad regular expression: {error}") from None


def _contact(value: object, key: str) -> list[Condition]:
    if not isinstance(value, dict) or not value:
        raise FieldError(key, "expected a mapping of contact attribute to value(s), true (present) or false (absent)")
    parts: list[Condition] = []
    for name, wanted in value.items():
        if wanted is True:
            parts.append(ContactAttribute(str(name), None))
        elif wanted is False:
            parts.append(ContactAttribute(str(name), None, present=False))
        else:
            parts.append(ContactAttribute(str(name), _strings(wanted, f"{key}.{name}")))
    return parts


def _confidence(value: object, key: str) -> MinConfidence:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise FieldError(key, f"expected a number between 0 and 1, got {value!r}")
    return MinConfidence(float(value))


def _type_of(context: RuleContext) -> str | None:
    classification = context.classification
    return classification.type if classification else None


def _message_type_of(context: RuleContext) -> str | None:
    classification = context.item.classification
    return classification.type if classification else None


_COST: dict[type, int] = {FirstMessage: 0, FieldIn: 0, MinConfidence: 0, HasFlag: 0, MinPriority: 0,
                          SensitiveIn: 0, ContactAttribute: 0, SlaIs: 0, HasTag: 1, InHours: 1, TextContains: 2, TextRegex: 3,
                          AnyOf: 4, Not: 4, AllOf: 4}

CONDITION_KEYS = ("connector", "channel", "visibility", "direction", "first_message", "text_contains", "text_regex",
                  "type", "message_type", "min_confidence", "sensitive_kind", "sensitive_tier", "contact", "language", "in_hours",
                  "off_hours", "priority", "min_priority", "has_tag", "status", "flags", "sla", "any", "not")


def compile_when(spec: object, key: str, schedules: dict[str, BusinessHours]) -> AllOf:
    if spec is None:
        return AllOf(())
    if not isinstance(spec, dict):
        raise FieldError(key, "expected a mapping of conditions")
    parts: list[Condition] = []
    for name, value in spec.items():
        where = f"{key}.{name}"
        if name == "connector":
            parts.append(FieldIn("connector", lambda c: c.item.message.connector, _strings(value, where)))
        elif name == "channel":
            parts.append(FieldIn("channel", lambda c: c.item.message.channel.value,
                                 _strings(value, where, _enum_values(Channel))))
        elif name == "visibility":
            parts.append(FieldIn("visibility", lambda c: c.item.message.visibility.value,
                                 _strings(value, where, _enum_values(Visibility))))
        elif name == "direction":
            # The pipeline only carries customers' messages, so an item's direction is always inbound.
            parts.append(FieldIn("direction", lambda c: Direction.INBOUND.value,
                                 _strings(value, where, _enum_values(Direction))))
        elif name == "first_message":
            parts.append(FirstMessage(_bool(value, where)))
        elif name == "text_contains":
            needles = _strings(value, where)
            parts.append(TextContains(tuple(sorted(unicodedata.normalize("NFKC", n).casefold() for n in needles))))
        elif name == "text_regex":
            parts.append(_regex(value, where))
        elif name == "type":
            parts.append(FieldIn("type", _type_of, _strings(value, where, ISSUE_TYPES)))
        elif name == "message_type":  # this message's own type, even when the conversation already has one
            parts.append(FieldIn("message type", _message_type_of, _strings(value, where, ISSUE_TYPES)))
        elif name == "min_confidence":
            parts.append(_confidence(value, where))
        elif name == "sensitive_kind":
            parts.append(SensitiveIn("kind", _strings(value, where, SENSITIVE_KINDS)))
        elif name == "sensitive_tier":
            parts.append(SensitiveIn("tier", _strings(value, where, SENSITIVE_TIERS)))
        elif name == "contact":
            parts.extend(_contact(value, where))
        elif name == "language":
            parts.append(FieldIn("language", lambda c: c.language, _strings(value, where, LANGUAGES)))
        elif name in ("in_hours", "off_hours"):
            parts.append(InHours(_schedule(value, where, schedules), wanted_open=name == "in_hours"))
        elif name == "priority":
            parts.append(FieldIn("priority", lambda c: c.priority.value, _strings(value, where, _enum_values(Priority))))
        elif name == "min_priority":
            parts.append(MinPriority(Priority(next(iter(_strings(value, where, _enum_values(Priority)))))))
        elif name == "has_tag":
            parts.append(HasTag(_strings(value, where)))
        elif name == "status":
            parts.append(FieldIn("status", lambda c: c.item.conversation.status.value,
                                 _strings(value, where, _enum_values(ConversationStatus))))
        elif name == "flags":
            parts.append(HasFlag(_strings(value, where)))
        elif name == "sla":
            parts.append(SlaIs(_strings(value, where, SLA_KINDS)))
        elif name == "any":
            if not isinstance(value, list) or not value:
                raise FieldError(where, "expected a list of condition mappings")
            parts.append(AnyOf(tuple(compile_when(sub, f"{where}[{i}]", schedules) for i, sub in enumerate(value))))
        elif name == "not":
            parts.append(Not(compile_when(value, where, schedules)))
        else:
            raise FieldError(where, f"unknown condition (expected one of: {', '.join(CONDITION_KEYS)})")
    # Cheap checks first: every condition must hold, so the order changes the speed, never the result.
    return AllOf(tuple(sorted(parts, key=lambda part: _COST.get(type(part), 1))))
