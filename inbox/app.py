"""The aiohttp application: agent API, events, in-app chat, webhooks, UI; plus the services behind them."""
from __future__ import annotations

import asyncio
import gc
import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from sqlalchemy import func, select

from inbox.api import admin, admin_people, classifier_admin, contacts, conversations, delivery, openapi, session
from inbox.api import impersonation as impersonation_api
from inbox.api.access import access, enforce_access
from inbox.api.context import CTX, AppContext, json_error
from inbox.api.hygiene import reject_nul_characters
from inbox.api.live_sessions import LIVE, LiveSessions
from inbox.api.signin import THROTTLE, login_throttle
from inbox.classifier_learning import load_active as load_active_classifier
from inbox.config import ConfigError, Settings, parse_connector
from inbox.attachments.api import BLOB_STORE
from inbox.datadir import DatabaseUnavailable, explain_failure
from inbox.cluster.roles import Role
from inbox.cluster.metrics import setup_metrics
from inbox.cluster.runtime import CLUSTER, start_cluster
from inbox.outbox import OutboxDispatcher
from inbox.pipeline.core import Pipeline
from inbox.pipeline.stages import Stage, WebhookCall
from inbox.store import db
from inbox.store.schema import agents, connector_configs
from inbox.supervisor import Supervisor
from inbox.teams import ensure_teams, named_teams

log = logging.getLogger(__name__)
STATIC = Path(__file__).with_name("static")


class SchemaOutOfDate(RuntimeError):
    pass


def add_attachment_routes(app: web.Application, settings: Settings) -> None:
    from inbox.attachments.api import routes
    from inbox.attachments.blobs import LocalBlobStore

    from inbox.attachments.outbound import routes as upload_routes

    app[BLOB_STORE] = LocalBlobStore(settings.data_dir / "blobs")
    app.add_routes(routes)
    app.add_routes(upload_routes)


def build_stages(settings: Settings, live: bool = False) -> tuple[list[Stage], Any, Any]:
    """Sensitive-data guard, then classification, then rules: each needs what the one before found. `live`: the
    server's pipeline, which also watches our public threads for impersonators (an import must not warn anyone)."""
    # No fallback: an inbox without its guard would store secrets in clear, so a broken import stops start-up.
    from routing.classifier import ClassifyStage
    from routing.guard import GuardPolicy, SensitiveStage

    rules = None
    policy = GuardPolicy.model_validate(settings.guard)
    from inbox.attachments.limit_stage import AttachmentLimitStage

    stages: list[Stage] = [AttachmentLimitStage(), SensitiveStage(policy), ClassifyStage()]
    if live:
        from routing.impersonation.wiring import impersonation_stage

        stages.append(impersonation_stage(settings))
    if settings.routing.rules:
        from routing.rules import RulesHolder, RulesStage

        rules = RulesHolder(settings.routing.rules)
        stages.append(RulesStage(rules))
    return stages, rules, policy


def build_image_scanner(policy: Any):  # noqa: ANN201 - routing.images.worker.ImageScanWorker
    from routing.images.worker import build_image_scanner as build

    return build(policy)


def build_analysis_worker(settings: Settings, policy: Any):  # noqa: ANN201 - routing.prepare.AnalysisWorker
    """Detection and classification of big deliveries in a worker process (see routing.prepare); None when off."""
    if settings.inbox.analysis_worker_min_batch == 0:
        return None
    from routing.prepare import AnalysisWorker

    return AnalysisWorker(tuple(policy.phone_regions), settings.inbox.analysis_worker_min_batch)


def warm_up() -> None:
    """Train/compile what the stages need before the first message, off the event loop."""
    from routing.classifier import warm_up as warm_classifier
    from routing.sensitive import detect

    warm_classifier()
    detect("warm up 预热")


_gc_tuned = False


