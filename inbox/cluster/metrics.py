"""`GET /metrics`: this process's figures in Prometheus' text format (prometheus_client), one scrape per process.

Who may read it: an admin (bearer token or session, like the admin API), or a scraper sending
`Authorization: Bearer <metrics.token>` when the config sets one. Nobody else, not even other agents: queue depths,
connector names and error rates describe the company's support load. Labels are route templates and connector
names, never ids or paths, so a scan of random URLs cannot grow the series.
"""
from __future__ import annotations

import hmac
import time
from typing import Any

from aiohttp import web
from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from sqlalchemy import func, select

from inbox.api.access import access
from inbox.api.context import CTX, bearer, require_admin
from inbox.domain import utcnow
from inbox.store.schema import outbox

REGISTRY = web.AppKey("inbox_metrics_registry", CollectorRegistry)
LATENCY = web.AppKey("inbox_request_latency", Histogram)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class _Snapshot:
    """Collected at scrape time from what the process already keeps (health, sockets) and two small queries."""

    def __init__(self) -> None:
        self.rows: list[Any] = []

    def collect(self):  # noqa: ANN201 - prometheus_client's collector protocol
        yield from self.rows


def setup_metrics(app: web.Application) -> None:
    registry = CollectorRegistry(auto_describe=True)
    app[REGISTRY] = registry
    app[LATENCY] = Histogram("inbox_http_request_duration_seconds", "HTTP request latency by route template",
                             ["method", "route", "status"], registry=registry,
                             buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
    app.middlewares.insert(0, _time_requests)  # outermost: what the client waited for, refusals included
    app.router.add_get("/metrics", metrics_endpoint)


@web.middleware
async def _time_requests(request: web.Request, handler: Any) -> web.StreamResponse:  # noqa: ANN401
    start = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as e:
        status = e.status
        raise
    finally:
        resource = request.match_info.route.resource
        route = resource.canonical if resource is not None and request.match_info.http_exception is None \
            else "unmatched"
        if route != "/api/v1/events" and not route.startswith("/chat/v1"):  # sockets last for hours
            request.app[LATENCY].labels(request.method, route, str(status)).observe(time.perf_counter() - start)


async def _allowed(request: web.Request) -> None:
    token = request.app[CTX].settings.metrics.token
    given = bearer(request)
    if token is not None and given and hmac.compare_digest(given.encode(), token.get_secret_value().encode()):
        return
    await require_admin(request)


@access("channel")  # the handler checks: an admin, or the configured metrics token (not an agent's token)
async def metrics_endpoint(request: web.Request) -> web.Response:
    await _allowed(request)
    snapshot = _Snapshot()
    snapshot.rows = await _families(request.app)
    registry = request.app[REGISTRY]
    registry.register(snapshot)
    try:
        body = generate_latest(registry)
    finally:
        registry.unregister(snapshot)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})


async def _families(app: web.Application) -> list[Any]:
    from inbox.cluster.runtime import CLUSTER

    context = app[CTX]
    cluster = app.get(CLUSTER)
    out: list[Any] = []
    info = GaugeMetricFamily("inbox_process", "This process (value 1)", labels=["process", "role"])
    info.add_metric([cluster.process if cluster else "", cluster.role.value if cluster else "all"], 1)
    out.append(info)

    up = GaugeMetricFamily("inbox_connector_running", "1 when the connector runs in this process",
                           labels=["connector", "state"])
    here = GaugeMetricFamily("inbox_connector_receive_loop_here", "1 when this process runs the receive loop",
                             labels=["connector"])
    delivered = CounterMetricFamily("inbox_ingested_messages", "Inbound messages stored through this process",
                                    labels=["connector"])
    lag = GaugeMetricFamily("inbox_ingest_lag_seconds", "Newest message's own time to its storing, last delivery",
                            labels=["connector"])
    since = GaugeMetricFamily("inbox_connector_seconds_since_sync", "Seconds since the last successful receive",
                              labels=["connector"])
    now = utcnow()
    chat_sockets = 0
    for name, rt in context.supervisor.runtimes.items():
        h = rt.health
        up.add_metric([name, h.state], 1 if h.state == "running" else 0)
        if h.receiving is not None:
            here.add_metric([name], 1 if h.receiving else 0)
        delivered.add_metric([name], h.delivered)
        if h.ingest_lag is not None:
            lag.add_metric([name], h.ingest_lag)
        if h.last_sync is not None:
            since.add_metric([name], (now - h.last_sync).total_seconds())
        chat_sockets += sum(len(group) for group in getattr(rt.connector, "_sockets", {}).values())
    out += [up, here, delivered, lag, since]

    sockets = GaugeMetricFamily("inbox_websockets", "Open websockets on this process", labels=["kind"])
    sockets.add_metric(["agent_events"], len(context.sockets))
    sockets.add_metric(["chat"], chat_sockets)
    out.append(sockets)

    bus = context.events
    if hasattr(bus, "lag_seconds"):
        fan = GaugeMetricFamily("inbox_event_fanout_lag_seconds", "Publish to delivery here, last event (Redis)")
        fan.add_metric([], bus.lag_seconds)
        got = CounterMetricFamily("inbox_events_received", "Events read from the shared stream by this process")
        got.add_metric([], bus.delivered)
        out += [fan, got]

    depth = GaugeMetricFamily("inbox_outbox_queue_depth", "Outbox rows by state (the whole inbox)", labels=["state"])
    age = GaugeMetricFamily("inbox_outbox_oldest_age_seconds", "Age of the oldest row not sent yet, by state",
                            labels=["state"])
    async with context.engine.connect() as conn:
        rows = (await conn.execute(
            select(outbox.c.state, func.count(), func.min(outbox.c.created_at))
            .where(outbox.c.state.in_(("queued", "resume", "sending", "waiting"))).group_by(outbox.c.state))).all()
    for state in ("queued", "resume", "sending", "waiting"):
        found = next((r for r in rows if r[0] == state), None)
        depth.add_metric([state], found[1] if found else 0)
        oldest = found[2] if found else None
        if oldest is not None and oldest.tzinfo is None:
            from datetime import timezone

            oldest = oldest.replace(tzinfo=timezone.utc)
        age.add_metric([state], (now - oldest).total_seconds() if oldest is not None else 0)
    out += [depth, age]
    return out
