"""The rules in force, reloaded when the file changes; a bad edit keeps the old rules running and shows its error."""
from __future__ import annotations

import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable

from routing.rules.engine import RuleSet, RuleSummary
from routing.rules.errors import RulesError
from routing.rules.loader import load_rules, parse_rules

RELOAD_CHECK_SECONDS = 1.0


def _signature(path: Path) -> tuple[int, int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    # mtime alone misses two saves within the file system's timestamp granularity; size and inode catch most.
    return stat.st_mtime_ns, stat.st_size, stat.st_ino


class RulesHolder:
    def __init__(self, path: str | Path, clock: Callable[[], float] = time.monotonic) -> None:
        """Load the rules at `path`; raise RulesError when they can't be used (there are no old rules to keep)."""
        self.path = Path(path)
        self._clock = clock
        self._lock = threading.Lock()
        self._signature = _signature(self.path)
        self._current = load_rules(self.path)
        self._last_error: str | None = None
        self._checked_at = clock()

    @property
    def current(self) -> RuleSet:
        return self._current

    @property
    def last_error(self) -> str | None:
        """Why the newest version of the file is not in force (None when it is)."""
        return self._last_error

    def maybe_reload(self) -> None:
        """Reload if the file changed; stats the file at most once per RELOAD_CHECK_SECONDS."""
        now = self._clock()
        if now - self._checked_at < RELOAD_CHECK_SECONDS:
            return
        self._checked_at = now
        signature = _signature(self.path)
        if signature == self._signature:
            return
        self._reload(signature)

    def _reload(self, signature: tuple[int, int, int] | None) -> None:
        with self._lock:
            self._signature = signature  # a bad version is reported once, and retried only when edited again
            if signature is None:
                self._last_error = f"{self.path}: the rules file is missing; the rules loaded before stay in force"
                return
            try:
                self._current = load_rules(self.path)
            except RulesError as error:
                self._last_error = f"{error}\n(the rules loaded before stay in force)"
            else:
                self._last_error = None

    def summary(self) -> list[RuleSummary]:
        return self._current.summary()

    def validate_text(self, yaml_text: str) -> list[str]:
        try:
            parse_rules(yaml_text, str(self.path))
        except RulesError as error:
            return error.errors
        return secrets_in_rules(yaml_text, str(self.path))


    def replace(self, yaml_text: str) -> None:
        """Validate, write the file atomically (readers see the old or the new file, never half), then load it."""
        errors = self.validate_text(yaml_text)
        if errors:
            raise RulesError(errors)
        directory = self.path.parent
        handle, temporary = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(yaml_text)
                out.flush()
                os.fsync(out.fileno())
            if self.path.exists():
                os.chmod(temporary, self.path.stat().st_mode & 0o777)
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self._reload(_signature(self.path))
        self._checked_at = self._clock()
        if self._last_error is not None:  # only if the file changed again between our write and our read
            raise RulesError([self._last_error])


def secrets_in_rules(yaml_text: str, source: str) -> list[str]:
    """Rules saved from the admin UI must not carry a secret: templates are sent to customers and stored, tags are
    shown to every agent. One error per item, naming the kind and the line, never the value."""
    from routing.guard.texts import KIND_NAMES
    from routing.sensitive import detect

    return [
        f"{source}: line {yaml_text.count(chr(10), 0, finding.start) + 1}: contains "
        f"{KIND_NAMES['en'].get(finding.kind, finding.kind)} ({finding.kind}); a secret never goes in the rules"
        for finding in detect(yaml_text) if finding.tier == "secret"
    ]
