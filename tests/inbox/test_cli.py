"""The `inbox` command as a user runs it (a subprocess with the installed entry point's module)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _own_home(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    """The CLI's default data directory is under $XDG_DATA_HOME: never the real one; this tree's code runs, from a
    directory outside the checkout (as a user would: no config/ folder around)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("INBOX_DATA_DIR", raising=False)
    monkeypatch.delenv("INBOX_CONFIG", raising=False)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))


def run(*args: str, stdin: str = "", cwd=None, env=None) -> subprocess.CompletedProcess:  # noqa: ANN001
    return subprocess.run([sys.executable, "-m", "inbox.cli", *args], input=stdin, capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=120)


def test_user_add_then_duplicate_is_refused(tmp_path) -> None:  # noqa: ANN001
    cfg = tmp_path / "inbox.yaml"
    cfg.write_text(f"database: {{url: 'sqlite+aiosqlite:///{tmp_path}/i.db'}}\n")
    assert run("db", "upgrade", "--config", str(cfg)).returncode == 0  # user commands never create a database
    ok = run("user", "add", "Ann@Example.com", "--role", "admin", "--password-stdin", "--config", str(cfg),
             stdin="a-long-password\n")
    assert ok.returncode == 0, ok.stderr
    assert "ann@example.com" in ok.stdout and "a-long-password" not in ok.stdout + ok.stderr
    again = run("user", "add", "ann@example.com", "--role", "agent", "--password-stdin", "--config", str(cfg),
                stdin="another-password\n")
    assert again.returncode == 1 and "already exists" in again.stderr
    short = run("user", "add", "bo@example.com", "--role", "agent", "--password-stdin", "--config", str(cfg),
                stdin="short\n")
    assert short.returncode == 1 and "at least 8" in short.stderr


def test_check_config_names_file_and_key_never_the_secret(tmp_path) -> None:  # noqa: ANN001
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("connectors:\n  bot:\n    type: telegram\n    token: 123456:VERYSECRETTOKEN\n    mode: carrier-pigeon\n")
    r = run("check-config", "--config", str(cfg))
    assert r.returncode == 2
    assert f"{cfg}: connectors.bot.mode" in r.stderr
    assert "VERYSECRETTOKEN" not in r.stdout + r.stderr


def test_check_config_ok(tmp_path) -> None:  # noqa: ANN001
    r = run("check-config", cwd=tmp_path)
    assert r.returncode == 0 and "built-in defaults: OK" in r.stdout


def test_db_upgrade_reports_revision(tmp_path) -> None:  # noqa: ANN001
    cfg = tmp_path / "inbox.yaml"
    cfg.write_text(f"database: {{url: 'sqlite+aiosqlite:///{tmp_path}/i.db'}}\n")
    r = run("db", "upgrade", "--config", str(cfg))
    from inbox.store.db import head_revision

    assert r.returncode == 0 and f"revision {head_revision()}" in r.stdout  # the newest migration, whichever it is


def test_import_mbox_is_idempotent(tmp_path) -> None:  # noqa: ANN001
    import mailbox
    from email.message import EmailMessage

    box = mailbox.mbox(tmp_path / "backlog.mbox")
    for i in range(3):
        m = EmailMessage()
        m["From"] = f"Customer {i} <c{i}@example.com>"
        m["To"] = "support@example.com"
        m["Subject"] = f"Deposit {i} missing"
        m["Message-ID"] = f"<backlog-{i}@example.com>"
        m["Date"] = "Fri, 20 Nov 2026 10:00:00 +0000"
        m.set_content(f"My deposit number {i} has not arrived.")
        box.add(m)
    box.flush()
    cfg = tmp_path / "inbox.yaml"
    cfg.write_text(
        f"database: {{url: 'sqlite+aiosqlite:///{tmp_path}/i.db'}}\n"
        "connectors:\n  support-mail:\n    type: email\n    enabled: false\n"
        "    imap: {host: 127.0.0.1, username: s, password: p}\n"
        "    smtp: {host: 127.0.0.1, from_address: support@example.com}\n")
    first = run("import", "mbox", str(tmp_path / "backlog.mbox"), "--connector", "support-mail", "--config", str(cfg))
    assert first.returncode == 0, first.stderr
    assert "read 3, imported 3, already there 0" in first.stdout and "3/3" in first.stderr
    second = run("import", "mbox", str(tmp_path / "backlog.mbox"), "--connector", "support-mail", "--config", str(cfg))
    assert second.returncode == 0 and "read 3, imported 0, already there 3" in second.stdout
    wrong = run("import", "mbox", str(tmp_path / "backlog.mbox"), "--connector", "nope", "--config", str(cfg))
    assert wrong.returncode == 2 and "support-mail" in wrong.stderr


