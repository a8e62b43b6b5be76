"""Delivery of replies after the fact: an agent resends a failed reply (an interrupted one, after checking the
channel). Kept apart from inbox.api.conversations, which reads and writes conversations and new messages."""
from __future__ import annotations

from aiohttp import web
from sqlalchemy import and_, select

from inbox.api.access import access
from inbox.api.context import ctx, json_error, require_agent
from inbox.api.conversations import _load as load_conversation
from inbox.domain import DeliveryStatus, Direction, utcnow
from inbox.events import Event
from inbox.outbox import INTERRUPTED_FLAG, MASKED_SECRET_FLAG
from inbox.replies import requeue_failed
from inbox.store.schema import audit, messages
from inbox.views import message_view

routes = web.RouteTableDef()


@routes.post("/api/v1/conversations/{id}/messages/{message_id}/resend")
@access("conversation")
async def resend_message(request: web.Request) -> web.Response:
    """Send a failed reply again (an interrupted one, after the agent checked the channel)."""
    agent = await require_agent(request)
    conv = await load_conversation(request, agent)
    try:
        message_id = int(request.match_info["message_id"])
    except ValueError:
        return json_error(404, "no such reply in this conversation")
    if not 0 < message_id < 2**63:  # beyond any stored id (and PostgreSQL's bigint)
        return json_error(404, "no such reply in this conversation")
    app = ctx(request)
    now = utcnow()
    async with app.engine.begin() as conn:
        row = (await conn.execute(select(messages).where(and_(
            messages.c.id == message_id, messages.c.conversation_id == conv.id,
            messages.c.direction == Direction.OUTBOUND.value)))).first()
        if row is None:
            return json_error(404, "no such reply in this conversation")
        if row.status != DeliveryStatus.FAILED.value:
            return json_error(409, f"only a failed reply can be resent; this one is {row.status}")
        if MASKED_SECRET_FLAG in (row.flags or []):
            return json_error(409, "this reply carried a secret that is never stored, so it cannot be resent; "
                                   "write it again")
        if not await requeue_failed(conn, row.id, now, frozenset({INTERRUPTED_FLAG})):
            return json_error(409, "this reply is not failed any more")
        await conn.execute(audit.insert(), {"at": now, "actor": f"agent:{agent.id}", "action": "resend",
                                            "conversation_id": conv.id, "detail": f"message {row.id}"})
        row = (await conn.execute(select(messages).where(messages.c.id == row.id))).one()
    app.dispatcher.wake()
    view = message_view(row)
    app.events.publish(Event("message.updated", conv.id, conv.team_id,
                             {"type": "message.updated", "conversation_id": conv.id, "message": view}))
    return web.json_response({"message": view})
