"""Real `inbox serve` processes on loopback, for the multi-process tests and `bench.soak`: a config on PostgreSQL
and Redis, free ports, start / SIGKILL / restart, health polling. Every Redis key of a run starts with its own
prefix, which `cleanup` deletes (the Redis server may be shared)."""
from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

IDENTITY_SECRET = "cluster-chat-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Proc:
    name: str
    role: str
    port: int
    popen: subprocess.Popen
    started: float = field(default_factory=time.monotonic)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None


class LocalCluster:
    def __init__(self, workdir: Path, database_url: str, redis_url: str, *, ticker: dict | None = None,
                 chat_limits: dict | None = None) -> None:
        self.workdir = workdir
        self.database_url = database_url
        self.redis_url = redis_url
        self.prefix = f"inbox-test-{uuid.uuid4().hex[:10]}"
        self.sent_log = workdir / "ticker-sent.log"
        self.config = workdir / "inbox.yaml"
        self.procs: dict[str, Proc] = {}
        connectors: dict[str, dict] = {"app-chat": {"type": "webchat", "identity_secret": IDENTITY_SECRET}}
        if chat_limits:
            connectors["app-chat"]["limits"] = chat_limits
        if ticker is not None:
            connectors["ticks"] = {"type": "ticker", "sent_log": str(self.sent_log), **ticker}
        body = {"database": {"url": database_url}, "redis": {"url": redis_url, "prefix": self.prefix},
                "routing": {"rules": False}, "server": {"host": "127.0.0.1"}, "connectors": connectors}
        self.config.write_text(json.dumps(body), encoding="utf-8")  # JSON is YAML

    def cli(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "bench.cluster_serve", "--config", str(self.config),
                               "--data-dir", str(self.workdir / "data"), *args],
                              input=stdin, capture_output=True, text=True, timeout=120, env=self._env("cli"))

    def _env(self, name: str) -> dict[str, str]:
        env = {**os.environ, "INBOX_PROCESS_NAME": name, "PYTHONUNBUFFERED": "1"}
        env.pop("INBOX_CONFIG", None)
        return env

    def start(self, name: str, role: str) -> Proc:
        port = free_port()
        log = open(self.workdir / f"{name}.log", "ab")  # noqa: SIM115 - the child writes it until it ends
        popen = subprocess.Popen(
            [sys.executable, "-m", "bench.cluster_serve", "--config", str(self.config), "--data-dir",
             str(self.workdir / "data"), "serve", "--role", role, "--port", str(port), "--log-level", "WARNING"],
            stdout=log, stderr=subprocess.STDOUT, env=self._env(name), start_new_session=True)
        log.close()
        proc = Proc(name, role, port, popen)
        self.procs[name] = proc
        return proc

    async def wait_healthy(self, proc: Proc, timeout: float = 90.0) -> dict:
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < deadline:
                if not proc.alive:
                    raise RuntimeError(f"{proc.name} exited: {self.log_tail(proc.name)}")
                try:
                    async with http.get(f"{proc.url}/healthz", timeout=aiohttp.ClientTimeout(total=2)) as r:
                        if r.status == 200:
                            return await r.json()
                except (aiohttp.ClientError, asyncio.TimeoutError):
                    pass
                await asyncio.sleep(0.2)
        raise TimeoutError(f"{proc.name} not healthy after {timeout}s: {self.log_tail(proc.name)}")

    def log_tail(self, name: str, chars: int = 3000) -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    def kill(self, proc: Proc, sig: int = signal.SIGKILL) -> None:
        if proc.alive:
            os.killpg(proc.popen.pid, sig)
        proc.popen.wait(timeout=30)

    def stop_all(self) -> None:
        for proc in self.procs.values():
            if proc.alive:
                try:
                    os.killpg(proc.popen.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
        for proc in self.procs.values():
            try:
                proc.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.popen.pid, signal.SIGKILL)
                proc.popen.wait(timeout=10)

    async def cleanup_redis(self) -> None:
        await delete_prefix(self.redis_url, self.prefix)


async def delete_prefix(redis_url: str, prefix: str) -> None:
    """Delete this run's keys only: the Redis server may be shared."""
    import redis.asyncio as redis

    client = redis.Redis.from_url(redis_url)
    try:
        keys = [k async for k in client.scan_iter(match=f"{prefix}:*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


@contextlib.asynccontextmanager
async def scratch_cluster(pg_admin_url: str, redis_url: str, admin_email: str, password: str,
                          **kw) -> AsyncIterator[LocalCluster]:  # noqa: ANN003
    """A new PostgreSQL database (dropped after), migrated, with one admin; processes and Redis keys cleaned up."""
    import asyncpg

    name = f"inbox_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(pg_admin_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    url = pg_admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1) + f"/{name}"
    with tempfile.TemporaryDirectory() as d:
        c = LocalCluster(Path(d), url, redis_url, **kw)
        try:
            assert c.cli("db", "upgrade").returncode == 0
            r = c.cli("user", "add", admin_email, "--role", "admin", "--password-stdin", stdin=password + "\n")
            assert r.returncode == 0, r.stderr
            yield c
        finally:
            c.stop_all()
            await c.cleanup_redis()
            admin = await asyncpg.connect(pg_admin_url)
            await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            await admin.close()
