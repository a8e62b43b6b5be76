"""Admin API for learning from agents' corrections: status, retrain, rollback, the corrections themselves.

    GET  /api/v1/classifier              -> {"active_version", "model", "corrections", "versions": [...]}
    GET  /api/v1/classifier/corrections  -> {"corrections": [{"id", "conversation_id", "text", "from_type", ...}]}
    POST /api/v1/classifier/retrain {"force": false}  -> 200 {"version", "activated", "before", "after", ...}
    POST /api/v1/classifier/rollback     -> 200 {"rolled_back", "active_version"}; 409 when nothing to roll back

Admins only: a model decides where every customer's message goes. Texts are stored masked (every sensitive kind).
"""
from __future__ import annotations

from aiohttp import web

from inbox import classifier_learning
from inbox.api.access import access
from inbox.api.context import ctx, json_error, read_json, require_admin

routes = web.RouteTableDef()


@routes.get("/api/v1/classifier")
@access("admin")
async def classifier_status(request: web.Request) -> web.Response:
    await require_admin(request)
    return web.json_response(await classifier_learning.status(ctx(request).engine))


@routes.get("/api/v1/classifier/corrections")
@access("admin")
async def classifier_corrections(request: web.Request) -> web.Response:
    await require_admin(request)
    async with ctx(request).engine.connect() as conn:
        rows = await classifier_learning.corrections(conn)
    return web.json_response({"corrections": [
        {"id": r.id, "conversation_id": r.conversation_id, "text": r.text, "language": r.language,
         "from_type": r.from_type, "to_type": r.to_type, "agent_id": r.agent_id, "created_at": r.created_at.isoformat()}
        for r in rows]})


@routes.post("/api/v1/classifier/retrain")
@access("admin")
async def classifier_retrain(request: web.Request) -> web.Response:
    from routing.classifier.learning import NotEnoughCorrections

    admin = await require_admin(request)
    body = await read_json(request) if request.can_read_body else {}
    force = body.get("force", False)
    if not isinstance(force, bool):
        return json_error(400, "force: wrong type")
    try:
        report = await classifier_learning.retrain(ctx(request).engine, f"agent:{admin.id}", force=force)
    except NotEnoughCorrections as e:
        return json_error(400, str(e))
    except classifier_learning.RetrainBusy as e:
        return json_error(409, str(e))
    return web.json_response(report)


@routes.post("/api/v1/classifier/rollback")
@access("admin")
async def classifier_rollback(request: web.Request) -> web.Response:
    admin = await require_admin(request)
    try:
        result = await classifier_learning.rollback(ctx(request).engine, f"agent:{admin.id}")
    except classifier_learning.NothingToRollBack as e:
        return json_error(409, str(e))
    return web.json_response(result)
