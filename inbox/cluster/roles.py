"""Process roles: what one `inbox serve --role ...` process runs.

- `all` (the default, today's behaviour): everything, and the process assumes it is the only one (a reply found in
  `sending` at start-up was interrupted by this process's own restart).
- `web`: the agent API, UI, webhooks and every socket (agents' events, in-app chat); connectors that are served over
  HTTP (in-app chat, Telegram in webhook mode) so their requests can be answered; no outbox, no receive loops.
- `worker`: the outbox and every connector; a connector's receive loop runs in exactly one process at a time
  (inbox.cluster.leases). It answers HTTP too (/healthz, /metrics), but only web processes belong behind the
  load balancer.

Several processes need a database they can share (PostgreSQL) and, for events between them, Redis.
"""
from __future__ import annotations

import os
import secrets
import socket
from enum import Enum

from connectors.base import ConnectorConfig
from inbox.config import Settings
from inbox.store import db


class Role(str, Enum):
    ALL = "all"
    WEB = "web"
    WORKER = "worker"

    @property
    def runs_outbox(self) -> bool:
        return self != Role.WEB

    @property
    def clustered(self) -> bool:
        """Other processes may share this database: claims and receive loops are leased, not assumed."""
        return self != Role.ALL


def process_name(role: Role) -> str:
    """Who this process is in leases, claims and /healthz: $INBOX_PROCESS_NAME (else host:role), then pid and a
    random tag: a restarted process under the same name must never renew the claims its dead predecessor left."""
    base = os.environ.get("INBOX_PROCESS_NAME") or f"{socket.gethostname()}:{role.value}"
    return f"{base[:120]}#{os.getpid()}.{secrets.token_hex(2)}"


def serves_http(config: ConnectorConfig) -> bool:
    """Connectors whose inbound arrives as HTTP requests to our server: a web process must run them."""
    return config.type == "webchat" or getattr(config, "mode", None) == "webhook"


def cluster_problems(settings: Settings, role: Role) -> list[str]:
    """What stops this role from running with these settings (config errors, said by check-config and serve)."""
    problems: list[str] = []
    if role.clustered and db.is_sqlite(settings.database_url):
        problems.append(
            f"{settings.source}: database.url: --role {role.value} means several processes share one database; "
            "SQLite is single-process: use PostgreSQL (postgresql+asyncpg://...) or --role all")
    return problems


def cluster_notes(settings: Settings, role: Role) -> list[str]:
    """Worth saying, not errors."""
    notes: list[str] = []
    if role.clustered and settings.redis.url is None:
        notes.append(
            f"{settings.source}: redis.url: not set: events stay inside each process, so an agent on one web process "
            "does not see what another stored, and in-app chat replies reach only sockets on the sending process; "
            "set redis.url when running more than one process")
    return notes
