"""Email addresses and phone numbers as contact identities: one normal form each, so the same address typed two
ways (or vouched for by two channels) is the same identity. Pure functions: connectors use them too."""
from __future__ import annotations

import re
from collections.abc import Sequence

import phonenumbers

# Kinds an agent may add by hand; channel ids (Telegram, X, app) only ever come from the channel itself.
TYPED_KINDS = ("email", "phone")
PHONE = "phone"
_EMAIL = re.compile(r"^[^@\s<>\"'(),;:\\]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251})\.[A-Za-z0-9-]{2,63}$")


class ContactError(ValueError):
    """A request the contact store refuses; the message is safe to show (it never repeats a secret)."""


def normalize_email(value: str) -> str:
    email = value.strip().lower()
    if len(email) > 320 or not _EMAIL.match(email):
        raise ContactError("not an email address")
    return email


def normalize_phone(value: str, regions: Sequence[str] = ()) -> str:
    """E.164 (`+8613812345678`). Without a leading + the number is tried in each configured region in turn."""
    text = value.strip()
    if not text or len(text) > 40:
        raise ContactError("not a phone number")
    for region in ([None] if text.startswith("+") else list(regions) or [None]):
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    raise ContactError("not a valid phone number (add the country code, e.g. +86 138 1234 5678)")


def normalize_identity(kind: str, value: str, regions: Sequence[str] = ()) -> str:
    if kind == "email":
        return normalize_email(value)
    if kind == PHONE:
        return normalize_phone(value, regions)
    raise ContactError(f"kind must be one of {', '.join(TYPED_KINDS)}")
