"""Config file loading: YAML, `${NAME}` from the environment, typed validation.

Every error names the file and the dotted key, and never echoes a value (a value may be a secret).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from connectors.base import ConnectorConfig
from connectors.registry import connector_class

DEFAULT_CONFIG_PATH = Path("config/inbox.yaml")
DEFAULT_RULES_PATH = Path("config/rules.yaml")
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class ConfigError(Exception):
    """A config problem; `problems` are 'file: key: what' lines safe to print."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseSettings(_Strict):
    url: str = "sqlite+aiosqlite:///./inbox.db"


class ServerSettings(_Strict):
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)
    public_url: str | None = None
    # Origins allowed to open the agent events websocket (the UI's own origin is always allowed).
    allowed_origins: tuple[str, ...] = ()


class RoutingSettings(_Strict):
    rules: str | None = None


class InboxSettings(_Strict):
    reopen_window_hours: float = Field(72, ge=0)  # a customer writing again within this reopens a resolved ticket
    subject_match_days: float = Field(14, ge=0)  # email subject fallback window
    batch_size: int = Field(1000, ge=1, le=10000)
    # Sensitive-data detection and classification of deliveries of at least this many messages run ahead in a
    # worker process (started on first use), beside the writer; 0 keeps all of it in the writer's process.
    analysis_worker_min_batch: int = Field(32, ge=0)
    token_ttl_hours: float = Field(24 * 14, gt=0)
    # Failed logins allowed within the window before answering 429 (0 = no limit): per account, per client address.
    login_failures_per_account: int = Field(5, ge=0)
    login_failures_per_address: int = Field(20, ge=0)
    login_failure_window_seconds: float = Field(60, gt=0)
    # A refused (429) sign-in is answered after this delay: an attacker who waits for answers (most tools do) sends
    # a few guesses a second instead of hundreds. Costs the server nothing but an idle connection.
    login_refusal_delay_seconds: float = Field(1.0, ge=0, le=10)
    # An open agent events socket re-checks its session this often (expiry, logout elsewhere, deactivation).
    session_recheck_seconds: float = Field(30, gt=0)


@dataclass(frozen=True)
class ConnectorEntry:
    name: str
    config: ConnectorConfig


@dataclass(frozen=True)
class Settings:
    source: str  # the file it came from, or "built-in defaults"
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    server: ServerSettings = field(default_factory=ServerSettings)
    routing: RoutingSettings = field(default_factory=RoutingSettings)
    inbox: InboxSettings = field(default_factory=InboxSettings)
    connectors: tuple[ConnectorEntry, ...] = ()
    guard: dict[str, Any] = field(default_factory=dict)  # validated by routing.guard.GuardPolicy where it is used

    @property
    def public_url(self) -> str:
        return self.server.public_url or f"http://{self.server.host}:{self.server.port}"

    @property
    def base_dir(self) -> Path:
        """Relative paths in the config (rules file) are relative to the working directory, like the db URL."""
        return Path.cwd()


def default_settings() -> Settings:
    """No config at all: SQLite in the working directory and in-app chat, nothing else to start."""
    from connectors.webchat import WebchatConfig

    chat = WebchatConfig(type="webchat")
    # Run from a checkout, the default rule set for a wallet support team applies out of the box.
    rules = DEFAULT_RULES_PATH if DEFAULT_RULES_PATH.exists() else None
    return Settings(source="built-in defaults", connectors=(ConnectorEntry("app-chat", chat),),
                    routing=RoutingSettings(rules=str(rules) if rules else None))


def find_config_path(explicit: str | None) -> Path | None:
    if explicit:
        return Path(explicit)
    env = os.environ.get("INBOX_CONFIG")
    if env:
        return Path(env)
    return DEFAULT_CONFIG_PATH if DEFAULT_CONFIG_PATH.exists() else None


def load_settings(explicit: str | None = None, environ: dict[str, str] | None = None) -> Settings:
    path = find_config_path(explicit)
    if path is None:
        return default_settings()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigError([f"{path}: cannot read: {e.strerror}"]) from None
    except UnicodeDecodeError:
        raise ConfigError([f"{path}: not valid UTF-8"]) from None
    return parse_settings(text, str(path), os.environ if environ is None else environ)


def _quote_bare_refs(text: str) -> str:
    """`password: ${IMAP_PASSWORD}` inside a flow mapping (`imap: {...}`, as the design card writes it) is not
    valid YAML: `{` and `}` are flow indicators there. A reference that is a whole value is quoted before parsing;
    the value itself is put in after parsing, so no secret is ever read as YAML."""
    return _BARE_REF.sub(lambda m: f'{m.group(1)}"{m.group(2)}"', text)


