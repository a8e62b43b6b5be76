"""Config file loading: YAML, `${NAME}` from the environment, typed validation.

Every error names the file and the dotted key, and never echoes a value (a value may be a secret).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from connectors.base import ConnectorConfig
from connectors.registry import connector_class
from inbox.config_messages import describe, did_you_mean
from inbox.datadir import DatabaseUrlError, choose_database, default_data_dir, normalise_url

DEFAULT_CONFIG_PATH = Path("config/inbox.yaml")
DEFAULT_RULES_PATH = Path("config/rules.yaml")  # a checkout's (or an admin's) own rules, found in the working directory
PACKAGED_RULES_PATH = Path(__file__).with_name("defaults") / "rules.yaml"  # the default rule set, shipped in the wheel
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class ConfigError(Exception):
    """A config problem; `problems` are 'file: key: what' lines safe to print."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseSettings(_Strict):
    url: str | None = None  # None: inbox.db in the data directory (inbox.datadir); always set once loaded


class ServerSettings(_Strict):
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)
    public_url: str | None = None
    # Origins allowed to open the agent events websocket (the UI's own origin is always allowed).
    allowed_origins: tuple[str, ...] = ()


class RoutingSettings(_Strict):
    rules: str | Literal[False] | None = None  # None: config/rules.yaml if present, else the packaged rules; false: none


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
    # A private link posted in a public thread can bind its customer's private chat to the ticket for this long.
    private_link_ttl_days: float = Field(7, gt=0, le=365)


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
    notices: tuple[str, ...] = ()  # worth saying, not errors (a legacy database location, a disabled connector)
    data_dir: Path = field(default_factory=lambda: default_data_dir().absolute())
    default_rules: bool = False  # the rules were not named by the config (see default_rules_path)
    sla: dict[str, Any] = field(default_factory=dict)  # SLA calendars and policies (inbox.sla.policy), validated

    @property
    def database_url(self) -> str:
        """The URL every command uses (load_settings resolves it; settings built in code get the default)."""
        return self.database.url or choose_database(None, self.data_dir).url

    @property
    def public_url(self) -> str:
        return self.server.public_url or f"http://{self.server.host}:{self.server.port}"

    @property
    def base_dir(self) -> Path:
        """Relative paths in the config (rules file) are relative to the working directory, like the db URL."""
        return Path.cwd()


def default_settings(data_dir: str | Path | None = None) -> Settings:
    """No config at all: SQLite in the data directory, in-app chat and the default rules, nothing else to start."""
    from connectors.webchat import WebchatConfig

    chat = WebchatConfig(type="webchat")
    return _resolve(Settings(source="built-in defaults", connectors=(ConnectorEntry("app-chat", chat),)), data_dir)


def default_rules_path(data_dir: Path) -> Path:
    """The rules used when the config names none: the working directory's config/rules.yaml, else rules.yaml in the
    data directory, else the packaged set (so the ticket-number auto-reply and routing work whatever directory
    `inbox serve` starts in). `inbox serve` copies the packaged set into the data directory (see seed_rules)."""
    for candidate in (DEFAULT_RULES_PATH, data_dir / "rules.yaml"):
        if candidate.is_file():
            return candidate
    return PACKAGED_RULES_PATH


def seed_rules(settings: Settings) -> Settings:
    """Before serving: the packaged rules are copied into the data directory, so an admin's edits (in the UI or the
    file) land there and survive upgrades, instead of inside the installed package."""
    if settings.routing.rules is False or Path(str(settings.routing.rules)) != PACKAGED_RULES_PATH:
        return settings
    target = settings.data_dir / "rules.yaml"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(PACKAGED_RULES_PATH.read_text(encoding="utf-8"), encoding="utf-8")
    return replace(settings, routing=RoutingSettings(rules=str(target)))


def _resolve(settings: Settings, data_dir: str | Path | None) -> Settings:
    """Fill in what depends on where the inbox runs: which database, which rules file."""
    try:
        choice = choose_database(settings.database.url, data_dir)
    except DatabaseUrlError as e:
        raise ConfigError([f"{settings.source}: database.url: {e}"]) from None
    directory = Path(data_dir).expanduser() if data_dir is not None else default_data_dir()
    rules = settings.routing.rules
    defaulted = rules is None
    if defaulted:
        rules = str(default_rules_path(directory))
    notices = settings.notices + ((choice.notice,) if choice.notice else ())
    return replace(settings, database=DatabaseSettings(url=choice.url), routing=RoutingSettings(rules=rules),
                   notices=notices, data_dir=directory.absolute(), default_rules=defaulted)


def find_config_path(explicit: str | None) -> Path | None:
    if explicit:
        return Path(explicit)
    env = os.environ.get("INBOX_CONFIG")
    if env:
        return Path(env)
    return DEFAULT_CONFIG_PATH if DEFAULT_CONFIG_PATH.exists() else None


