"""Is this handle, address or link ours? The answer behind the public /verify page (pure; no I/O)."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from routing.impersonation.detect import Account, _identity_signals
from routing.impersonation.registry import OfficialRegistry
from routing.impersonation.skeleton import skeleton

MAX_INPUT = 300
_EMAIL = re.compile(r"^[^@\s]{1,64}@([^@\s]{1,253})$")
_HANDLE = re.compile(r"^@?([^\s/@:]{1,64})$")
_PLATFORM_LINKS = {"x.com": "x", "twitter.com": "x", "mobile.twitter.com": "x", "t.me": "telegram",
                   "telegram.me": "telegram"}


@dataclass(frozen=True)
class Answer:
    query: str
    kind: str  # handle | email | link | invalid
    verdict: str  # official | imitation | not_ours | invalid
    matches: tuple[str, ...] = ()  # which of ours it is (official) or imitates (imitation)
    reasons: tuple[str, ...] = field(default_factory=tuple)

    def as_json(self) -> dict[str, object]:
        return {"query": self.query, "kind": self.kind, "verdict": self.verdict, "official": self.verdict == "official",
                "matches": list(self.matches), "reasons": list(self.reasons)}


def clean(raw: str) -> str:
    text = "".join(ch for ch in raw if unicodedata.category(ch) not in ("Cc", "Cs") or ch == " ")
    return text.strip()


def check(raw: str, registry: OfficialRegistry) -> Answer:
    query = clean(raw)
    if not query:
        return Answer("", "invalid", "invalid", reasons=("empty",))
    if len(query) > MAX_INPUT:
        return Answer(query[:MAX_INPUT], "invalid", "invalid", reasons=(f"longer than {MAX_INPUT} characters",))
    if "://" in query or query.lower().startswith("www.") or ("." in query and "@" not in query and " " not in query):
        return _link(query, registry)
    email = _EMAIL.match(query)
    if email and "." in email.group(1):
        return _email(query, email.group(1).lower(), registry)
    handle = _HANDLE.match(query)
    if handle:
        return _handle(query, handle.group(1), registry, platforms=("x", "telegram"))
    return Answer(query, "invalid", "invalid", reasons=("not a handle, an email address or a link",))


def _handle(query: str, handle: str, registry: OfficialRegistry, platforms: tuple[str, ...]) -> Answer:
    official = [f"{'X' if p == 'x' else 'Telegram'} @{h}" for p in platforms for h in registry.official_handles(p)
                if h.lower() == handle.lower()]
    if official:
        return Answer(query, "handle", "official", tuple(official))
    reasons: list[str] = []
    for platform in platforms:
        for s in _identity_signals(Account(platform, None, handle, None), handle, registry):
            reasons.append(s.detail)
    if reasons:
        return Answer(query, "handle", "imitation", reasons=tuple(dict.fromkeys(reasons)))
    return Answer(query, "handle", "not_ours")


def _email(query: str, domain: str, registry: OfficialRegistry) -> Answer:
    if registry.is_official_email(query):
        return Answer(query, "email", "official", (query.lower(),))
    if domain in registry.email_domains or registry.is_official_domain(domain):
        return Answer(query, "email", "not_ours", reasons=(f"{domain} is ours, but this address is not one of our "
                                                          "support addresses",))
    answer = _lookalike(query, "email", domain, registry)
    if answer.verdict == "not_ours":  # ourwallet.support@gmail.com: the name is in the local part
        local = query.rpartition("@")[0]
        named = [b for b in (*registry.brand_names, *registry.x_handles) if len(skeleton(b)) >= 4
                 and skeleton(b) in skeleton(local)]
        if named:
            return Answer(query, "email", "imitation", (named[0],),
                          (f"uses the name {named[0]} at {domain}, which is not one of our domains",))
    return answer


def _link(query: str, registry: OfficialRegistry) -> Answer:
    try:
        parts = urlsplit(query if "://" in query else f"https://{query}")
        host = (parts.hostname or "").lower().rstrip(".")
    except ValueError:
        return Answer(query, "invalid", "invalid", reasons=("not a link",))
    if not host:
        return Answer(query, "invalid", "invalid", reasons=("not a link",))
    if parts.scheme not in ("http", "https"):
        return Answer(query, "link", "not_ours", reasons=(f"{parts.scheme}: links are never ours",))
    platform = _PLATFORM_LINKS.get(host.removeprefix("www."))
    if platform:
        first = parts.path.strip("/").split("/")[0]
        if first:
            answer = _handle(query, first, registry, platforms=(platform,))
            return Answer(query, "link", answer.verdict, answer.matches, answer.reasons)
        return Answer(query, "link", "not_ours", reasons=("a platform's home page",))
    if registry.is_official_domain(host):
        return Answer(query, "link", "official", (host,))
    return _lookalike(query, "link", host, registry)


def _lookalike(query: str, kind: str, host: str, registry: OfficialRegistry) -> Answer:
    try:
        readable = host.encode("ascii").decode("idna") if "xn--" in host else host
    except UnicodeError:
        readable = host
    hs = skeleton(readable)
    ours = [*registry.web_domains, *registry.email_domains]
    names = [b for b in (*registry.brand_names, *registry.x_handles) if len(skeleton(b)) >= 4]
    for domain in ours:
        if skeleton(domain) == hs:
            return Answer(query, kind, "imitation", (domain,), (f"{readable} reads like {domain} (look-alike characters)",))
    for name in names:
        if skeleton(name) in hs:
            return Answer(query, kind, "imitation", (name,), (f"{readable} uses the name {name} but is not ours",))
    return Answer(query, kind, "not_ours")
