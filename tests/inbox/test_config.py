from __future__ import annotations

import re

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