def tune_gc() -> None:
    """Once per process, after warm-up. The pipeline allocates some 100k short-lived objects per 1,000-message
    batch, and CPython's default generation-0 threshold (700) then collects every few messages: about a fifth of
    ingest time in `bench.pipeline` (still 6% at 20,000). Almost all of them die by reference count, so at 100,000
    a collection is rare. What start-up built (modules, the classifier's model) is moved out of the collector's
    view, so full collections don't walk it again and again."""
    global _gc_tuned
    if _gc_tuned:
        return
    _gc_tuned = True
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(100_000, gen1, gen2)


async def prepare_database(settings: Settings):  # noqa: ANN201 - AsyncEngine
    url = settings.database_url
    try:
        engine = db.create_engine(url)
        if db.is_sqlite(url):
            await db.upgrade(engine)  # the embedded default keeps itself current
        elif await db.current_revision(engine) != db.head_revision():
            await engine.dispose()
            raise SchemaOutOfDate("the database schema is not current: run `inbox db upgrade` first")
    except SchemaOutOfDate:
        raise
    except Exception as error:  # noqa: BLE001 - unreachable or unopenable: one plain line instead of a traceback
        message = explain_failure(error, url)
        if message is None:
            raise
        raise DatabaseUnavailable(message) from None
    return engine


@web.middleware
async def safety_headers(request: web.Request, handler) -> web.StreamResponse:  # noqa: ANN001
    try:
        response = await handler(request)
    except web.HTTPException as e:
        if not request.path.startswith("/api/") or e.content_type == "application/json":
            raise
        response = json_error(e.status, e.reason)  # API clients always get JSON
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        response = json_error(500, "internal error")
    if not isinstance(response, web.WebSocketResponse) and not response.prepared:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        )
    return response


async def _webhook_sender(call: WebhookCall, conversation_id: int) -> None:
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http:
            async with http.post(call.url, json={"rule": call.rule, "conversation_id": conversation_id}) as r:
                log.info("rule %s webhook -> %s", call.rule, r.status)
    except Exception as e:  # noqa: BLE001 - a webhook target being down must not affect the inbox
        log.warning("rule %s webhook failed: %s", call.rule, type(e).__name__)


async def _connector_for(request: web.Request, type_name: str) -> Any:
    name = request.match_info.get("name") or request.query.get("connector")
    connector = await request.app[CTX].supervisor.wait_running(name, type_name)
    if connector is None:
        raise web.HTTPNotFound(text="no such connector running")
    return connector


@access("channel")  # the chat identity (HMAC) or visitor token, checked by the connector
async def chat_endpoint(request: web.Request) -> web.StreamResponse:
    return await (await _connector_for(request, "webchat")).handle_http(request)


@access("channel")  # each webhook checks its own secret
async def webhook_endpoint(request: web.Request) -> web.StreamResponse:
    return await (await _connector_for(request, request.match_info["type"])).handle_http(request)


@access("public")
async def chat_demo(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC / "chat-demo.html")


