"""Admin helpers the UI needs beyond the admin API: each connector type's settings schema (to draw its form), and
a rules dry run on a sample message (the saved rules, or a draft that is not saved)."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from inbox.api.access import access
from inbox.api.context import ctx, json_error, read_json, require_admin
from inbox.domain import (
    Channel,
    ContactIdentity,
    ConversationStatus,
    IdentityKind,
    InboundMessage,
    Priority,
    Visibility,
    utcnow,
)
from inbox.pipeline.stages import ConversationView, PipelineItem

routes = web.RouteTableDef()
# The stages run on the event loop, as in the pipeline: a sample is kept to the size of one real message.
MAX_SAMPLE_CHARS = 50_000
_KIND_FOR_CHANNEL = {Channel.EMAIL: IdentityKind.EMAIL, Channel.TELEGRAM: IdentityKind.TELEGRAM,
                     Channel.TWITTER: IdentityKind.TWITTER, Channel.WEBCHAT: IdentityKind.APP}


@routes.get("/api/v1/connector-types")
@access("admin")
async def connector_types(request: web.Request) -> web.Response:
    """JSON Schema of every connector type's settings; secrets are marked writeOnly/format=password by pydantic."""
    await require_admin(request)
    from connectors.registry import connector_class, known_types

    schemas: dict[str, Any] = {}
    for name in known_types():
        try:
            schemas[name] = connector_class(name).config_model.model_json_schema()
        except Exception as e:  # noqa: BLE001 - a type whose optional SDK is missing is listed as unavailable
            schemas[name] = {"unavailable": type(e).__name__}
    return web.json_response({"types": schemas})


@dataclass(frozen=True, slots=True)
class DryRunInput:
    text: str
    channel: Channel
    visibility: Visibility
    first_message: bool
    rules_text: str | None  # a draft to try instead of the rules in force


def parse_dry_run(body: dict[str, Any]) -> DryRunInput | list[str]:
    problems: list[str] = []
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        problems.append("text: a sample message is required")
    elif len(text) > MAX_SAMPLE_CHARS:
        problems.append(f"text: at most {MAX_SAMPLE_CHARS} characters")
    try:
        channel = Channel(body.get("channel", "webchat"))
    except ValueError:
        problems.append(f"channel: one of {', '.join(c.value for c in Channel)}")
        channel = Channel.WEBCHAT
    try:
        visibility = Visibility(body.get("visibility", "private"))
    except ValueError:
        problems.append("visibility: public or private")
        visibility = Visibility.PRIVATE
    rules_text = body.get("rules_text")
    if rules_text is not None and not isinstance(rules_text, str):
        problems.append("rules_text: a string (YAML) or absent")
    if problems:
        return problems
    assert isinstance(text, str)
    return DryRunInput(text, channel, visibility, bool(body.get("first_message", True)), rules_text)


def sample_item(sample: DryRunInput) -> PipelineItem:
    message = InboundMessage(
        connector="dry-run", channel=sample.channel, provider_id="dry-run", thread_key="dry-run",
        visibility=sample.visibility, sender=ContactIdentity(_KIND_FOR_CHANNEL[sample.channel], "sample"),
        text=sample.text, sent_at=utcnow())
    view = ConversationView(
        id=None, ticket=None, connector="dry-run", channel=sample.channel.value, visibility=sample.visibility,
        status=ConversationStatus.OPEN, type=None, tags=frozenset(), priority=Priority.NORMAL, team=None,
        assignee=None, is_new=sample.first_message, contact_id=None)
    return PipelineItem(message=message, text=sample.text, raw=None, conversation=view,
                        is_first=sample.first_message)


def _effects_json(item: PipelineItem) -> dict[str, Any]:
    e = item.effects
    return {
        "add_tags": sorted(e.add_tags), "remove_tags": sorted(e.remove_tags),
        "priority": e.priority.value if e.priority else None, "team": e.team, "assignee": e.assignee,
        "status": e.status.value if e.status else None,
        "snooze_until": e.snooze_until.isoformat() if e.snooze_until else None,
        "type": e.type.type if e.type else None,
        "replies": [{"text": r.text, "visibility": r.visibility.value, "reason": r.reason} for r in e.replies],
        "hide_public": e.hide_public, "webhooks": [w.url for w in e.webhooks],
    }


@routes.post("/api/v1/rules/dry-run")
@access("admin")
async def rules_dry_run(request: web.Request) -> web.Response:
    """Run the guard and classifier stages, then the rules, on a sample message; nothing is stored or sent."""
    await require_admin(request)
    app = ctx(request)
    if app.rules is None:
        return json_error(404, "no rules file configured (routing.rules)")
    parsed = parse_dry_run(await read_json(request))
    if isinstance(parsed, list):
        return json_error(400, "invalid sample", problems=parsed)
    from routing.rules import RulesError, parse_rules

    if parsed.rules_text is not None:
        try:
            ruleset = parse_rules(parsed.rules_text, str(app.rules.path))
        except RulesError as e:
            return json_error(400, "rules not valid", problems=list(e.errors))
    else:
        app.rules.maybe_reload()
        ruleset = app.rules.current
    item = sample_item(parsed)
    for stage in app.pipeline.stages:
        if stage.name != "rules":
            stage.process([item])
    fired = ruleset.apply(item, utcnow())
    return web.json_response({
        "fired": [dataclasses.asdict(f) for f in fired],
        "effects": _effects_json(item),
        "classification": dataclasses.asdict(item.classification) if item.classification else None,
        "findings": [dataclasses.asdict(f) for f in item.findings],
        "stored_text": item.text,
    })