def load_settings(explicit: str | None = None, environ: dict[str, str] | None = None,
                  data_dir: str | Path | None = None) -> Settings:
    """The settings every command runs with. `data_dir`: the --data-dir option (else $INBOX_DATA_DIR, else the
    default; see inbox.datadir)."""
    path = find_config_path(explicit)
    if path is None:
        return default_settings(data_dir)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigError([f"{path}: cannot read: {e.strerror}"]) from None
    except UnicodeDecodeError:
        raise ConfigError([f"{path}: not valid UTF-8"]) from None
    return _resolve(parse_settings(text, str(path), os.environ if environ is None else environ), data_dir)


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
    notices: list[str] = []
    raw_connectors = data.pop("connectors", None)
    unset: dict[str, str] = {}
    data = _substitute(data, environ, "", unset)
    problems.extend(f"{source}: {key}: environment variable {var} is not set" for key, var in unset.items())
    known = ["database", "server", "routing", "inbox", "connectors", "guard", "sla"]
    for key in data:
        if key not in known:
            problems.append(f"{source}: {key}: unknown section" + did_you_mean(str(key), known))

    def section(name: str, model: type[BaseModel]) -> Any:
        raw = data.get(name) or {}
        try:
            return model.model_validate(raw)
        except ValidationError as e:
            problems.extend(describe(e, source, name, model))
            return model()

    database = section("database", DatabaseSettings)
    if database.url:
        try:
            database = DatabaseSettings(url=normalise_url(database.url))
        except DatabaseUrlError as e:
            problems.append(f"{source}: database.url: {e}")
    server = section("server", ServerSettings)
    routing = section("routing", RoutingSettings)
    inbox = section("inbox", InboxSettings)
    connectors = _parse_connectors(raw_connectors, source, problems, environ, notices)
    guard = data.get("guard") or {}
    if not isinstance(guard, dict):
        problems.append(f"{source}: guard: must be a mapping")
        guard = {}
    else:
        from routing.guard import GuardPolicy

        try:
            GuardPolicy.model_validate(guard)
        except ValidationError as e:
            problems.extend(describe(e, source, "guard", GuardPolicy))
    sla = data.get("sla") or {}
    from inbox.sla.policy import config_problems

    problems.extend(f"{source}: {line}" for line in config_problems(sla))
    if problems:
        raise ConfigError(problems)
    return Settings(source, database, server, routing, inbox, tuple(connectors), guard, tuple(notices),
                    sla=sla if isinstance(sla, dict) else {})


def parse_connector(name: str, raw: Any, source: str) -> ConnectorConfig:
    """One connector block, validated by its type's model (also used by the admin API)."""
    problems: list[str] = []
    result = _parse_one_connector(name, raw, source, problems)
    if problems or result is None:
        raise ConfigError(problems)
    return result


def _parse_connectors(raw: Any, source: str, problems: list[str], environ: Any = None,
                      notices: list[str] | None = None) -> list[ConnectorEntry]:
    if raw is None:
        return []
    if not isinstance(raw, dict):
        problems.append(f"{source}: connectors: must be a mapping of connector name to settings")
        return []
    entries = []
    notes = notices if notices is not None else []
    for name, block in raw.items():
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}", str(name)):
            problems.append(f"{source}: connectors.{name}: a name is letters, digits, '-', '_' or '.'")
            continue
        where = f"connectors.{name}"
        unset: dict[str, str] = {}  # key -> the environment variable it names that is not set
        block = _substitute(block, {} if environ is None else environ, where, unset)
        disabled = isinstance(block, dict) and block.get("enabled") is False
        if not disabled:
            # An enabled connector needs its secrets now; a disabled one only when someone enables it.
            problems.extend(f"{source}: {key}: environment variable {var} is not set" for key, var in unset.items())
        own: list[str] = []
        config = _parse_one_connector(str(name), block, source, own)
        # A key whose variable is not set has said so already; its empty stand-in's validation error adds nothing.
        own = [p for p in own if not any(p.startswith(f"{source}: {key}:") for key in unset)]
        if disabled and unset:
            missing = ", ".join(sorted(set(unset.values())))
            if config is None and not own:
                notes.append(f"{source}: {where}: disabled, and not loaded: {missing} not set "
                             "(set it before enabling the connector)")
            else:
                notes.append(f"{source}: {where}: disabled; {missing} not set (needed when it is enabled)")
        problems.extend(own)
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
        problems.extend(describe(e, source, where, cls.config_model))
        return None


def _substitute(value: Any, environ: Any, key: str, unset: dict[str, str]) -> Any:
    """Put ${NAME} values in from the environment; `unset` collects the keys whose variable is not set."""
    if isinstance(value, dict):
        return {k: _substitute(v, environ, f"{key}.{k}" if key else str(k), unset) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, environ, f"{key}[{i}]", unset) for i, v in enumerate(value)]
    if isinstance(value, str) and "${" in value:
        def repl(m: re.Match[str]) -> str:
            name = m.group(1)
            if name not in environ:
                unset[key] = name
                return ""
            return environ[name]

        return _ENV_REF.sub(repl, value)
    return value
