"""Sensitive-data kinds and their tiers (design.md, "Sensitive data")."""
from __future__ import annotations

SECRET = "secret"
PERSONAL = "personal"
LINKABLE = "linkable"

TIERS: dict[str, str] = {
    "seed_phrase": SECRET,
    "private_key": SECRET,
    "password": SECRET,
    "otp": SECRET,
    "card_number": SECRET,
    "cn_id": PERSONAL,
    "iban": PERSONAL,
    "phone": PERSONAL,
    "email": PERSONAL,
    "wallet_address": LINKABLE,
    "tx_hash": LINKABLE,
}

KINDS: tuple[str, ...] = tuple(TIERS)
TIER_NAMES: tuple[str, ...] = (SECRET, PERSONAL, LINKABLE)