# ---- issue 20: the same database from any directory; user commands; no tracebacks; filters ------------------------

def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_user_commands_never_create_a_database(tmp_path) -> None:  # noqa: ANN001
    elsewhere = tmp_path / "somewhere"
    elsewhere.mkdir()
    r = run("user", "add", "ann@example.com", "--role", "admin", "--password-stdin", stdin="a-long-password\n",
            cwd=elsewhere)
    expected = tmp_path / "xdg" / "omni-inbox" / "inbox.db"
    assert r.returncode == 1 and f"database: {expected}" in r.stderr
    assert "no database at" in r.stderr and "inbox serve" in r.stderr and "--data-dir" in r.stderr
    assert "Traceback" not in r.stderr
    assert not expected.exists() and not list(elsewhere.iterdir())
    for args in (("user", "list"), ("user", "disable", "ann@example.com")):
        r = run(*args, cwd=elsewhere)
        assert r.returncode == 1 and "no database at" in r.stderr, r.stderr
    assert not expected.exists()


def test_every_command_finds_the_same_database_from_any_directory(tmp_path) -> None:  # noqa: ANN001
    dirs = [tmp_path / name for name in ("a", "b", "c")]
    for d in dirs:
        d.mkdir()
    db_file = tmp_path / "xdg" / "omni-inbox" / "inbox.db"
    up = run("db", "upgrade", cwd=dirs[0])
    assert up.returncode == 0 and f"database: {db_file}" in up.stderr and db_file.is_file()
    add = run("user", "add", "ann@example.com", "--role", "admin", "--password-stdin", stdin="a-long-password\n",
              cwd=dirs[1])
    assert add.returncode == 0 and f"database: {db_file}" in add.stderr, add.stderr
    listed = run("user", "list", cwd=dirs[2])
    assert listed.returncode == 0 and "ann@example.com" in listed.stdout and "admin" in listed.stdout
    # --data-dir (before or after the command) and INBOX_DATA_DIR name another one, the same way for every command.
    other = tmp_path / "other"
    assert run("--data-dir", str(other), "db", "upgrade", cwd=dirs[0]).returncode == 0
    assert "ann@example.com" not in run("user", "list", "--data-dir", str(other), cwd=dirs[1]).stdout
    env = {**os.environ, "INBOX_DATA_DIR": str(other)}
    r = run("user", "list", cwd=dirs[2], env=env)
    assert r.returncode == 0 and f"database: {other}/inbox.db" in r.stderr and "ann@example.com" not in r.stdout


def test_user_list_passwd_disable_enable(tmp_path) -> None:  # noqa: ANN001
    import asyncio
    from datetime import timedelta

    from sqlalchemy import func, select

    from inbox.auth import agent_for_token, login
    from inbox.store.db import create_engine
    from inbox.store.schema import api_tokens

    data = tmp_path / "data"
    assert run("db", "upgrade", "--data-dir", str(data)).returncode == 0
    for email, role in (("boss@example.com", "admin"), ("bo@example.com", "agent")):
        r = run("user", "add", email, "--role", role, "--team", "payments", "--password-stdin", "--data-dir",
                str(data), stdin="first-password\n")
        assert r.returncode == 0, r.stderr
    url = f"sqlite+aiosqlite:///{data}/inbox.db"

    async def sign_in(email: str, password: str) -> str | None:
        engine = create_engine(url)
        try:
            result = await login(engine, email, password, timedelta(hours=1))
            return result[0] if result else None
        finally:
            await engine.dispose()

    async def check(token: str) -> tuple[bool, int]:
        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                rows = (await conn.execute(select(func.count()).select_from(api_tokens))).scalar_one()
            return await agent_for_token(engine, token) is not None, rows
        finally:
            await engine.dispose()

    token = asyncio.run(sign_in("bo@example.com", "first-password"))
    assert token and asyncio.run(check(token)) == (True, 1)
    listed = run("user", "list", "--data-dir", str(data))
    assert [line.split()[1:6] for line in listed.stdout.splitlines()[1:]] == [
        ["boss@example.com", "boss", "admin", "payments", "active"], ["bo@example.com", "bo", "agent", "payments", "active"]]

    no_stdin = run("user", "passwd", "bo@example.com", "--data-dir", str(data))
    assert no_stdin.returncode == 2 and "--password-stdin" in no_stdin.stderr
    changed = run("user", "passwd", "BO@example.com", "--password-stdin", "--data-dir", str(data),
                  stdin="second-password\n")
    assert changed.returncode == 0 and "1 session(s) signed out" in changed.stdout
    assert "second-password" not in changed.stdout + changed.stderr
    assert asyncio.run(check(token)) == (False, 0)  # the old session ended with the old password
    assert asyncio.run(sign_in("bo@example.com", "first-password")) is None
    token = asyncio.run(sign_in("bo@example.com", "second-password"))
    assert token is not None
    short = run("user", "passwd", "bo@example.com", "--password-stdin", "--data-dir", str(data), stdin="short\n")
    assert short.returncode == 1 and "at least 8" in short.stderr

    disabled = run("user", "disable", "bo@example.com", "--data-dir", str(data))
    assert disabled.returncode == 0 and "1 session(s) signed out" in disabled.stdout
    assert asyncio.run(check(token)) == (False, 0)  # disabling ends their tokens: the rows are gone
    assert asyncio.run(sign_in("bo@example.com", "second-password")) is None
    assert "disabled" in run("user", "list", "--data-dir", str(data)).stdout
    last_admin = run("user", "disable", "boss@example.com", "--data-dir", str(data))
    assert last_admin.returncode == 1 and "only active admin" in last_admin.stderr
    nobody = run("user", "disable", "nobody@example.com", "--data-dir", str(data))
    assert nobody.returncode == 1 and "no agent with email nobody@example.com" in nobody.stderr
    assert run("user", "enable", "bo@example.com", "--data-dir", str(data)).returncode == 0
    assert asyncio.run(sign_in("bo@example.com", "second-password")) is not None


