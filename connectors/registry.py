"""Connector types by name. Explicit, so a config's `type:` maps to exactly one class and imports stay lazy
(a missing optional SDK breaks only its own connector)."""
from __future__ import annotations

import importlib

from connectors.base import Connector

BUILTIN: dict[str, str] = {
    "webchat": "connectors.webchat:WebchatConnector",
    "email": "connectors.email:EmailConnector",
    "telegram": "connectors.telegram:TelegramConnector",
    "twitter": "connectors.twitter:TwitterConnector",
}

_extra: dict[str, type[Connector]] = {}


def register(cls: type[Connector]) -> type[Connector]:
    """Add a connector type (plugins, tests). Usable as a class decorator."""
    _extra[cls.type_name] = cls
    return cls


def known_types() -> list[str]:
    return sorted({*BUILTIN, *_extra})


def connector_class(type_name: str) -> type[Connector]:
    if type_name in _extra:
        return _extra[type_name]
    try:
        target = BUILTIN[type_name]
    except KeyError:
        raise KeyError(f"unknown connector type {type_name!r}; known: {', '.join(known_types())}") from None
    module_name, _, attr = target.partition(":")
    return getattr(importlib.import_module(module_name), attr)
