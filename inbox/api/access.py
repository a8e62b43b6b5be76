"""Who may call a route: every HTTP route and websocket declares it, so a test generated from the route table can
call each one as every kind of caller, and a route added without a declaration fails that test.

Levels (what the caller must be before the handler runs):
- ``public``: anyone (health, the login form, static files, the chat demo page).
- ``agent``: any signed-in, active agent; the handler still scopes what it returns to the agent's team.
- ``conversation``: a signed-in agent who may see the conversation named by ``{id}`` in the path (admins: all).
- ``admin``: a signed-in admin.
- ``channel``: the channel authenticates the caller itself (chat identity HMAC or visitor token, a webhook's
  secret); no agent credential is involved.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypeVar

Access = Literal["public", "agent", "conversation", "admin", "channel"]
LEVELS: tuple[Access, ...] = ("public", "agent", "conversation", "admin", "channel")
_ATTRIBUTE = "__inbox_access__"
H = TypeVar("H", bound=Callable[..., Any])


def access(level: Access) -> Callable[[H], H]:
    """Declare a handler's access level. Put it *below* the route decorator (it must see the bare handler)."""
    if level not in LEVELS:
        raise ValueError(f"unknown access level {level!r}; one of {', '.join(LEVELS)}")

    def mark(handler: H) -> H:
        setattr(handler, _ATTRIBUTE, level)
        return handler

    return mark


def access_of(handler: Any) -> Access | None:
    """The declared level of a handler, or None when it declares none."""
    return getattr(handler, _ATTRIBUTE, None)