def test_serve_from_any_directory_has_the_default_rules_and_their_teams(tmp_path) -> None:  # noqa: ANN001
    import json
    import time
    import urllib.request

    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "inbox.cli", "serve", "--port", str(port)], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        health = None
        for _ in range(240):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    health = json.load(r)
                break
            except OSError:
                if proc.poll() is not None:
                    break
                time.sleep(0.5)
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=60)
    assert health is not None, err
    data = tmp_path / "xdg" / "omni-inbox"
    assert f"database: {data}/inbox.db" in out and f"rules: {data}/rules.yaml" in out, out
    assert f"inbox serving on http://127.0.0.1:{port}" in out and "inbox user add admin@example.com" in out
    assert "{ticket}" in (data / "rules.yaml").read_text(encoding="utf-8")  # the ticket-number auto-reply
    assert {"security", "payments", "supervisors", "support"} <= {w.split("'")[1] for w in health["warnings"]}
    assert "Traceback" not in err


def test_no_traceback_for_a_port_in_use(tmp_path) -> None:  # noqa: ANN001
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        r = run("serve", "--port", str(port), "--data-dir", str(tmp_path / "d"), cwd=tmp_path)
    assert r.returncode == 2 and "port is in use" in r.stderr and "--port" in r.stderr
    assert "Traceback" not in r.stderr and "serving on" not in r.stdout


def test_no_traceback_for_an_unreachable_or_misspelled_database(tmp_path) -> None:  # noqa: ANN001
    port = _free_port()  # nothing listens there
    cfg = tmp_path / "inbox.yaml"
    cfg.write_text(f"database: {{url: 'postgres://inbox:hunter2pw@127.0.0.1:{port}/inbox'}}\n")
    checked = run("check-config", "--config", str(cfg), cwd=tmp_path)
    assert checked.returncode == 0 and f"postgresql+asyncpg://inbox:***@127.0.0.1:{port}/inbox" in checked.stdout
    for args in (("serve", "--port", str(_free_port())), ("db", "upgrade"), ("user", "list")):
        r = run(*args, "--config", str(cfg), cwd=tmp_path)
        assert r.returncode in (1, 2) and "cannot use the database" in r.stderr and "connection refused" in r.stderr, \
            (args, r.stderr)
        assert "Traceback" not in r.stderr and "hunter2pw" not in r.stdout + r.stderr
    cfg.write_text("database: {url: 'postgressql://inbox:hunter2pw@127.0.0.1/inbox'}\n")
    for args in (("check-config",), ("serve",), ("user", "list")):
        r = run(*args, "--config", str(cfg), cwd=tmp_path)
        assert r.returncode == 2 and "did you mean postgresql?" in r.stderr and "Traceback" not in r.stderr
        assert "hunter2pw" not in r.stdout + r.stderr


