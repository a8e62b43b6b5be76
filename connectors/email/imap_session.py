"""A blocking IMAP session (imapclient). Every method runs in the connector's single IMAP worker thread, never
on the event loop; errors come out already sorted into AuthError / TransientError."""
from __future__ import annotations

import functools
import imaplib
import logging
import re
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import ParamSpec, TypeVar

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from connectors.base import AuthError, PermanentError, TransientError
from connectors.email.config import ImapSettings

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

# Dovecot (and others) can miss a mail that lands in the instant between our last command and the server arming
# IDLE: no notification comes until the next command. Ending IDLE makes the server sync and report it, so a
# waiting connector leaves and re-enters IDLE every `recheck` seconds (two tiny round trips), bounding the
# worst-case delay; the full folder check runs every IDLE_FULL_CHECK_SECONDS regardless.
IDLE_RECHECK_SECONDS = 1.5
IDLE_FULL_CHECK_SECONDS = 300.0
_IDLE_TICK = 1.0  # how often a waiting IDLE looks at the stop flag


@dataclass(frozen=True, slots=True)
class FolderState:
    uidvalidity: int
    uidnext: int | None


@dataclass(frozen=True, slots=True)
class FetchedMail:
    uid: int
    raw: bytes
    internal_date: datetime | None


def _sorted_errors(method: Callable[P, R]) -> Callable[P, R]:
    """Translate socket / protocol failures into TransientError (the connector reconnects with backoff)."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except (AuthError, TransientError, PermanentError):
            raise
        except LoginError as error:
            if login_failure_is_temporary(str(error)):
                raise TransientError(f"IMAP login failed temporarily: {_reason(error)}") from None
            raise AuthError(f"IMAP login refused: {_reason(error)}") from None
        except (TimeoutError, imaplib.IMAP4.abort, ssl.SSLError, OSError, EOFError) as error:
            raise TransientError(f"IMAP connection lost: {type(error).__name__}: {_reason(error)}") from None
        except (IMAPClientError, imaplib.IMAP4.error) as error:
            # a NO/BAD to a command we send every round usually means the server is unwell, not us
            raise TransientError(f"IMAP command failed: {_reason(error)}") from None

    return wrapper


# RFC 5530 response codes on a failed LOGIN that mean "not now" rather than "not you": the server could not check
# the credentials (UNAVAILABLE: Dovecot's "Temporary authentication failure" when its user database is unreachable),
# broke (SERVERBUG), or has too many sessions (INUSE, LIMIT). AUTHENTICATIONFAILED, AUTHORIZATIONFAILED, EXPIRED,
# CONTACTADMIN, PRIVACYREQUIRED and a NO without a code stay credential problems an admin must fix.
_TEMPORARY_LOGIN_CODES = re.compile(r"\[(UNAVAILABLE|SERVERBUG|INUSE|LIMIT)\b", re.IGNORECASE)


def login_failure_is_temporary(response: str) -> bool:
    """Whether a LOGIN refusal (the server's NO text, with its response code) is worth retrying."""
    return bool(_TEMPORARY_LOGIN_CODES.search(response))


def _open(s: ImapSettings) -> IMAPClient:
    context = ssl.create_default_context(cafile=s.ca_file) if s.security != "none" else None
    client = IMAPClient(s.host, port=s.effective_port, ssl=s.security == "tls", ssl_context=context, timeout=s.timeout)
    try:
        if s.security == "starttls":
            client.starttls(context)
        client.normalise_times = False  # keep INTERNALDATE's zone
        client.login(s.username, s.password.get_secret_value())
    except BaseException:
        _quiet_shutdown(client)
        raise
    return client


@_sorted_errors
def file_copy(settings: ImapSettings, folder: str, raw: bytes, when: datetime) -> None:
    """APPEND a sent mail to `folder` as read, on a connection of its own (the receiving one may be in IDLE).
    A missing folder is created once, as the server's TRYCREATE answer invites."""
    client = _open(settings)
    try:
        try:
            client.append(folder, raw, flags=[b"\\Seen"], msg_time=when)
        except IMAPClientError as error:
            if "trycreate" not in str(error).lower():
                raise
            try:
                client.create_folder(folder)
            except IMAPClientError as create_error:
                if "exist" not in str(create_error).lower():  # made meanwhile by another client: fine
                    raise
            client.append(folder, raw, flags=[b"\\Seen"], msg_time=when)
    finally:
        _quiet_shutdown(client)


def _reason(error: BaseException) -> str:
    text = str(error)
    return text[:300] if text else type(error).__name__


class ImapSession:
    def __init__(self, settings: ImapSettings) -> None:
        self._settings = settings
        self._client: IMAPClient | None = None

    @property
    def connected(self) -> bool:
        return self._client is not None

    @property
    def supports_idle(self) -> bool:
        return self._client is not None and self._client.has_capability("IDLE")

    @_sorted_errors
    def connect(self) -> None:
        self.close()
        self._client = _open(self._settings)

    def _require(self) -> IMAPClient:
        if self._client is None:
            raise TransientError("IMAP session is not connected")
        return self._client

    @_sorted_errors
    def select(self) -> FolderState:
        client = self._require()
        try:
            info = client.select_folder(self._settings.folder, readonly=True)
        except IMAPClientError as error:
            if "nonexistent" in str(error).lower() or "doesn't exist" in str(error).lower():
                raise PermanentError(f"IMAP folder {self._settings.folder!r} does not exist") from None
            raise
        uidnext = info.get(b"UIDNEXT")
        return FolderState(uidvalidity=int(info[b"UIDVALIDITY"]), uidnext=int(uidnext) if uidnext else None)

    @_sorted_errors
    def uids_after(self, last_uid: int) -> list[int]:
        # "N:*" always matches the highest message even when its UID is below N, hence the filter
        return sorted(uid for uid in self._require().search(["UID", f"{last_uid + 1}:*"]) if uid > last_uid)

    @_sorted_errors
    def uids_since(self, day: date) -> list[int]:
        return sorted(self._require().search(["SINCE", day]))

    @_sorted_errors
    def sizes(self, uids: list[int]) -> dict[int, int]:
        if not uids:
            return {}
        data = self._require().fetch(uids, [b"RFC822.SIZE"])
        return {uid: int(item.get(b"RFC822.SIZE", 0)) for uid, item in data.items()}

    @_sorted_errors
    def fetch(self, uids: list[int]) -> list[FetchedMail]:
        if not uids:
            return []
        data = self._require().fetch(uids, [b"BODY.PEEK[]", b"INTERNALDATE"])
        out: list[FetchedMail] = []
        for uid in sorted(data):
            item = data[uid]
            raw = item.get(b"BODY[]")
            if raw is None:
                continue  # expunged between SEARCH and FETCH
            internal = item.get(b"INTERNALDATE")
            out.append(FetchedMail(uid, bytes(raw), internal if isinstance(internal, datetime) else None))
        return out

    @_sorted_errors
    def poll(self) -> None:
        self._require().noop()

    @_sorted_errors
    def wait_for_change(
        self,
        stop: threading.Event,
        recheck: float = IDLE_RECHECK_SECONDS,
        give_up_after: float = IDLE_FULL_CHECK_SECONDS,
        last_uid: int | None = None,
    ) -> bool:
        """IDLE until the server reports a change (True), or `give_up_after` passes or `stop` is set (False).

        With `last_uid` (the highest UID delivered), every cycle first asks STATUS for the folder's UIDNEXT: mail
        that arrived while an earlier command ran is announced (EXISTS) with that command's answer, which imapclient
        swallows, and IDLE does not announce it again; STATUS sees past the session's view."""
        client = self._require()
        deadline = time.monotonic() + give_up_after
        while not stop.is_set() and time.monotonic() < deadline:
            if last_uid is not None and self._uidnext() - 1 > last_uid:
                return True
            client.idle()
            cycle_end = min(deadline, time.monotonic() + recheck)
            seen: list[tuple] = []
            try:
                while not stop.is_set() and time.monotonic() < cycle_end and not _has_change(seen):
                    seen += client.idle_check(timeout=min(_IDLE_TICK, max(0.05, cycle_end - time.monotonic())))
            finally:
                _, after_done = client.idle_done()
            seen += after_done
            if _has_change(seen):
                return True
        return False

    def _uidnext(self) -> int:
        status = self._require().folder_status(self._settings.folder, [b"UIDNEXT"])
        return int(status[b"UIDNEXT"])

    def close(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        try:
            client.logout()
        except Exception:  # noqa: BLE001 - the connection may already be gone; we only want it closed
            _quiet_shutdown(client)


def _has_change(responses: list[tuple]) -> bool:
    """EXISTS / EXPUNGE / FETCH mean the folder changed; "* OK Still here" keep-alives don't. BYE is a lost
    connection."""
    if any(r and r[0] == b"BYE" for r in responses):
        raise TransientError("IMAP server closed the connection (BYE)")
    return any(len(r) >= 2 and r[1] in (b"EXISTS", b"EXPUNGE", b"RECENT", b"FETCH") for r in responses)


def _quiet_shutdown(client: IMAPClient) -> None:
    try:
        client.shutdown()
    except Exception:
        log.debug("IMAP socket shutdown failed", exc_info=True)
