"""Where the inbox keeps its data, and which database a command uses.

Every command resolves the database the same way, so `inbox user add` run anywhere writes to the database that
`inbox serve` reads: `database.url` from the config if it names one, else `inbox.db` in the data directory
(`--data-dir`, else `$INBOX_DATA_DIR`, else `$XDG_DATA_HOME/omni-inbox`, else `~/.local/share/omni-inbox`).
An `inbox.db` left in the working directory by an earlier version is still used while the data directory has none
(with a notice saying how to move it).
"""
from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DB_FILE = "inbox.db"
LEGACY_DB = Path(DB_FILE)  # where versions up to 0.1.0 kept it: the working directory
URL_EXAMPLES = "sqlite+aiosqlite:///PATH or postgresql+asyncpg://USER:PASSWORD@HOST/DB"
# What a URL may start with, and the async driver this inbox runs it with.
_BACKENDS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg", "postgres": "postgresql+asyncpg"}
_DRIVERS = {"sqlite+aiosqlite", "postgresql+asyncpg"}


class DatabaseUrlError(ValueError):
    """The database URL can't be used; the message never repeats the URL (it may carry a password)."""


class DatabaseUnavailable(RuntimeError):
    """The database could not be opened or reached; the message says which one and why, without a password."""


def default_data_dir(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    if env.get("INBOX_DATA_DIR"):
        return Path(env["INBOX_DATA_DIR"]).expanduser()
    base = env.get("XDG_DATA_HOME") or str(Path(env.get("HOME") or Path.home()) / ".local" / "share")
    return Path(base).expanduser() / "omni-inbox"


@dataclass(frozen=True)
class DatabaseChoice:
    url: str
    notice: str | None = None  # said on every command when the choice may surprise (the legacy ./inbox.db)


def choose_database(configured_url: str | None, data_dir: str | Path | None,
                    environ: Mapping[str, str] | None = None) -> DatabaseChoice:
    """The database a command uses: the config's URL (normalised), else inbox.db in the data directory."""
    if configured_url:
        return DatabaseChoice(normalise_url(configured_url))
    explicit = data_dir is not None or bool((os.environ if environ is None else environ).get("INBOX_DATA_DIR"))
    directory = Path(data_dir).expanduser() if data_dir is not None else default_data_dir(environ)
    target = (directory / DB_FILE).absolute()
    if not explicit and not target.exists() and LEGACY_DB.is_file():
        legacy = LEGACY_DB.absolute()
        return DatabaseChoice(sqlite_url(legacy), (
            f"using {legacy} from the working directory (where earlier versions kept it); to use it from any "
            f"directory, move it: mkdir -p {directory} && mv {legacy}* {directory}/"))
    return DatabaseChoice(sqlite_url(target))


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def normalise_url(url: str) -> str:
    """`postgres://` and `postgresql://` (as hosting providers hand them out) get the async driver; `sqlite:///`
    too. Anything else this inbox can't run is refused here, before a command half-starts."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseUrlError(f"not a database URL (expected {URL_EXAMPLES})") from None
    scheme = parsed.drivername
    if scheme in _DRIVERS:
        return url
    if scheme in _BACKENDS:
        return parsed.set(drivername=_BACKENDS[scheme]).render_as_string(hide_password=False)
    backend = scheme.split("+")[0]
    if backend in _BACKENDS:
        raise DatabaseUrlError(f"the driver {scheme!r} is not installed; use {_BACKENDS[backend]}:// ({URL_EXAMPLES})")
    near = difflib.get_close_matches(backend, [*_BACKENDS, *_DRIVERS], n=1, cutoff=0.6)
    hint = f" — did you mean {near[0]}?" if near else ""
    raise DatabaseUrlError(f"unsupported database {backend!r}{hint} (expected {URL_EXAMPLES})")


def display(url: str) -> str:
    """The database as people should see it: a SQLite file's path, or the URL with its password hidden."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return str(Path(parsed.database).absolute()) if parsed.database and parsed.database != ":memory:" \
            else "in-memory SQLite"
    return parsed.render_as_string(hide_password=True)


def sqlite_file(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def explain_failure(error: BaseException, url: str) -> str | None:
    """A plain sentence for a database that can't be reached or opened, or None if `error` is something else."""
    import sqlalchemy.exc

    where = display(url)
    reason: str | None = None
    if isinstance(error, ConnectionRefusedError):
        reason = "connection refused (is the server running, on that host and port?)"
    elif isinstance(error, TimeoutError):
        reason = "no answer (timed out)"
    elif isinstance(error, OSError) and error.__class__.__name__ == "gaierror":
        reason = "unknown host name"
    elif isinstance(error, OSError):
        reason = error.strerror or error.__class__.__name__
    elif isinstance(error, sqlalchemy.exc.DBAPIError | sqlalchemy.exc.InterfaceError):
        reason = _first_line(error.orig) if error.orig is not None else _first_line(error)
    elif error.__class__.__module__.startswith("asyncpg"):
        reason = _first_line(error)
    if reason is None:
        return None
    return f"cannot use the database {where}: {reason}"


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else error.__class__.__name__
