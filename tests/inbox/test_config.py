from __future__ import annotations

import re
from pathlib import Path

import pytest

from inbox.config import ConfigError, default_settings, parse_settings

GOOD = """
database: {url: "sqlite+aiosqlite:///./x.db"}
connectors:
  app-chat:
    type: webchat
    identity_secret: ${CHAT_SECRET}
"""


def test_env_substitution_and_types() -> None:
    s = parse_settings(GOOD, "inbox.yaml", {"CHAT_SECRET": "hunter2hunter2"})
    [entry] = s.connectors
    assert entry.name == "app-chat" and entry.config.type == "webchat"
    assert entry.config.identity_secret.get_secret_value() == "hunter2hunter2"
    assert "hunter2" not in repr(entry.config)


@pytest.mark.parametrize(
    ("text", "env", "expected"),
    [
        (GOOD, {}, "inbox.yaml: connectors.app-chat.identity_secret: environment variable CHAT_SECRET is not set"),
        ("connectors: {a: {type: pigeon}}", {}, "inbox.yaml: connectors.a.type: unknown connector type 'pigeon'"),
        ("connectors: {a: {type: webchat, colour: red}}", {}, "inbox.yaml: connectors.a.colour: unknown key"),
        ("server: {port: 99999}", {}, "inbox.yaml: server.port:"),
        ("servr: {}", {}, "inbox.yaml: servr: unknown section"),
        ("a: [", {}, "inbox.yaml: line"),
        ("- 1", {}, "inbox.yaml: the top level must be a mapping"),
        ("connectors: {a: {type: webchat, max_frame_bytes: lots}}", {}, "inbox.yaml: connectors.a.max_frame_bytes:"),
    ],
)
def test_errors_name_file_and_key(text: str, env: dict[str, str], expected: str) -> None:
    with pytest.raises(ConfigError) as e:
        parse_settings(text, "inbox.yaml", env)
    assert any(p.startswith(expected) for p in e.value.problems), e.value.problems


def test_secret_values_are_never_echoed() -> None:
    text = "connectors: {a: {type: webchat, identity_secret: [not-a-string-SEKRET]}}"
    with pytest.raises(ConfigError) as e:
        parse_settings(text, "inbox.yaml", {})
    assert "SEKRET" not in str(e.value)


def test_defaults_serve_chat_on_sqlite() -> None:
    s = default_settings()
    assert s.database.url.startswith("sqlite+aiosqlite") and [c.config.type for c in s.connectors] == ["webchat"]


def test_guard_section_is_validated_by_key() -> None:
    with pytest.raises(ConfigError) as e:
        parse_settings("guard: {no_such_policy_key: true}", "inbox.yaml", {})
    assert any(p.startswith("inbox.yaml: guard.no_such_policy_key") for p in e.value.problems), e.value.problems


