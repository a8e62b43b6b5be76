"""The impersonation settings in force: the config file's section, with the registry an admin saved over it.

The admin API replaces the registry at run time and saves it in the database (`official_registry`, see
inbox.api.impersonation); the saved copy wins over the config file's registry from then on, so a restart (or
another server process, on its next load) keeps the admin's edits.
"""
from __future__ import annotations

from typing import Any

from routing.impersonation.registry import ImpersonationSettings, OfficialRegistry


class ImpersonationHolder:
    def __init__(self, settings: ImpersonationSettings) -> None:
        self._configured = settings.registry
        self._current = settings
        self.saved = False  # the registry in force came from the database, not the config file

    @classmethod
    def from_raw(cls, raw: dict[str, Any] | None) -> "ImpersonationHolder":
        return cls(ImpersonationSettings.model_validate(raw or {}))

    @property
    def current(self) -> ImpersonationSettings:
        return self._current

    def use_registry(self, registry: OfficialRegistry | None) -> None:
        """The saved registry (None: none saved, the config file's is in force). Replaces the whole settings object,
        so a batch in the pipeline sees one registry or the other, never a mix."""
        self.saved = registry is not None
        self._current = self._current.model_copy(update={"registry": registry or self._configured})
