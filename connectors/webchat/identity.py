"""Who is on the other end of a chat socket: a signed app user, or an anonymous visitor with a server-issued token.

Everything here takes hostile strings (query parameters): a value of the wrong shape is refused by returning
None/False or a reason, never by raising, so the socket answers 400/403 instead of 500.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata

MAX_USER_ID_CHARS = 200  # the longest id the store keeps whole: longer ids are refused, never cut (two ids, one history)
MAX_NAME_CHARS = 200  # contact_identities.display_name
_HEX_DIGEST = re.compile(r"[0-9a-fA-F]{64}")
_VISITOR_TOKEN = re.compile(r"([0-9a-f]{1,64})\.([0-9a-f]{32})")
# Explicit bidi embeddings/overrides/isolates and marks: they make an id display as a different id.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


def user_hash(identity_secret: str, user_id: str) -> str:
    """What the wallet's backend computes and hands its app: hex(HMAC-SHA256(identity_secret, user_id))."""
    return hmac.new(identity_secret.encode(), user_id.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def verify_user(identity_secret: str, user_id: str, given_hash: str) -> bool:
    # compare_digest refuses non-ASCII str (TypeError): check the shape first.
    if not _HEX_DIGEST.fullmatch(given_hash):
        return False
    return hmac.compare_digest(user_hash(identity_secret, user_id), given_hash.lower())


def user_id_problem(user_id: str) -> str | None:
    """Why a user_id can't be a chat identity (None: it can). Checked before the signature and before storing."""
    if not user_id:
        return "user_id is empty"
    if len(user_id) > MAX_USER_ID_CHARS:
        return f"user_id longer than {MAX_USER_ID_CHARS} characters"
    if _has_control(user_id):
        return "user_id contains control or bidi formatting characters"
    return None


def name_problem(name: str) -> str | None:
    """Why a display name given on the socket URL can't be stored (None: it can). Bidi text is fine in a name (the
    UI isolates it); control characters and over-long names are not."""
    if len(name) > MAX_NAME_CHARS:
        return f"name longer than {MAX_NAME_CHARS} characters"
    if any(unicodedata.category(c) in ("Cc", "Cs") for c in name):
        return "name contains control characters"
    return None


def profile_hash(identity_secret: str, user_id: str, name: str = "", email: str = "", phone: str = "") -> str:
    """What the wallet's backend computes to vouch for a user's profile as well as their id:
    hex(HMAC-SHA256(identity_secret, "profile\\n" + user_id + "\\n" + name + "\\n" + email + "\\n" + phone)),
    an absent field being the empty string. `user_hash` stays valid for the id alone."""
    message = "\n".join(("profile", user_id, name, email, phone))
    return hmac.new(identity_secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def verify_profile(identity_secret: str, user_id: str, name: str, email: str, phone: str, given_hash: str) -> bool:
    if any("\n" in part for part in (user_id, name, email, phone)):
        return False  # the fields are newline-separated in the signed message: a newline could shift them
    if not _HEX_DIGEST.fullmatch(given_hash):  # compare_digest refuses non-ASCII str (TypeError): a 500
        return False
    return hmac.compare_digest(profile_hash(identity_secret, user_id, name, email, phone), given_hash.lower())


def issue_visitor_token(key: bytes) -> str:
    visitor_id = secrets.token_hex(12)
    return f"{visitor_id}.{_sign(key, visitor_id)}"


def verify_visitor_token(key: bytes, token: str) -> str | None:
    """The visitor id, or None when the token is not one we issued (any shape we never issue included)."""
    match = _VISITOR_TOKEN.fullmatch(token)
    if match is None:
        return None
    visitor_id, signature = match.groups()
    return visitor_id if hmac.compare_digest(_sign(key, visitor_id), signature) else None


def _sign(key: bytes, visitor_id: str) -> str:
    return hmac.new(key, b"visitor:" + visitor_id.encode(), hashlib.sha256).hexdigest()[:32]


def _has_control(value: str) -> bool:
    return any(c in BIDI_CONTROLS or unicodedata.category(c) in ("Cc", "Cs") for c in value)