# A ${NAME} that is a value on its own: after ":", "[", "," or "{", and before ",", "}", "]", a comment or the end.
_BARE_REF = re.compile(r"([:\[,{][ \t]*)(\$\{[A-Za-z_][A-Za-z0-9_]*\})(?=[ \t]*(?:[,}\]]|#|$))", re.MULTILINE)


def parse_settings(text: str, source: str, environ: dict[str, str] | os._Environ[str]) -> Settings:
    try:
        data = yaml.safe_load(_quote_bare_refs(text))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise ConfigError([f"{source}:{where}: not valid YAML: {getattr(e, 'problem', e)}"]) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError([f"{source}: the top level must be a mapping of sections"])

    problems: list[str] = []
    data = _substitute(data, environ, source, "", problems)
    known = {"database", "server", "routing", "inbox", "connectors", "guard"}
    for key in data:
        if key not in known:
            problems.append(f"{source}: {key}: unknown section (known: {', '.join(sorted(known))})")

    def section(name: str, model: type[BaseModel]) -> Any:
        raw = data.get(name) or {}
        try:
            return model.model_validate(raw)
        except ValidationError as e:
            problems.extend(_describe(e, source, name))
            return model()

    database = section("database", DatabaseSettings)
    server = section("server", ServerSettings)
    routing = section("routing", RoutingSettings)
    inbox = section("inbox", InboxSettings)
    connectors = _parse_connectors(data.get("connectors"), source, problems)
    guard = data.get("guard") or {}
    if not isinstance(guard, dict):
        problems.append(f"{source}: guard: must be a mapping")
        guard = {}
    else:
        from routing.guard import GuardPolicy

        try:
            GuardPolicy.model_validate(guard)
        except ValidationError as e:
            problems.extend(_describe(e, source, "guard"))
    if problems:
        raise ConfigError(problems)
    return Settings(source, database, server, routing, inbox, tuple(connectors), guard)


def parse_connector(name: str, raw: Any, source: str) -> ConnectorConfig:
    """One connector block, validated by its type's model (also used by the admin API)."""
    problems: list[str] = []
    result = _parse_one_connector(name, raw, source, problems)
    if problems or result is None:
        raise ConfigError(problems)
    return result


def _parse_connectors(raw: Any, source: str, problems: list[str]) -> list[ConnectorEntry]:
    if raw is None:
        return []
    if not isinstance(raw, dict):
        problems.append(f"{source}: connectors: must be a mapping of connector name to settings")
        return []
    entries = []
    for name, block in raw.items():
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}", str(name)):
            problems.append(f"{source}: connectors.{name}: a name is letters, digits, '-', '_' or '.'")
            continue
        config = _parse_one_connector(str(name), block, source, problems)
        if config is not None:
            entries.append(ConnectorEntry(str(name), config))
    return entries


def _parse_one_connector(name: str, block: Any, source: str, problems: list[str]) -> ConnectorConfig | None:
    where = f"connectors.{name}"
    if not isinstance(block, dict):
        problems.append(f"{source}: {where}: must be a mapping")
        return None
    type_name = block.get("type")
    if not type_name:
        problems.append(f"{source}: {where}.type: missing (one of the connector types)")
        return None
    try:
        cls = connector_class(str(type_name))
    except KeyError as e:
        problems.append(f"{source}: {where}.type: {e.args[0]}")
        return None
    except ImportError as e:
        problems.append(f"{source}: {where}.type: the {type_name} connector cannot load: {e}")
        return None
    try:
        return cls.config_model.model_validate(block)
    except ValidationError as e:
        problems.extend(_describe(e, source, where))
        return None


def _substitute(value: Any, environ: Any, source: str, key: str, problems: list[str]) -> Any:
    if isinstance(value, dict):
        return {k: _substitute(v, environ, source, f"{key}.{k}" if key else str(k), problems) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, environ, source, f"{key}[{i}]", problems) for i, v in enumerate(value)]
    if isinstance(value, str) and "${" in value:
        def repl(m: re.Match[str]) -> str:
            name = m.group(1)
            if name not in environ:
                problems.append(f"{source}: {key}: environment variable {name} is not set")
                return ""
            return environ[name]

        return _ENV_REF.sub(repl, value)
    return value


def _describe(error: ValidationError, source: str, prefix: str) -> list[str]:
    lines = []
    for item in error.errors(include_input=False, include_url=False):
        loc = ".".join(str(p) for p in item["loc"])
        key = f"{prefix}.{loc}" if loc else prefix
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = "unknown key"
        lines.append(f"{source}: {key}: {message}")
    return lines
