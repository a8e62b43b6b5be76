"""Reports API (admins): JSON, or CSV with `format=csv`. Dates are `from`/`to` (inclusive, YYYY-MM-DD, UTC days;
default the last 30 days); `tz` shifts the hour and day groupings of the volume report (default UTC)."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import web

from inbox.api.access import access
from inbox.api.context import ctx, json_error, require_admin
from inbox.sla import reports

routes = web.RouteTableDef()
MAX_DAYS = 3660


class _BadQuery(ValueError):
    pass


def _range(q: Any) -> tuple[date, date]:
    try:
        end = date.fromisoformat(q["to"]) if q.get("to") else datetime.now(timezone.utc).date()
        start = date.fromisoformat(q["from"]) if q.get("from") else end - timedelta(days=29)
    except ValueError:
        raise _BadQuery("from and to are dates like 2026-12-01") from None
    if start > end or (end - start).days > MAX_DAYS:
        raise _BadQuery(f"from must not be after to, and the range at most {MAX_DAYS} days")
    return start, end


def _choice(q: Any, key: str, allowed: tuple[str, ...], default: str) -> str:
    value = q.get(key, default)
    if value not in allowed:
        raise _BadQuery(f"{key}: one of {', '.join(allowed)}")
    return value


def _respond(request: web.Request, name: str, rows: list[dict[str, Any]], meta: dict[str, Any]) -> web.Response:
    if request.query.get("format") == "csv":
        buffer = io.StringIO()
        flat = [{k: (v if not isinstance(v, dict) else " ".join(f"{a}:{b}" for a, b in v.items()))
                 for k, v in row.items()} for row in rows]
        columns = list(flat[0]) if flat else []
        writer = csv.DictWriter(buffer, columns, lineterminator="\n")
        writer.writeheader()
        for row in flat:
            # A leading =, +, - or @ would run as a formula in a spreadsheet (CSV injection): quote it as text.
            writer.writerow({k: ("'" + v if isinstance(v, str) and v[:1] in "=+-@" else v) for k, v in row.items()})
        return web.Response(text=buffer.getvalue(), content_type="text/csv", charset="utf-8",
                            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    return web.json_response({"report": name, **meta, "rows": rows})


async def _run(request: web.Request, name: str, build: Any) -> web.Response:
    await require_admin(request)
    try:
        start, end = _range(request.query)
        rows, meta = await build(request.query, start, end)
    except _BadQuery as e:
        return json_error(400, str(e))
    return _respond(request, name, rows, {"from": start.isoformat(), "to": end.isoformat(), **meta})


@routes.get("/api/v1/reports/volume")
@access("admin")
async def volume_report(request: web.Request) -> web.Response:
    async def build(q: Any, start: date, end: date) -> Any:
        by = _choice(q, "by", reports.VOLUME_BY, "channel")
        try:
            zone = ZoneInfo(q.get("tz", "UTC"))
        except (ZoneInfoNotFoundError, ValueError):
            raise _BadQuery("tz: a time zone like Asia/Shanghai") from None
        async with ctx(request).engine.connect() as conn:
            return await reports.volume(conn, start, end, by, zone), {"by": by, "tz": str(zone)}

    return await _run(request, "volume", build)


@routes.get("/api/v1/reports/times")
@access("admin")
async def times_report(request: web.Request) -> web.Response:
    """First-response or resolution time (business minutes, pauses excluded): median, p90 and SLA attainment."""
    async def build(q: Any, start: date, end: date) -> Any:
        metric = _choice(q, "metric", reports.METRICS, "first_response")
        by = _choice(q, "by", reports.TIMES_BY, "none")
        async with ctx(request).engine.connect() as conn:
            return await reports.times(conn, start, end, metric, by), {"metric": metric, "by": by}

    return await _run(request, "times", build)


@routes.get("/api/v1/reports/satisfaction")
@access("admin")
async def satisfaction_report(request: web.Request) -> web.Response:
    async def build(q: Any, start: date, end: date) -> Any:
        by = _choice(q, "by", reports.SATISFACTION_BY, "none")
        lo = datetime.combine(start, time(), tzinfo=timezone.utc)
        hi = datetime.combine(end + timedelta(days=1), time(), tzinfo=timezone.utc)
        async with ctx(request).engine.connect() as conn:
            return await reports.satisfaction(conn, lo, hi, by), {"by": by}

    return await _run(request, "satisfaction", build)
