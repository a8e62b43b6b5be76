"""One impersonation holder per running server's settings, shared by the pipeline stage, the admin API and /verify."""
from __future__ import annotations

from typing import TYPE_CHECKING

from routing.impersonation.holder import ImpersonationHolder
from routing.impersonation.stage import ImpersonationStage

if TYPE_CHECKING:
    from inbox.config import Settings

_HOLDERS: dict[int, tuple["Settings", ImpersonationHolder]] = {}


def holder_for(settings: "Settings") -> ImpersonationHolder:
    found = _HOLDERS.get(id(settings))
    if found is None or found[0] is not settings:
        found = (settings, ImpersonationHolder.from_raw(settings.impersonation))
        _HOLDERS[id(settings)] = found
    return found[1]


def impersonation_stage(settings: "Settings") -> ImpersonationStage:
    return ImpersonationStage(holder_for(settings), settings.public_url)