def build_app(settings: Settings, role: Role = Role.ALL) -> web.Application:
    app = web.Application(middlewares=[safety_headers, reject_nul_characters, enforce_access],
                          client_max_size=2 * 1024 * 1024)
    app[LIVE] = LiveSessions()
    app[THROTTLE] = login_throttle(settings.inbox)
    app.add_routes(session.routes)
    app.add_routes(conversations.routes)
    app.add_routes(delivery.routes)
    app.add_routes(admin.routes)
    app.add_routes(contacts.routes)
    app.add_routes(admin_people.routes)
    app.add_routes(impersonation_api.routes)
    add_attachment_routes(app, settings)
    app.add_routes(classifier_admin.routes)
    app.router.add_route("*", "/chat/v1/{tail}", chat_endpoint)
    app.router.add_get("/chat/demo", chat_demo)
    app.router.add_static("/static/", STATIC)
    app.router.add_post("/webhooks/{type}/{name}", webhook_endpoint)
    setup_metrics(app)
    app.add_routes(openapi.routes)
    try:
        from inbox.ui import setup_ui
    except ImportError:
        pass
    else:
        setup_ui(app)

    async def lifecycle(app: web.Application):  # noqa: ANN202
        engine = await prepare_database(settings)
        cluster = await start_cluster(settings, role, lambda name: supervisor.get(name))
        events = cluster.events
        stages, rules, policy = build_stages(settings, live=True)
        if rules is not None:  # a rule routing to a team that doesn't exist would hide conversations from agents
            created = await ensure_teams(engine, named_teams(rules.current))
            if created:
                log.info("created the teams the rules name: %s", ", ".join(created))
        await asyncio.to_thread(warm_up)
        learned = asyncio.create_task(load_active_classifier(engine))  # shipped model answers until it is built
        tune_gc()
        supervisor: Supervisor
        dispatcher = OutboxDispatcher(engine, events, lambda name: supervisor.get(name), settings.public_url,
                                      link_ttl=timedelta(days=settings.inbox.private_link_ttl_days),
                                      claims=cluster.claims)
        dispatcher.sends_secret_replies = cluster.sends_secret_replies
        analysis = build_analysis_worker(settings, policy)
        images = build_image_scanner(policy)
        dispatcher.blob_store = app[BLOB_STORE]
        pipeline = Pipeline(engine, events, stages, settings.inbox, on_outbox=dispatcher.wake,
                            send_webhook=_webhook_sender, preparer=analysis, blob_store=app[BLOB_STORE],
                            image_scanner=images)
        supervisor = Supervisor(pipeline, engine, settings.public_url, leases=cluster.leases)
        await cluster.start_relay(supervisor)
        app[CTX] = AppContext(settings, engine, events, pipeline, supervisor, dispatcher, rules, policy,
                              {c.name for c in settings.connectors})
        app[CLUSTER] = cluster
        await pipeline.start()
        if role.runs_outbox:
            await dispatcher.start()
            cluster.wake_outbox_on_replies(dispatcher)
        for entry in settings.connectors:
            if cluster.runs_connector(entry.config):
                await supervisor.add(entry.name, entry.config)
        async with engine.connect() as conn:
            saved = (await conn.execute(select(connector_configs))).all()
            if (await conn.execute(select(func.count()).select_from(agents))).scalar_one() == 0:
                from inbox.cli_users import add_admin_hint

                print(f"no agents yet: create an admin with\n  {add_admin_hint(settings)}", flush=True)
        for row in saved:
            if row.name in app[CTX].config_connectors or not cluster.runs_connector_row(row.config):
                continue
            try:
                await supervisor.add(row.name, parse_connector(row.name, row.config, "database"))
            except ConfigError as e:
                log.error("stored connector %s is not valid any more: %s", row.name, e)
        yield
        learned.cancel()
        await supervisor.stop_all()
        await pipeline.stop()
        if analysis is not None:
            analysis.close()
        images.close()
        await dispatcher.stop()
        await cluster.stop()
        await engine.dispose()

    async def close_sockets(app: web.Application) -> None:
        """Shutdown waits for open handlers: stop connectors (closing chat sockets) and agent feeds first.
        The pipeline keeps running until cleanup, so what connectors deliver while stopping is still stored."""
        context = app.get(CTX)
        if context is None:
            return
        await context.supervisor.stop_all()
        await asyncio.gather(*(ws.close(code=1001, message=b"server shutting down") for ws in list(context.sockets)),
                             return_exceptions=True)

    app.cleanup_ctx.append(lifecycle)
    from inbox.sla.service import setup_sla

    setup_sla(app)  # SLA timers, follow-ups, ratings, reports: after the lifecycle, which they need
    app.on_startup.append(impersonation_api.load_saved_registry)  # after lifecycle: needs the database
    app.on_shutdown.append(close_sockets)
    return app