def test_check_config_plain_words_and_disabled_connectors(tmp_path) -> None:  # noqa: ANN001
    example = ROOT / "config" / "inbox.example.yaml"
    env = {k: v for k, v in os.environ.items() if not k.endswith(("_PASSWORD", "_TOKEN", "_SECRET", "_KEY"))}
    env["CHAT_IDENTITY_SECRET"] = "a-chat-secret-value"
    ok = run("check-config", "--config", str(example), cwd=tmp_path, env=env)
    assert ok.returncode == 0, ok.stderr  # only the enabled chat's secret is demanded
    assert "IMAP_PASSWORD" in ok.stderr and "note:" in ok.stderr
    cfg = tmp_path / "inbox.yaml"
    cfg.write_text("server: {prot: 8080}\nconnectors: {bot: {type: telegram}}\n")
    bad = run("check-config", "--config", str(cfg), cwd=tmp_path)
    assert bad.returncode == 2 and "server.prot: unknown key — did you mean port?" in bad.stderr
    assert "connectors.bot.token: missing" in bad.stderr
    assert "Value error" not in bad.stderr and "Field required" not in bad.stderr


def test_check_config_and_dry_run_warn_about_teams_nobody_is_in(tmp_path) -> None:  # noqa: ANN001
    checked = run("check-config", cwd=tmp_path)
    assert checked.returncode == 0 and "warning: team 'security'" in checked.stderr
    r = run("route", "--dry-run", stdin='{"text": "my account was hacked"}\n', cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    import json

    [line] = [json.loads(x) for x in r.stdout.splitlines()]
    assert line["effects"]["team"] == "security" and "'security'" in line["warnings"][0]
    assert "warning: team 'security'" in r.stderr


def test_help_has_examples_and_every_option_says_what_it_does() -> None:
    import argparse

    from inbox.cli import parser

    r = run("--help")
    assert r.returncode == 0 and "examples:" in r.stdout and "inbox user add" in r.stdout

    def walk(p: argparse.ArgumentParser, path: str) -> list[str]:
        missing = []
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    missing += walk(child, f"{path} {name}")
            elif not isinstance(action, argparse._HelpAction) and not action.help:
                missing.append(f"{path} {'/'.join(action.option_strings) or action.dest}")
        return missing

    assert walk(parser(), "inbox") == []


def test_scan_classify_and_route_treat_a_bad_line_alike(tmp_path) -> None:  # noqa: ANN001
    import json

    lines = '{"text": "withdrawal not arrived"}\nnot json\n{"text": "hello"}\n'
    for args in (("scan",), ("classify",), ("route", "--dry-run")):
        r = run(*args, stdin=lines, cwd=tmp_path)
        out = [json.loads(x) for x in r.stdout.splitlines()]
        assert r.returncode == 2 and len(out) == 3, (args, r.stdout, r.stderr)
        assert "error" not in out[0] and "error" not in out[2] and out[1]["error"].startswith("line 2: not JSON")
        assert "1 of 3 input lines could not be used" in r.stderr and "Traceback" not in r.stderr


def test_serves_first_admin_hint_reaches_the_same_database(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    from inbox.cli_users import add_admin_hint
    from inbox.config import load_settings

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["/opt/x/.venv/bin/inbox", "serve"])
    plain = add_admin_hint(load_settings(None))
    assert plain.endswith("/opt/x/.venv/bin/inbox user add admin@example.com --role admin --password-stdin")
    cfg = tmp_path / "inbox.yaml"
    cfg.write_text("server: {port: 8081}\n")
    hint = add_admin_hint(load_settings(str(cfg), data_dir=tmp_path / "my data"))
    assert f"--config {cfg}" in hint and f"--data-dir '{tmp_path}/my data'" in hint


def test_user_add_needs_a_database_with_the_inbox_tables_on_sqlite_and_postgres(tmp_path, db_url) -> None:  # noqa: ANN001
    import asyncio

    from inbox.store.db import create_engine

    async def empty_schema() -> None:
        engine = create_engine(db_url)
        try:
            async with engine.begin() as conn:
                await conn.exec_driver_sql("DROP SCHEMA public CASCADE")
                await conn.exec_driver_sql("CREATE SCHEMA public")
        finally:
            await engine.dispose()

    if db_url.startswith("postgresql"):
        asyncio.run(empty_schema())
    cfg = tmp_path / "inbox.yaml"
    cfg.write_text(f"database: {{url: '{db_url}'}}\n")
    refused = run("user", "add", "ann@example.com", "--role", "admin", "--password-stdin", "--config", str(cfg),
                  stdin="a-long-password\n", cwd=tmp_path)
    assert refused.returncode == 1 and ("no database at" in refused.stderr or "no inbox tables" in refused.stderr)
    assert "inbox db upgrade" in refused.stderr and "Traceback" not in refused.stderr
    assert run("db", "upgrade", "--config", str(cfg), cwd=tmp_path).returncode == 0
    added = run("user", "add", "ann@example.com", "--role", "admin", "--password-stdin", "--config", str(cfg),
                stdin="a-long-password\n", cwd=tmp_path)
    assert added.returncode == 0, added.stderr
