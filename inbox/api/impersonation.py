"""Impersonation over HTTP: the official registry and the impersonators list (admins), and the public /verify page.

/verify is public by design (anyone who got a reply from "support" can check it), so it is rate-limited per client
address, bounds its input, escapes everything it echoes and never says more than the registry already makes public.
"""
from __future__ import annotations

import html
import time
from collections import deque
from aiohttp import web
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from inbox.api.access import CALLER, access, path_id
from inbox.api.context import CTX, ctx, json_error, read_json
from inbox.domain import utcnow
from inbox.store.ops import upsert
from inbox.store.schema import official_registry
from inbox.impersonators import STATUSES, list_impersonators, set_status
from routing.impersonation.registry import OfficialRegistry
from routing.impersonation.verify import MAX_INPUT, Answer, check
from routing.impersonation.wiring import holder_for

routes = web.RouteTableDef()

VERIFY_LIMIT = 30  # look-ups per client address per window
VERIFY_WINDOW = 60.0
# Per running app (a started aiohttp app must not be changed): id(app) -> (app, client address -> call times).
_VERIFY_CALLS: dict[int, tuple[web.Application, dict[str, deque[float]]]] = {}


def _rate_limited(request: web.Request) -> bool:
    entry = _VERIFY_CALLS.get(id(request.app))
    if entry is None or entry[0] is not request.app:
        while len(_VERIFY_CALLS) >= 16:  # apps of earlier test runs in one process
            del _VERIFY_CALLS[next(iter(_VERIFY_CALLS))]
        entry = _VERIFY_CALLS[id(request.app)] = (request.app, {})
    calls = entry[1]
    now = time.monotonic()
    if len(calls) > 10_000:  # many addresses: forget the idle ones rather than grow without end
        for key in [k for k, q in calls.items() if not q or q[-1] < now - VERIFY_WINDOW]:
            del calls[key]
    seen = calls.setdefault(request.remote or "?", deque())
    while seen and seen[0] < now - VERIFY_WINDOW:
        seen.popleft()
    if len(seen) >= VERIFY_LIMIT:
        return True
    seen.append(now)
    return False


# ---- admin: registry ------------------------------------------------------------------------------------------

async def load_saved_registry(app: web.Application) -> None:
    """On start (after the app's lifecycle opened the database): the registry an admin saved, if any."""
    context = app.get(CTX)
    if context is not None:
        holder_for(context.settings).use_registry(await saved_registry(context.engine))


async def saved_registry(engine: AsyncEngine) -> OfficialRegistry | None:
    async with engine.connect() as conn:
        row = (await conn.execute(select(official_registry.c.data).where(official_registry.c.id == 1))).first()
    if row is None:
        return None
    try:
        return OfficialRegistry.model_validate(row.data)
    except ValidationError:  # saved by a version with other rules: the config file's stays in force
        return None


@routes.get("/api/v1/admin/impersonation/registry")
@access("admin")
async def get_registry(request: web.Request) -> web.Response:
    holder = holder_for(ctx(request).settings)
    current = holder.current
    return web.json_response({"registry": current.registry.model_dump(mode="json"),
                              "source": "saved" if holder.saved else "config", "enabled": current.enabled,
                              "threshold": current.threshold, "actions": current.actions.model_dump()})


@routes.put("/api/v1/admin/impersonation/registry")
@access("admin")
async def put_registry(request: web.Request) -> web.Response:
    body = await read_json(request)
    try:
        registry = OfficialRegistry.model_validate(body.get("registry", body))
    except ValidationError as e:
        problems = [f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors()]
        return json_error(400, "invalid registry", problems=problems[:20])
    async with ctx(request).engine.begin() as conn:
        await upsert(conn, official_registry, [{"id": 1, "data": registry.model_dump(mode="json"),
                                                "updated_by": request[CALLER].id, "updated_at": utcnow()}],
                     ["id"], ["data", "updated_by", "updated_at"])
    holder_for(ctx(request).settings).use_registry(registry)
    return web.json_response({"registry": registry.model_dump(mode="json"), "source": "saved"})


# ---- admin: impersonators ---------------------------------------------------------------------------------------

@routes.get("/api/v1/admin/impersonators")
@access("admin")
async def get_impersonators(request: web.Request) -> web.Response:
    status = request.query.get("status")
    if status is not None and status not in STATUSES:
        return json_error(400, f"status is one of {', '.join(STATUSES)}")
    async with ctx(request).engine.connect() as conn:
        return web.json_response({"impersonators": await list_impersonators(conn, status)})


@routes.post("/api/v1/admin/impersonators/{id}")
@access("admin")
async def update_impersonator(request: web.Request) -> web.Response:
    body = await read_json(request)
    status = body.get("status")
    if status not in STATUSES:
        return json_error(400, f"status is one of {', '.join(STATUSES)}")
    async with ctx(request).engine.begin() as conn:
        found = await set_status(conn, path_id(request), status)
    if found is None:
        return json_error(404, "no such impersonator")
    return web.json_response({"impersonator": found})


