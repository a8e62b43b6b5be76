"""The `inbox` command as a user runs it (a subprocess with the installed entry point's module)."""
from __future__ import annotations

import subprocess
import sys


def run(*args: str, stdin: str = "", cwd=None, env=None) -> subprocess.CompletedProcess:  # noqa: ANN001
    return subprocess.run([sys.executable, "-m", "inbox.cli", *args], input=stdin, capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=120)


def test_user_add_then_duplicate_is_refused(tmp_path) -> None:  # noqa: ANN001
    cfg = tmp_path / "inbox.yaml"
    cfg.write_text(f"database: {{url: 'sqlite+aiosqlite:///{tmp_path}/i.db'}}\n")
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
