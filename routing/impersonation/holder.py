"""The impersonation settings in force: the config file's section, with the registry an admin saved over it.

The admin API replaces the registry at run time; the saved copy (`official_registry.json` in the data directory)
wins over the config file's registry from then on, so a restart keeps the admin's edits.
"""
from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

from routing.impersonation.registry import ImpersonationSettings, OfficialRegistry

SAVED_NAME = "official_registry.json"


class ImpersonationHolder:
    def __init__(self, settings: ImpersonationSettings, data_dir: Path | None = None) -> None:
        self._lock = threading.Lock()
        self._path = data_dir / SAVED_NAME if data_dir is not None else None
        if self._path is not None and self._path.is_file():
            saved = OfficialRegistry.model_validate_json(self._path.read_text(encoding="utf-8"))
            settings = settings.model_copy(update={"registry": saved})
        self._current = settings

    @classmethod
    def from_raw(cls, raw: dict[str, Any] | None, data_dir: Path | None = None) -> "ImpersonationHolder":
        return cls(ImpersonationSettings.model_validate(raw or {}), data_dir)

    @property
    def current(self) -> ImpersonationSettings:
        return self._current

    def replace_registry(self, registry: OfficialRegistry) -> None:
        with self._lock:
            if self._path is not None:
                self._path.parent.mkdir(parents=True, exist_ok=True)
                tmp = self._path.with_suffix(".tmp")
                tmp.write_text(json.dumps(registry.model_dump(mode="json"), ensure_ascii=False, indent=2),
                               encoding="utf-8")
                os.replace(tmp, self._path)
            self._current = self._current.model_copy(update={"registry": registry})