# ---- public: verify -------------------------------------------------------------------------------------------

@routes.get("/api/v1/verify")
@access("public")
async def verify_json(request: web.Request) -> web.Response:
    if _rate_limited(request):
        return json_error(429, "too many look-ups; try again in a minute")
    raw = request.query.get("q", "")
    if len(raw) > MAX_INPUT * 4:
        return json_error(400, f"at most {MAX_INPUT} characters")
    answer = check(raw, holder_for(ctx(request).settings).current.registry)
    return web.json_response(answer.as_json(), status=400 if answer.verdict == "invalid" else 200)


@routes.get("/verify")
@access("public")
async def verify_page(request: web.Request) -> web.Response:
    lang = _language(request)
    raw = request.query.get("q")
    answer: Answer | None = None
    status = 200
    if raw is not None:
        if _rate_limited(request):
            return web.Response(text=_page(lang, None, None, T[lang]["limited"]), status=429, content_type="text/html")
        answer = check(raw[: MAX_INPUT * 4], holder_for(ctx(request).settings).current.registry)
    registry = holder_for(ctx(request).settings).current.registry
    return web.Response(text=_page(lang, raw, answer, None, registry), status=status, content_type="text/html",
                        headers={"Cache-Control": "no-store"})


T: dict[str, dict[str, str]] = {
    "en": {
        "title": "Is it really us?", "lead": "Paste a handle, an email address or a link you were sent.",
        "button": "Check", "official": "Yes, this is ours.", "imitation": "Not ours: it looks like an imitation.",
        "not_ours": "Not ours.", "invalid": "That is not a handle, an email address or a link.",
        "limited": "Too many look-ups from your address; try again in a minute.",
        "never": "We will never DM you first, and nobody from us will ever ask for your recovery phrase, private "
                 "keys, passwords or codes.", "ours": "Our accounts and sites", "other": "中文",
    },
    "zh": {
        "title": "真的是我们吗？", "lead": "粘贴您收到的账号、邮箱地址或链接进行核实。", "button": "核实",
        "official": "是的，这是我们的官方渠道。", "imitation": "不是我们：这看起来是仿冒账号或网站。", "not_ours": "不是我们的。",
        "invalid": "这不是账号、邮箱地址或链接。", "limited": "查询过于频繁，请一分钟后再试。",
        "never": "我们绝不会主动私信您，也绝不会索要助记词、私钥、密码或验证码。", "ours": "我们的官方账号与网站", "other": "English",
    },
}


def _language(request: web.Request) -> str:
    asked = request.query.get("lang")
    if asked in T:
        return asked
    return "zh" if request.headers.get("Accept-Language", "").lower().startswith("zh") else "en"


def _official_list(registry: OfficialRegistry) -> str:
    e = html.escape
    items = [f"X @{h}" for h in registry.x_handles] + [f"Telegram @{h}" for h in
                                                        (*registry.telegram_handles, *registry.telegram_bots)]
    items += list(registry.support_emails) + list(registry.web_domains)
    return "<ul>" + "".join(f"<li>{e(i)}</li>" for i in items) + "</ul>" if items else ""


def _page(lang: str, raw: str | None, answer: Answer | None, error: str | None,
          registry: OfficialRegistry | None = None) -> str:
    t = T[lang]
    e = html.escape
    result = ""
    if error:
        result = f'<p class="result bad">{e(error)}</p>'
    elif answer is not None:
        css = {"official": "good", "imitation": "bad"}.get(answer.verdict, "neutral")
        result = f'<p class="result {css}" id="verdict" data-verdict="{e(answer.verdict)}">{e(t[answer.verdict])}</p>'
        if answer.reasons:
            result += "<ul>" + "".join(f"<li>{e(r)}</li>" for r in answer.reasons) + "</ul>"
    value = e((raw or "")[:MAX_INPUT], quote=True)
    other = "en" if lang == "zh" else "zh"
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(t['title'])}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}}
input{{width:70%;padding:.5rem}} .good{{color:#0a6b2d}} .bad{{color:#a31515}} .result{{font-weight:600}}</style>
</head><body>
<p><a href="?lang={other}">{e(t['other'])}</a></p>
<h1>{e(t['title'])}</h1>
<p>{e(t['never'])}</p>
<form method="get" action="/verify"><input type="hidden" name="lang" value="{lang}">
<label>{e(t['lead'])}<br><input name="q" value="{value}" maxlength="{MAX_INPUT}" autocomplete="off"></label>
<button type="submit">{e(t['button'])}</button></form>
{result}
<h2>{e(t['ours'])}</h2>
{_official_list(registry) if registry is not None else ""}
</body></html>"""