def test_serve_refuses_a_broken_rules_file_with_a_clear_error(tmp_path) -> None:  # noqa: ANN001
    import subprocess
    import sys

    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - name: bad\n    when: {text_matches: '(['}\n    then: [{add_tag: x}]\n")
    cfg = tmp_path / "inbox.yaml"
    cfg.write_text(f"database: {{url: 'sqlite+aiosqlite:///{tmp_path}/i.db'}}\nrouting: {{rules: '{rules}'}}\n")
    r = subprocess.run([sys.executable, "-m", "inbox.cli", "serve", "--config", str(cfg), "--port", "0"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "routing.rules" in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_the_shipped_example_config_is_valid(tmp_path) -> None:  # noqa: ANN001
    """Flow mappings with ${NAME} values (`imap: {password: ${IMAP_PASSWORD}, ...}`, as the design card writes
    them) parse; the secrets come from the environment and never pass through YAML."""
    from pathlib import Path

    from inbox.config import parse_settings

    example = Path(__file__).resolve().parents[2] / "config" / "inbox.example.yaml"
    text = example.read_text(encoding="utf-8")
    names = set(re.findall(r"\$\{([A-Z_]+)\}", text))
    environ = {name: f"value: {{of}} {name}, with # yaml" for name in names}  # YAML syntax in a secret stays text
    environ["TELEGRAM_BOT_TOKEN"] = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"  # checked for its shape
    settings = parse_settings(text, str(example), environ)
    mail = next(c for c in settings.connectors if c.name == "support-mail").config
    assert mail.imap.password.get_secret_value() == "value: {of} IMAP_PASSWORD, with # yaml"
    assert mail.imap.folder == "INBOX"


# ---- issue 20: defaults that work from any directory, plain errors ------------------------------------------------

def test_default_rules_come_from_the_package_outside_a_checkout(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    from inbox.config import PACKAGED_RULES_PATH, load_settings

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("INBOX_CONFIG", raising=False)
    s = load_settings(None, data_dir=tmp_path / "data")
    assert s.routing.rules == str(PACKAGED_RULES_PATH) and PACKAGED_RULES_PATH.is_file()
    # A config without a routing section gets them too; `rules: false` turns rules off; a named file wins.
    cfg = tmp_path / "inbox.yaml"
    cfg.write_text("server: {port: 8081}\n")
    assert load_settings(str(cfg), data_dir=tmp_path / "data").routing.rules == str(PACKAGED_RULES_PATH)
    cfg.write_text("routing: {rules: false}\n")
    assert load_settings(str(cfg), data_dir=tmp_path / "data").routing.rules is False
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "rules.yaml").write_text("version: 1\n")
    cfg.write_text("server: {port: 8081}\n")
    assert load_settings(str(cfg), data_dir=tmp_path / "data").routing.rules == "config/rules.yaml"


def test_serve_copies_the_packaged_rules_into_the_data_dir_once(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    from inbox.config import load_settings, seed_rules

    monkeypatch.chdir(tmp_path)
    s = seed_rules(load_settings(None, data_dir=tmp_path / "data"))
    copy = tmp_path / "data" / "rules.yaml"
    assert s.routing.rules == str(copy) and "ticket" in copy.read_text(encoding="utf-8")
    copy.write_text("version: 1\n# an admin's edit\n")
    again = seed_rules(load_settings(None, data_dir=tmp_path / "data"))
    assert again.routing.rules == str(copy) and "an admin's edit" in copy.read_text()  # never overwritten


def test_database_lives_in_the_data_dir(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    from inbox.config import load_settings
    from inbox.datadir import default_data_dir

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("INBOX_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_data_dir() == tmp_path / "xdg" / "omni-inbox"
    assert default_data_dir({"HOME": "/home/ann"}) == Path("/home/ann/.local/share/omni-inbox")
    assert load_settings(None).database_url == f"sqlite+aiosqlite:///{tmp_path}/xdg/omni-inbox/inbox.db"
    monkeypatch.setenv("INBOX_DATA_DIR", str(tmp_path / "env"))
    assert load_settings(None).database_url.endswith(f"{tmp_path}/env/inbox.db")
    assert load_settings(None, data_dir=tmp_path / "opt").database_url.endswith(f"{tmp_path}/opt/inbox.db")
    cfg = tmp_path / "inbox.yaml"
    cfg.write_text("database: {url: 'sqlite:////srv/inbox.db'}\n")
    assert load_settings(str(cfg), data_dir=tmp_path / "opt").database_url == "sqlite+aiosqlite:////srv/inbox.db"


def test_a_legacy_inbox_db_in_the_working_directory_is_still_used_and_said(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    from inbox.config import load_settings

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("INBOX_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    (tmp_path / "inbox.db").write_bytes(b"")
    s = load_settings(None)
    assert s.database_url == f"sqlite+aiosqlite:///{tmp_path}/inbox.db"
    assert any("earlier versions" in n and "mv" in n for n in s.notices), s.notices
    # Not when a data directory is named, nor once the data directory has a database of its own.
    assert "xdg" not in load_settings(None, data_dir=tmp_path / "d").database_url
    assert load_settings(None, data_dir=tmp_path / "d").database_url.endswith("/d/inbox.db")
    (tmp_path / "xdg" / "omni-inbox").mkdir(parents=True)
    (tmp_path / "xdg" / "omni-inbox" / "inbox.db").write_bytes(b"")
    assert load_settings(None).database_url.endswith("/xdg/omni-inbox/inbox.db") and not load_settings(None).notices


@pytest.mark.parametrize(("url", "expected"), [
    ("postgres://u:pw@db.example/inbox", "postgresql+asyncpg://u:pw@db.example/inbox"),
    ("postgresql://u@db.example:5433/inbox", "postgresql+asyncpg://u@db.example:5433/inbox"),
    ("sqlite:///./x.db", "sqlite+aiosqlite:///./x.db"),
    ("postgresql+asyncpg://u@h/d", "postgresql+asyncpg://u@h/d"),
])
def test_database_urls_as_providers_write_them_are_normalised(url: str, expected: str) -> None:
    s = parse_settings(f"database: {{url: '{url}'}}", "inbox.yaml", {})
    assert s.database.url == expected


@pytest.mark.parametrize(("url", "expected"), [
    ("postgressql://u:hunter2pw@h/d", "did you mean postgresql?"),
    ("mysql://u:hunter2pw@h/d", "unsupported database 'mysql'"),
    ("postgresql+psycopg2://u:hunter2pw@h/d", "use postgresql+asyncpg://"),
    ("not a url hunter2pw", "not a database URL"),
])
def test_unusable_database_urls_are_refused_plainly_without_the_password(url: str, expected: str) -> None:
    with pytest.raises(ConfigError) as e:
        parse_settings(f"database: {{url: '{url}'}}", "inbox.yaml", {})
    [problem] = e.value.problems
    assert problem.startswith("inbox.yaml: database.url: ") and expected in problem and "hunter2pw" not in problem


@pytest.mark.parametrize(("text", "expected"), [
    ("server: {prot: 8080}", "inbox.yaml: server.prot: unknown key — did you mean port?"),
    ("servre: {}", "inbox.yaml: servre: unknown section — did you mean server?"),
    ("server: {port: lots}", "inbox.yaml: server.port: must be a whole number"),
    ("server: {port: 99999}", "inbox.yaml: server.port: must be at most 65535"),
    ("connectors: {bot: {type: telegram, mode: polling}}", "inbox.yaml: connectors.bot.token: missing (this key is required)"),
    ("connectors: {bot: {type: telegram, tokn: x}}", "inbox.yaml: connectors.bot.tokn: unknown key — did you mean token?"),
    ("connectors: {m: {type: email, imap: {host: h, prot: 1, username: u, password: p}, "
     "smtp: {host: h, from_address: a@b.c}}}", "inbox.yaml: connectors.m.imap.prot: unknown key — did you mean port?"),
])
def test_errors_speak_plainly(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as e:
        parse_settings(text, "inbox.yaml", {})
    assert expected in e.value.problems, e.value.problems
    for line in e.value.problems:
        assert not any(jargon in line for jargon in ("Value error", "Field required", "Input should")), line


def test_disabled_connectors_do_not_demand_their_environment_variables() -> None:
    text = """
connectors:
  mail:
    type: email
    enabled: false
    imap: {host: imap.example.com, username: s, password: ${IMAP_PASSWORD}}
    smtp: {host: smtp.example.com, from_address: s@example.com, password: ${SMTP_PASSWORD}}
  bot:
    type: telegram
    enabled: false
    token: ${TELEGRAM_BOT_TOKEN}
  chat:
    type: webchat
    identity_secret: ${CHAT_SECRET}
"""
    s = parse_settings(text, "inbox.yaml", {"CHAT_SECRET": "s3cret-s3cret"})
    assert {c.name for c in s.connectors} >= {"chat", "mail"}
    assert any("connectors.bot" in n and "TELEGRAM_BOT_TOKEN" in n for n in s.notices), s.notices
    assert any("connectors.mail" in n and "IMAP_PASSWORD" in n for n in s.notices), s.notices
    # Enabled, the same missing variable is an error; and a disabled connector's real mistakes still are.
    with pytest.raises(ConfigError) as e:
        parse_settings(text.replace("enabled: false\n    token", "enabled: true\n    token"), "inbox.yaml",
                       {"CHAT_SECRET": "s3cret-s3cret"})
    assert e.value.problems == ["inbox.yaml: connectors.bot.token: environment variable TELEGRAM_BOT_TOKEN is not set"]
    with pytest.raises(ConfigError) as e:
        parse_settings(text.replace("    token: ${TELEGRAM_BOT_TOKEN}", "    token: ${TELEGRAM_BOT_TOKEN}\n    mode: pigeon"),
                       "inbox.yaml", {"CHAT_SECRET": "s3cret-s3cret"})
    assert any(p.startswith("inbox.yaml: connectors.bot.mode:") for p in e.value.problems), e.value.problems


async def test_start_up_creates_the_teams_the_rules_name_and_health_warns_about_empty_ones(engine, db_url) -> None:  # noqa: ANN001
    from sqlalchemy import func, select

    from inbox import teams as team_module
    from inbox.config import PACKAGED_RULES_PATH, RoutingSettings
    from inbox.store.schema import teams
    from tests.inbox.appserver import add_agent, running, settings_for

    settings = settings_for(db_url, routing=RoutingSettings(rules=str(PACKAGED_RULES_PATH)))
    for _ in range(2):  # idempotent: a second start creates nothing twice
        async with running(settings) as (server, http):
            team_module._cache.clear()
            async with http.get("/healthz") as r:
                body = await r.json()
    async with engine.connect() as conn:
        rows = (await conn.execute(select(teams.c.name, func.count()).group_by(teams.c.name))).all()
    assert dict(rows) == {"security": 1, "payments": 1, "supervisors": 1, "support": 1}
    assert len(body["warnings"]) == 4 and all("no active agents" in w for w in body["warnings"]), body
    await add_agent(db_url, "sec@example.com", team="security")
    async with running(settings) as (server, http):
        team_module._cache.clear()
        async with http.get("/healthz") as r:
            warnings = (await r.json())["warnings"]
    assert not any("'security'" in w for w in warnings) and len(warnings) == 3, warnings


def test_team_problems_name_missing_and_empty_teams() -> None:
    from inbox.config import PACKAGED_RULES_PATH
    from inbox.teams import problems_by_team, rule_targets
    from routing.rules import load_rules

    targets = rule_targets(load_rules(PACKAGED_RULES_PATH))
    assert set(targets) == {"security", "payments", "supervisors", "support"}
    problems = problems_by_team(targets, {"security": 2, "payments": 0})
    assert set(problems) == {"payments", "supervisors", "support"}
    assert "no active agents" in problems["payments"] and "does not exist" in problems["support"]


def test_impersonation_section_is_validated_with_keys_named() -> None:
    good = "impersonation:\n  registry:\n    x_handles: ['@OurWallet']\n    web_domains: [ourwallet.com]\n"
    settings = parse_settings(good, "inbox.yaml", {})
    assert settings.impersonation["registry"]["x_handles"] == ["@OurWallet"]
    bad = "impersonation:\n  registry:\n    x_handles: ['not a handle']\n  treshold: 2\n"
    with pytest.raises(ConfigError) as caught:
        parse_settings(bad, "inbox.yaml", {})
    text = "\n".join(caught.value.problems)
    assert "impersonation.registry.x_handles" in text and "impersonation.treshold" in text
    with pytest.raises(ConfigError):
        parse_settings("impersonation: [1, 2]\n", "inbox.yaml", {})
