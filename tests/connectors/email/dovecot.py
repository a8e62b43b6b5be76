"""A real Dovecot IMAP server for tests: own config in a temp dir, a free loopback port, stopped afterwards."""
from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from datetime import datetime
from pathlib import Path

from imapclient import IMAPClient

USER = "support"
PASSWORD = "s3cret-pass"

_CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
{ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
mail_location = maildir:~/Maildir
mail_fsync = never
{unprivileged}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {dir}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {dir}/users
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
  }}
  {chroot}
}}
service anvil {{
  {chroot}
}}
"""


def dovecot_binary() -> str | None:
    return shutil.which("dovecot") or (os.path.exists("/usr/sbin/dovecot") and "/usr/sbin/dovecot") or None


def make_self_signed_cert(cert: Path, key: Path) -> None:
    """A certificate for 127.0.0.1 / localhost, as a private CA would issue (clients trust it via ca_file)."""
    if cert.exists():
        return
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )
    key.chmod(0o600)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Dovecot:
    def __init__(self, root: Path | None = None, *, tls: bool = False, capability: str | None = None) -> None:
        # its own directory directly under /tmp: every parent must be traversable by the unprivileged mail user,
        # which pytest's 0700 tmp_path is not
        self.root = root or Path(tempfile.mkdtemp(prefix="email-dovecot-"))
        self._owns_root = root is None
        self.tls = tls
        self.capability = capability  # replaces the advertised CAPABILITY list (e.g. a server without IDLE)
        self.tls_port = free_port() if tls else 0
        self.port = free_port()
        self.host = "127.0.0.1"
        self.user = USER
        self.password = PASSWORD
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def cert_file(self) -> Path:
        return self.root / "cert.pem"

    @property
    def key_file(self) -> Path:
        return self.root / "key.pem"

    @property
    def maildir(self) -> Path:
        return self.root / "mail" / USER / "Maildir"

    def start(self) -> None:
        binary = dovecot_binary()
        assert binary, "dovecot is not installed"
        self.root.chmod(0o755)
        for sub in ("run", "state", "mail"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        is_root = os.geteuid() == 0
        if is_root:
            uid, gid = 65534, 65534
            unprivileged, chroot = "", ""
            shutil.chown(self.root / "mail", "nobody", "nogroup")
        else:
            me = pwd.getpwuid(os.geteuid()).pw_name
            uid, gid = "", ""
            unprivileged = (
                f"default_internal_user = {me}\ndefault_login_user = {me}\ndefault_internal_group = {me}"
            )
            chroot = "chroot ="
        (self.root / "users").write_text(
            f"{USER}:{{PLAIN}}{PASSWORD}:{uid}:{gid}::{self.root}/mail/{USER}\n"
        )
        ssl_block = "ssl = no"
        if self.tls:
            make_self_signed_cert(self.cert_file, self.key_file)
            ssl_block = f"ssl = yes\nssl_cert = <{self.cert_file}\nssl_key = <{self.key_file}"
        if self.capability:
            ssl_block += f"\nimap_capability = {self.capability}"
        (self.root / "dovecot.conf").write_text(
            _CONFIG.format(dir=self.root, port=self.port, unprivileged=unprivileged, chroot=chroot,
                           ssl=ssl_block, tls_port=self.tls_port)
        )
        self._process = subprocess.Popen(
            [binary, "-F", "-c", str(self.root / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"dovecot exited: {self._process.stderr.read().decode()[:2000]}")
            try:
                with socket.create_connection((self.host, self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("dovecot did not start listening within 10 s")

    def restart(self, down_for: float = 0.0) -> None:
        """Drop every client connection and stop the server, stay down `down_for` seconds, start again."""
        self.kick()
        self._terminate()
        time.sleep(down_for)
        self.start()

    def kick(self) -> None:
        """Disconnect the user's IMAP sessions (imap processes outlive a stopped master otherwise)."""
        # exit status is non-zero when nobody was connected, which is fine here
        subprocess.run(["doveadm", "-c", str(self.root / "dovecot.conf"), "kick", USER],
                       capture_output=True, timeout=30, check=False)

    def stop(self) -> None:
        self._terminate()
        if self._owns_root:
            shutil.rmtree(self.root, ignore_errors=True)

    def _terminate(self) -> None:
        if self._process and self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    def client(self) -> IMAPClient:
        client = IMAPClient(self.host, port=self.port, ssl=False, timeout=30)
        client.login(self.user, self.password)
        return client

    def append(self, raw: bytes, when: datetime | None = None, folder: str = "INBOX") -> None:
        with self.client() as client:
            client.append(folder, raw, msg_time=when)

    def append_many(self, raws: list[bytes], folder: str = "INBOX") -> None:
        with self.client() as client:
            for start in range(0, len(raws), 500):
                client.multiappend(folder, raws[start : start + 500])

    def thread_references(self, folder: str = "INBOX") -> list[tuple]:
        with self.client() as client:
            client.select_folder(folder, readonly=True)
            return list(client.thread("REFERENCES", ["ALL"], "UTF-8"))

    def change_uidvalidity(self, new_value: int, folder: str = "INBOX") -> None:
        """Give the folder a new UIDVALIDITY (as a restored backup or a rebuilt index would)."""
        subprocess.run(
            ["doveadm", "-c", str(self.root / "dovecot.conf"), "mailbox", "update", "-u", USER,
             "--uid-validity", str(new_value), folder],
            check=True, capture_output=True, timeout=30,
        )
