"""Is this account, saying this, pretending to be us? A pure function of the sender, the text and the registry.

Two kinds of evidence, scored apart and then combined:
- identity: a handle or display name that reads like one of ours (same confusable skeleton, a brand name plus
  "support/help/客服/官方...", a near miss by edit distance, a Telegram admin's or bot's name copied);
- content: pushing the customer to private messages or another account, forms, off-registry or lookalike links,
  "validate/sync/claim/restore/rectify" sites, asking for the recovery phrase or a key, claiming to be support.
Identity is the strongest single signal (max), content signals add up (noisy-or); the verdict lists every signal
that fired with what it saw, so an agent can judge it. Warnings about scams (said by other users) and reported
speech ("someone asked me for my phrase") do not count as asking.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from rapidfuzz.distance import Levenshtein

from routing.impersonation import patterns as p
from routing.impersonation.registry import OfficialRegistry
from routing.impersonation.skeleton import skeleton

_SUPPORT_SKELETONS = tuple(sorted({skeleton(w) for w in p.SUPPORT_WORDS}, key=len, reverse=True))


@dataclass(frozen=True, slots=True)
class Account:
    platform: str  # "x" | "telegram"
    user_id: str | None = None
    handle: str | None = None  # without "@"
    display_name: str | None = None


@dataclass(frozen=True, slots=True)
class Signal:
    name: str
    weight: float
    detail: str
    kind: str  # "identity" | "content"


@dataclass(frozen=True, slots=True)
class Verdict:
    score: float
    flagged: bool
    official: bool
    signals: tuple[Signal, ...] = field(default_factory=tuple)

    def explain(self) -> str:
        if self.official:
            return "official account (in the registry)"
        return "; ".join(f"{s.name} ({s.weight:.2f}): {s.detail}" for s in self.signals) or "no signal"


def assess(
    account: Account, text: str, registry: OfficialRegistry, *, threshold: float = 0.6,
    identity_only: bool = False,
) -> Verdict:
    """`identity_only`: the sender is the customer of the conversation (their complaint may well say "DM me" or
    quote a scammer's request): only a lookalike identity can flag them."""
    handle = (account.handle or "").lstrip("@")
    if registry.is_official_account(account.platform, account.user_id, handle or None):
        return Verdict(0.0, False, True)
    identity = _identity_signals(account, handle, registry)
    content = [] if identity_only else _content_signals(text[:5000], registry)
    id_score = max((s.weight for s in identity), default=0.0)
    if len(identity) > 1:  # several independent looks-like-us signs: a little more sure than the strongest alone
        id_score = min(0.95, id_score + 0.05 * (len(identity) - 1))
    miss = 1.0
    for s in content:
        miss *= 1.0 - s.weight
    score = 1.0 - (1.0 - id_score) * miss
    return Verdict(round(score, 3), score >= threshold, False, tuple(identity + content))


# ---- identity -------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Ours:
    label: str  # how to name it in an explanation
    skeleton: str


def _ours(registry: OfficialRegistry, platform: str) -> tuple[list[_Ours], list[_Ours]]:
    """(handles of this platform, brand names) as skeletons."""
    handles = [_Ours(f"@{h}", skeleton(h)) for h in registry.official_handles(platform)]
    brands = [_Ours(b, skeleton(b)) for b in registry.brand_names if len(skeleton(b)) >= 3]
    return handles, brands


def _strip_support(sk: str) -> tuple[str, list[str]]:
    found = []
    for word in _SUPPORT_SKELETONS:
        if word and word in sk:
            found.append(word)
            sk = sk.replace(word, "")
    return sk, found


def _identity_signals(account: Account, handle: str, registry: OfficialRegistry) -> list[Signal]:
    out: list[Signal] = []
    handles, brands = _ours(registry, account.platform)
    if handle:
        hs = skeleton(handle)
        core, extras = _strip_support(hs)
        core = re.sub(r"\d+$", "", core)  # "ourwallet_help2": trailing numbers are filler
        same = next((o for o in handles if o.skeleton == hs), None)
        if same is not None:
            out.append(Signal("confusable_handle", 0.75,
                              f"@{handle} reads as {same.label} (look-alike characters)", "identity"))
        brand = next((o for o in (*handles, *brands) if o.skeleton and o.skeleton in hs), None)
        if same is None and brand is not None:
            if extras:
                out.append(Signal("brand_plus_support_word", 0.65,
                                  f"@{handle} is {brand.label} with {'/'.join(extras)} added", "identity"))
            else:
                out.append(Signal("brand_in_handle", 0.45, f"@{handle} contains {brand.label}", "identity"))
        if same is None and brand is None and len(core) >= 6:
            near = _near(core, [*handles, *brands])
            if near is not None:
                weight = 0.6 if extras else 0.5
                out.append(Signal("near_official_handle", weight,
                                  f"@{handle} is one or two letters from {near.label}", "identity"))
    name = (account.display_name or "").strip()
    if name:
        ns = skeleton(name)
        admin = _copied_admin(account, ns, registry)
        if admin is not None:
            out.append(Signal("copies_admin_name", 0.8, f"display name {name[:60]!r} copies {admin}", "identity"))
        else:
            core, extras = _strip_support(ns)
            brand = next((o for o in (*brands, *handles) if o.skeleton and o.skeleton in ns), None)
            if brand is not None and extras:
                out.append(Signal("name_brand_plus_support_word", 0.6,
                                  f"display name {name[:60]!r} is {brand.label} with {'/'.join(extras)}", "identity"))
            elif brand is not None:
                out.append(Signal("name_contains_brand", 0.4, f"display name {name[:60]!r} names {brand.label}",
                                  "identity"))
            elif extras and not core.strip():
                out.append(Signal("name_is_support_title", 0.3, f"display name {name[:60]!r} is a support title",
                                  "identity"))
    return out


def _near(core: str, ours: list[_Ours]) -> _Ours | None:
    for o in ours:
        target, _ = _strip_support(o.skeleton)
        if len(target) < 6:
            continue
        limit = 2 if len(target) >= 10 else 1
        if Levenshtein.distance(core, target, score_cutoff=limit) <= limit and core != target:
            return o
    return None


def _copied_admin(account: Account, ns: str, registry: OfficialRegistry) -> str | None:
    if account.platform != "telegram" or len(ns) < 3:
        return None
    for admin in registry.telegram_admins:
        if admin.user_id != account.user_id and skeleton(admin.name) == ns:
            return f"our admin {admin.name!r}"
    for bot in registry.telegram_bots:
        if skeleton(bot) == ns:
            return f"our bot @{bot}"
    return None


# ---- content ---------------------------------------------------------------------------------------------------

def _content_signals(text: str, registry: OfficialRegistry) -> list[Signal]:
    body = re.sub(r"^(?:@\w+\s+)+", "", text.strip())  # leading @handles address the thread, they say nothing
    warning = bool(p.WARNING.search(body))
    out: list[Signal] = []
    if not warning:
        asked = _asks_for_secret(body)
        if asked:
            out.append(Signal("asks_for_secret", 0.6, f"asks for {asked!r}", "content"))
        push = p.PRIVATE_CONTACT.search(body)
        if push and not _negated_before(body, push.start()) and not _reported_before(body, push.start()):
            out.append(Signal("pushes_private_contact", 0.45, f"pushes to a private channel: {push.group(0)!r}",
                              "content"))
        claim = p.SUPPORT_CLAIM.search(body)
        if claim:
            out.append(Signal("claims_to_be_support", 0.3, f"claims to be support: {claim.group(0)!r}", "content"))
        action = p.SCAM_ACTION.search(body)
        if action:
            out.append(Signal("wallet_action_request", 0.35, f"asks to {action.group(0)!r}", "content"))
        if p.URGENCY.search(body):
            out.append(Signal("urgency", 0.15, f"urgency: {p.URGENCY.search(body).group(0)!r}", "content"))  # type: ignore[union-attr]
    out.extend(_link_signals(body, registry, warning))
    out.extend(_contact_signals(body, registry, warning))
    return out


def _negated_before(text: str, at: int) -> bool:
    clause = re.split(r"[.!?;。！？；,，]", text[:at])[-1]
    return bool(p.NEGATION.search(clause))


def _reported_before(text: str, at: int) -> bool:
    """"someone DMed me", "有人私信我": telling what happened, not asking for it."""
    clause = re.split(r"[.!?;。！？；,，]", text[:at])[-1]
    return bool(p.REPORTED.search(clause))


def _asks_for_secret(text: str) -> str | None:
    for sentence in re.split(r"(?<=[.!?。！？])\s*", text):
        secret = p.SECRET.search(sentence)
        if not secret or p.REPORTED.search(sentence):
            continue
        if _negated_before(sentence, secret.start()):
            continue
        before = sentence[: secret.start()]
        if p.ASK_VERB_EN.search(before) or p.ASK_ZH.search(sentence):
            return secret.group(0)
    return None


def _hosts(text: str) -> list[tuple[str, str]]:
    found = []
    for match in p.URL.finditer(text):
        raw = match.group(0).rstrip(".,!?;:")
        if "@" in raw.split("/")[0]:
            continue  # an email address, handled apart
        parts = urlsplit(raw if "://" in raw else f"http://{raw}")
        if parts.hostname:
            found.append((parts.hostname.lower(), (parts.path or "") + ("?" + parts.query if parts.query else "")))
    return found


def _link_signals(text: str, registry: OfficialRegistry, warning: bool) -> list[Signal]:
    out: list[Signal] = []
    brands = [s for s in (skeleton(b) for b in (*registry.brand_names, *registry.x_handles)) if len(s) >= 4]
    for host, path in _hosts(text):
        if registry.is_official_domain(host):
            continue
        if host in p.PLATFORM_HOSTS or host.endswith((".x.com", ".twitter.com")):
            continue  # posts and profiles; a pushed account is a contact signal
        site = host.removeprefix("www.")
        if site in p.FORM_HOSTS or (site == "docs.google.com" and "/forms" in path):
            out.append(Signal("form_link", 0.55, f"links to a form at {site}", "content"))
            continue
        if site in p.SHORTENER_HOSTS:
            out.append(Signal("masked_link", 0.45, f"a shortened link hides where it goes ({site})", "content"))
            continue
        if warning:
            continue
        host_skeleton = skeleton(site)
        if any(b in host_skeleton for b in brands):
            out.append(Signal("lookalike_domain", 0.6, f"{site} uses our name but is not one of our sites", "content"))
        words = p.SCAM_SITE_WORDS.search(site + path)
        if words:
            out.append(Signal("scam_site_words", 0.45, f"{site} says {words.group(0)!r}", "content"))
        else:
            out.append(Signal("off_registry_link", 0.2, f"links to {site}, not one of our sites", "content"))
    return out


def _contact_signals(text: str, registry: OfficialRegistry, warning: bool) -> list[Signal]:
    out: list[Signal] = []
    for email in p.EMAIL.findall(text):
        if not registry.is_official_email(email) and not registry.is_official_domain(email.rpartition("@")[2]):
            out.append(Signal("off_registry_email", 0.4, f"gives an address that is not ours: {email}", "content"))
            break
    if warning:
        return out
    if p.PHONE.search(text):
        out.append(Signal("phone_contact", 0.4, "gives a phone / WhatsApp number", "content"))
    body = re.sub(r"^(?:@\w+\s+)+", "", text.strip())
    ours = {h.lower() for h in (*registry.x_handles, *registry.telegram_handles, *registry.telegram_bots)}
    for handle in p.MENTION.findall(body):
        if handle.lower() not in ours:
            out.append(Signal("points_to_account", 0.35, f"points to another account: @{handle}", "content"))
            break
    return out
