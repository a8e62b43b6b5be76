"""SLA policies (admins edit, agents read), follow-ups, and the customer's rating page."""
from __future__ import annotations

import html
from datetime import datetime, timedelta, timezone

from aiohttp import web

from inbox.api.access import access, path_id
from inbox.api.context import ctx, json_error, read_json, require_admin, require_agent
from inbox.domain import utcnow
from inbox.sla.policy import PolicyError
from inbox.sla.service import SLA
from inbox.views import iso

routes = web.RouteTableDef()
MAX_FOLLOW_UP_DAYS = 365


def _policy_json(policy_set) -> dict:  # noqa: ANN001
    return {"source": policy_set.source, **policy_set.spec,
            "in_force": [{"name": p.name, "calendar": p.calendar_name, "targets_minutes": p.targets,
                          "when": {k: sorted(v) for k, v in p.when.items()}} for p in policy_set.policies]}


@routes.get("/api/v1/sla/policies")
@access("agent")
async def get_policies(request: web.Request) -> web.Response:
    await require_agent(request)
    return web.json_response(_policy_json(await request.app[SLA].source()))


@routes.put("/api/v1/sla/policies")
@access("admin")
async def put_policies(request: web.Request) -> web.Response:
    agent = await require_admin(request)
    body = await read_json(request)
    try:
        policy_set = await request.app[SLA].source.save(body)
    except PolicyError as e:
        return json_error(400, "invalid SLA policies", problems=e.problems)
    from inbox.store.schema import audit

    async with ctx(request).engine.begin() as conn:
        await conn.execute(audit.insert(), {"at": utcnow(), "actor": f"agent:{agent.id}", "action": "sla_policies",
                                            "detail": ", ".join(p.name for p in policy_set.policies)})
    return web.json_response(_policy_json(policy_set))


@routes.delete("/api/v1/sla/policies")
@access("admin")
async def reset_policies(request: web.Request) -> web.Response:
    await require_admin(request)
    await request.app[SLA].source.reset()
    return web.json_response(_policy_json(await request.app[SLA].source()))


@routes.post("/api/v1/conversations/{id}/follow-up")
@access("conversation")
async def follow_up(request: web.Request) -> web.Response:
    """{"in_days": 3, "note": "..."} or {"at": ISO time}: the conversation sleeps until then, then comes back."""
    agent = await require_agent(request)
    cid = path_id(request)
    body = await read_json(request)
    now = utcnow()
    note = body.get("note", "")
    if not isinstance(note, str) or len(note) > 500:
        return json_error(400, "note: a string of at most 500 characters")
    days, at = body.get("in_days"), body.get("at")
    try:
        if days is not None:
            if isinstance(days, bool) or not isinstance(days, (int, float)) or not 0 < days <= MAX_FOLLOW_UP_DAYS:
                return json_error(400, f"in_days: a number of days above 0 and at most {MAX_FOLLOW_UP_DAYS}")
            due = now + timedelta(days=days)
        elif isinstance(at, str):
            due = datetime.fromisoformat(at)
            due = (due if due.tzinfo else due.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
            if not now < due <= now + timedelta(days=MAX_FOLLOW_UP_DAYS):
                return json_error(400, "at: a time in the future, within a year")
        else:
            return json_error(400, "give in_days (a number) or at (an ISO time)")
    except (ValueError, OverflowError):
        return json_error(400, "at: not an ISO time")
    from inbox.sla.followup import schedule
    from routing.guard.typed import mask_typed

    masked = mask_typed(note, ctx(request).guard_policy).text  # what agents type is masked at rest
    async with ctx(request).engine.begin() as conn:
        follow_up_id = await schedule(conn, cid, agent.id, due, masked, now)
    return web.json_response({"follow_up": {"id": follow_up_id, "conversation_id": cid, "due_at": iso(due),
                                            "note": masked}}, status=201)


_PAGE = """<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport"
content="width=device-width,initial-scale=1"><title>{title}</title><style>body{{font-family:system-ui,sans-serif;
max-width:32rem;margin:3rem auto;padding:0 1rem}}button{{font-size:1.4rem;margin:.2rem;padding:.5rem 1rem}}
textarea{{width:100%;min-height:5rem}}</style></head><body>{body}</body></html>"""
_TEXT = {
    "en": {"title": "Rate our support", "ask": "How did we do?", "comment": "Anything to add? (optional)",
           "thanks": "Thank you for your rating.", "bad": "This rating link is not valid or was already used."},
    "zh": {"title": "服务评价", "ask": "请为本次服务打分", "comment": "其他意见（可选）",
           "thanks": "感谢您的评价。", "bad": "评价链接无效或已使用。"},
}


def _lang(request: web.Request) -> str:
    return "zh" if request.headers.get("Accept-Language", "").lower().startswith("zh") else "en"


def _page(request: web.Request, body: str, status: int = 200) -> web.Response:
    lang = _lang(request)
    return web.Response(text=_PAGE.format(lang=lang, title=_TEXT[lang]["title"], body=body), status=status,
                        content_type="text/html", headers={"Cache-Control": "no-store"})


@routes.get("/rate")
@access("public")  # a page with a form and nothing else: the POST checks the token
async def rating_page(request: web.Request) -> web.Response:
    t = _TEXT[_lang(request)]
    token = html.escape(request.query.get("token", ""), quote=True)
    buttons = "".join(f'<button name="score" value="{n}">{n}</button>' for n in range(1, 6))
    return _page(request, f'<h1>{t["ask"]}</h1><form method="post" action="/rate">'
                          f'<input type="hidden" name="token" value="{token}"><p>{buttons}</p>'
                          f'<label>{t["comment"]}<textarea name="comment" maxlength="2000"></textarea></label></form>')


@routes.post("/rate")
@access("channel")  # the single-use token in the link is the credential (inbox.sla.satisfaction)
async def rate(request: web.Request) -> web.Response:
    """A form post from the page, or JSON {"token", "score", "comment"} (the in-app chat and bots)."""
    from inbox.sla.satisfaction import record_rating

    wants_json = request.content_type == "application/json"
    if wants_json:
        body = await read_json(request)
        token, score, comment = body.get("token"), body.get("score"), body.get("comment")
    else:
        form = await request.post()
        token, comment = form.get("token"), form.get("comment")
        raw = form.get("score")
        score = int(raw) if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) < 3 else raw
    if not isinstance(token, str) or not isinstance(comment, (str, type(None))):
        outcome_status, error = 400, "token and comment are strings"
        return json_error(outcome_status, error) if wants_json else _page(request, _TEXT[_lang(request)]["bad"], 400)
    from routing.guard.typed import mask_typed

    comment = mask_typed(comment, ctx(request).guard_policy).text if comment else None  # a customer's secret
    async with ctx(request).engine.begin() as conn:
        outcome = await record_rating(conn, token, score, comment, utcnow())
    ctx(request).events.publish_many(list(outcome.events))
    if wants_json:
        return json_error(outcome.status, outcome.error) if outcome.error else web.json_response({"ok": True})
    t = _TEXT[_lang(request)]
    return _page(request, f"<p>{t['thanks'] if outcome.error is None else t['bad']}</p>", outcome.status)
