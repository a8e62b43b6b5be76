"""The official registry: which accounts, addresses and sites are ours. Everything else that looks like us is not.

It lives in the config file's `impersonation.registry` section; an admin may replace it from the admin API, which
keeps the edited copy in the data directory (see `inbox.impersonation_admin`). Handles are stored as given and
compared case-insensitively, without the leading "@".
"""
from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

_HANDLE = re.compile(r"[A-Za-z0-9_]{1,32}")
_DOMAIN = re.compile(r"(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TelegramAdmin(_Strict):
    """A person who speaks for us in Telegram groups: a lookalike of this display name from another id is a fake."""

    user_id: str = Field(pattern=r"^[0-9]{1,20}$")
    name: str = Field(min_length=1, max_length=128)


def _handles(values: tuple[str, ...]) -> tuple[str, ...]:
    out = []
    for v in values:
        h = v.strip().lstrip("@")
        if not _HANDLE.fullmatch(h):
            raise ValueError(f"not a handle (letters, digits and _ only): {v[:40]!r}")
        out.append(h)
    return tuple(out)


class OfficialRegistry(_Strict):
    brand_names: tuple[str, ...] = ()  # "OurWallet", "OW钱包": what impersonators put in their names
    x_handles: tuple[str, ...] = ()
    x_user_ids: tuple[str, ...] = ()  # stronger than handles: a handle can be renamed and taken over
    telegram_handles: tuple[str, ...] = ()  # channels, groups, staff usernames
    telegram_bots: tuple[str, ...] = ()
    telegram_user_ids: tuple[str, ...] = ()  # our bots' and staff accounts' numeric ids
    telegram_admins: tuple[TelegramAdmin, ...] = ()
    support_emails: tuple[str, ...] = ()
    email_domains: tuple[str, ...] = ()
    web_domains: tuple[str, ...] = ()

    @field_validator("x_handles", "telegram_handles", "telegram_bots")
    @classmethod
    def _valid_handles(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        return _handles(values)

    @field_validator("x_user_ids", "telegram_user_ids")
    @classmethod
    def _numeric(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        for v in values:
            if not v.isdigit() or len(v) > 20:
                raise ValueError(f"a user id is the numeric id, not a handle: {v[:40]!r}")
        return values

    @field_validator("support_emails")
    @classmethod
    def _emails(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        out = []
        for v in values:
            local, _, domain = v.strip().lower().rpartition("@")
            if not local or not _DOMAIN.fullmatch(domain):
                raise ValueError(f"not an email address: {v[:60]!r}")
            out.append(f"{local}@{domain}")
        return tuple(out)

    @field_validator("email_domains", "web_domains")
    @classmethod
    def _domains(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        out = []
        for v in values:
            d = v.strip().lower().rstrip(".")
            d = d.encode("idna").decode("ascii") if not d.isascii() else d
            if not _DOMAIN.fullmatch(d):
                raise ValueError(f"not a domain name: {v[:60]!r}")
            out.append(d)
        return tuple(out)

    @field_validator("brand_names")
    @classmethod
    def _brands(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        for v in values:
            if not 2 <= len(v.strip()) <= 64:
                raise ValueError("a brand name is 2 to 64 characters")
        return tuple(v.strip() for v in values)

    # ---- lookups -------------------------------------------------------------------------------------------------

    def is_official_domain(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        return any(host == d or host.endswith("." + d) for d in (*self.web_domains, *self.email_domains))

    def is_official_email(self, address: str) -> bool:
        address = address.strip().lower()
        return address in self.support_emails

    def official_handles(self, platform: str) -> tuple[str, ...]:
        if platform == "x":
            return self.x_handles
        if platform == "telegram":
            return (*self.telegram_handles, *self.telegram_bots)
        return ()

    def is_official_account(self, platform: str, user_id: str | None, handle: str | None) -> bool:
        ids = self.x_user_ids if platform == "x" else self.telegram_user_ids if platform == "telegram" else ()
        admin_ids = {a.user_id for a in self.telegram_admins} if platform == "telegram" else set()
        if user_id and (user_id in ids or user_id in admin_ids):
            return True
        if handle:
            h = handle.lstrip("@").lower()
            return any(h == o.lower() for o in self.official_handles(platform))
        return False


class ImpersonationActions(_Strict):
    public_warning: bool = True  # a short warning reply under the impersonator's post
    private_message: bool = True  # tell the customer privately (DM, bot chat, or a private link)
    telegram_delete: bool = True  # delete the impersonator's message where the bot is admin
    telegram_restrict: bool = True  # and take away their right to post in that group


class ImpersonationSettings(_Strict):
    enabled: bool = True
    threshold: float = Field(0.6, gt=0, le=1)
    registry: OfficialRegistry = OfficialRegistry()
    actions: ImpersonationActions = ImpersonationActions()
    # Handle named in the warning ("@OurWallet will never DM you first"); default: the first X handle.
    warning_handle: str | None = None
