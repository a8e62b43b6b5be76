"""What the guard does per sensitive-data tier and kind, as a pydantic model loadable from the `guard:` section.

```yaml
guard:
  tag: sensitive
  phone_regions: [CN, HK, US]
  personal: {inbound_public: private, outbound_public: private}
  kinds:
    email: {outbound_public: allow}      # per-kind override of its tier's rule
    tx_hash: {enabled: false}            # do not look for it at all
    otp: {outbound_private: allow}       # agents may send a code in a private reply (sent as typed, stored masked)
```

Agents' replies: a secret-tier kind (seed phrase, private key, password, code, card number) is refused in any reply,
public or private, unless the admin allows that kind with `outbound_private: allow`; it is then sent privately only
(never posted publicly) and stored masked like inbound text.
"""
from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from inbox.domain import Priority
from routing.guard.texts import GuardTexts
from routing.sensitive.tiers import KINDS, TIERS


class InboundPublic(StrEnum):
    HIDE_AND_PRIVATE = "hide_and_private"  # hide the post, short public warning, contact privately
    PRIVATE = "private"  # continue privately (private reply with a link fallback)
    NONE = "none"


class InboundPrivate(StrEnum):
    WARN = "warn"  # reply "we will never ask for …"
    NONE = "none"


class OutboundAction(StrEnum):
    # Never sent that way. outbound_public: the reply goes privately if outbound_private allows the kind, else it is
    # refused; outbound_private: the reply is refused (the agent must remove it).
    BLOCK = "block"
    PRIVATE = "private"  # sent privately; the public thread gets a short notice
    ALLOW = "allow"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TierRule(_Strict):
    inbound_public: InboundPublic = InboundPublic.NONE
    inbound_private: InboundPrivate = InboundPrivate.NONE
    public_priority: Priority | None = None  # raised to at least this on an inbound public message
    private_priority: Priority | None = None
    outbound_public: OutboundAction = OutboundAction.ALLOW
    outbound_private: OutboundAction = OutboundAction.ALLOW  # PRIVATE means the same as ALLOW here
    mask_at_rest: bool = False


class KindRule(_Strict):
    """Overrides for one kind; unset fields come from the kind's tier."""

    enabled: bool = True
    inbound_public: InboundPublic | None = None
    inbound_private: InboundPrivate | None = None
    public_priority: Priority | None = None
    private_priority: Priority | None = None
    outbound_public: OutboundAction | None = None
    outbound_private: OutboundAction | None = None
    mask_at_rest: bool | None = None


def _secret_default() -> TierRule:
    return TierRule(
        inbound_public=InboundPublic.HIDE_AND_PRIVATE,
        inbound_private=InboundPrivate.WARN,
        public_priority=Priority.URGENT,
        private_priority=Priority.HIGH,
        outbound_public=OutboundAction.BLOCK,
        # An agent never needs to send a customer's secret: a reply carrying one is refused (admins may allow a kind).
        outbound_private=OutboundAction.BLOCK,
        mask_at_rest=True,
    )


def _personal_default() -> TierRule:
    return TierRule(inbound_public=InboundPublic.PRIVATE, outbound_public=OutboundAction.PRIVATE)


def _linkable_default() -> TierRule:
    return TierRule(outbound_public=OutboundAction.PRIVATE)


class GuardPolicy(_Strict):
    enabled: bool = True
    tag: str = "sensitive"
    kind_tags: bool = False  # also tag "sensitive:<kind>"
    phone_regions: tuple[str, ...] = ("CN",)  # national phone formats recognised without +country
    max_raw_scan_chars: int = Field(default=512_000, gt=0)  # a larger raw copy of a message with a secret is dropped
    secret: TierRule = Field(default_factory=_secret_default)
    personal: TierRule = Field(default_factory=_personal_default)
    linkable: TierRule = Field(default_factory=_linkable_default)
    kinds: dict[str, KindRule] = Field(default_factory=dict)
    texts: GuardTexts = Field(default_factory=GuardTexts)

    @model_validator(mode="before")
    @classmethod
    def _merge_onto_defaults(cls, data: object) -> object:
        """A config section names only what it changes: `personal: {inbound_public: none}` keeps the tier's other
        defaults, and `texts: {outbound_notice: {en: …}}` keeps the other languages."""
        if not isinstance(data, dict):
            return data
        merged = dict(data)
        for tier, default in (("secret", _secret_default), ("personal", _personal_default),
                              ("linkable", _linkable_default)):  # fmt: skip
            if isinstance(merged.get(tier), dict):
                merged[tier] = {**default().model_dump(), **merged[tier]}
        texts = merged.get("texts")
        if isinstance(texts, dict):
            defaults = GuardTexts().model_dump()
            merged["texts"] = {
                name: {**defaults[name], **value} if isinstance(value, dict) and name in defaults else value
                for name, value in texts.items()
            }
        return merged

    @field_validator("kinds")
    @classmethod
    def _known_kinds(cls, value: dict[str, KindRule]) -> dict[str, KindRule]:
        unknown = sorted(set(value) - set(KINDS))
        if unknown:
            raise ValueError(f"unknown kind(s) {', '.join(unknown)}; known: {', '.join(KINDS)}")
        return value

    @field_validator("phone_regions")
    @classmethod
    def _regions_upper(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for region in value:
            if len(region) != 2 or not region.isalpha():
                raise ValueError(f"phone region {region!r} is not a two-letter country code")
        return tuple(region.upper() for region in value)

    def enabled_kind(self, kind: str) -> bool:
        override = self.kinds.get(kind)
        return override is None or override.enabled

    def rule_for(self, kind: str) -> TierRule:
        base: TierRule = getattr(self, TIERS[kind])
        override = self.kinds.get(kind)
        if override is None:
            return base
        changes = {name: value for name, value in override.model_dump(exclude={"enabled"}).items() if value is not None}
        return base.model_copy(update=changes) if changes else base
