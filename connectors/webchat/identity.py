"""Who is on the other end of a chat socket: a signed app user, or an anonymous visitor with a server-issued token."""
from __future__ import annotations

import hashlib
import hmac
import secrets


def user_hash(identity_secret: str, user_id: str) -> str:
    """What the wallet's backend computes and hands its app: hex(HMAC-SHA256(identity_secret, user_id))."""
    return hmac.new(identity_secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


def verify_user(identity_secret: str, user_id: str, given_hash: str) -> bool:
    return hmac.compare_digest(user_hash(identity_secret, user_id), given_hash.lower())


def profile_hash(identity_secret: str, user_id: str, name: str = "", email: str = "", phone: str = "") -> str:
    """What the wallet's backend computes to vouch for a user's profile as well as their id:
    hex(HMAC-SHA256(identity_secret, "profile\\n" + user_id + "\\n" + name + "\\n" + email + "\\n" + phone)),
    an absent field being the empty string. `user_hash` stays valid for the id alone."""
    message = "\n".join(("profile", user_id, name, email, phone))
    return hmac.new(identity_secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def verify_profile(identity_secret: str, user_id: str, name: str, email: str, phone: str, given_hash: str) -> bool:
    if any("\n" in part for part in (user_id, name, email, phone)):
        return False  # the fields are newline-separated in the signed message: a newline could shift them
    return hmac.compare_digest(profile_hash(identity_secret, user_id, name, email, phone), given_hash.lower())


def issue_visitor_token(key: bytes) -> str:
    visitor_id = secrets.token_hex(12)
    return f"{visitor_id}.{_sign(key, visitor_id)}"


def verify_visitor_token(key: bytes, token: str) -> str | None:
    """The visitor id, or None when the token is not one we issued."""
    visitor_id, _, signature = token.partition(".")
    if not visitor_id or not signature or len(visitor_id) > 64:
        return None
    return visitor_id if hmac.compare_digest(_sign(key, visitor_id), signature) else None


def _sign(key: bytes, visitor_id: str) -> str:
    return hmac.new(key, b"visitor:" + visitor_id.encode(), hashlib.sha256).hexdigest()[:32]
