"""The IMAP cursor persisted through host.deliver(checkpoint=...): UIDVALIDITY, last UID and the INTERNALDATE of
the newest delivered mail (where a re-sync after a UIDVALIDITY change starts)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ImapCursor:
    uidvalidity: int
    last_uid: int
    last_date: datetime | None = None

    def to_checkpoint(self) -> dict[str, str]:
        out = {"uidvalidity": str(self.uidvalidity), "last_uid": str(self.last_uid)}
        if self.last_date is not None:
            out["last_date"] = self.last_date.isoformat()
        return out

    @classmethod
    def from_checkpoint(cls, checkpoint: dict[str, str]) -> ImapCursor | None:
        """None when there is no (usable) cursor: the connector then imports the backlog."""
        try:
            uidvalidity = int(checkpoint["uidvalidity"])
            last_uid = int(checkpoint["last_uid"])
        except (KeyError, ValueError):
            return None
        last_date: datetime | None = None
        if checkpoint.get("last_date"):
            try:
                last_date = datetime.fromisoformat(checkpoint["last_date"])
            except ValueError:
                last_date = None
        return cls(uidvalidity, last_uid, last_date)

    def advanced(self, uid: int, internal_date: datetime | None) -> ImapCursor:
        newest = self.last_date
        if internal_date is not None and (newest is None or internal_date > newest):
            newest = internal_date
        return ImapCursor(self.uidvalidity, max(self.last_uid, uid), newest)
