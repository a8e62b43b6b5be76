"""Agents' type corrections -> a retrained model for this deployment, measured before use, with a rollback.

- `record_correction` runs inside the conversation PATCH that changes the type: the text the classifier read (the
  first inbound message, as stored: secrets already masked) is masked for every other sensitive kind too and kept
  with the agent's type, one row per conversation (the latest word wins).
- `retrain` rebuilds the model from the shipped corpus plus the corrections (routing.classifier.learning), measures
  it against the model in use on the held-out corrections, stores a version row with the report and, when it is
  not worse (or `force`), makes it the active one. `rollback` goes back to the version before (or the shipped model).
- `load_active` at start-up puts the active version to use in this process (from the disk cache, else trained in
  a thread while the shipped model answers). A retrain or rollback from the CLI reaches a running server when it
  restarts; from the admin API, at once.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from inbox.domain import utcnow
from inbox.store.schema import audit, classifier_corrections, classifier_versions, conversation_tags, messages
from routing.classifier.calibration import NEEDS_TRIAGE_TAG
from routing.classifier.types import ISSUE_TYPES

log = logging.getLogger(__name__)
_retraining = asyncio.Lock()


class NothingToRollBack(LookupError):
    pass


class RetrainBusy(RuntimeError):
    pass


async def _classified_text(conn: AsyncConnection, conversation_id: int) -> str | None:
    row = (await conn.execute(
        select(messages.c.subject, messages.c.text).where(messages.c.conversation_id == conversation_id,
                                                          messages.c.direction == "inbound")
        .order_by(messages.c.id).limit(1))).first()
    if row is None:
        return None
    return f"{row.subject}\n{row.text}" if row.subject else row.text


async def record_correction(conn: AsyncConnection, conversation_id: int, from_type: str | None,
                            to_type: str | None, agent_id: int) -> bool:
    """Called when an agent sets a conversation's type. A type set by a person settles "needs triage"; a changed
    type is a labelled example. Returns whether a correction was recorded."""
    if to_type is None or to_type not in ISSUE_TYPES:
        return False
    await conn.execute(delete(conversation_tags).where(conversation_tags.c.conversation_id == conversation_id,
                                                       conversation_tags.c.tag == NEEDS_TRIAGE_TAG))
    if to_type == from_type:
        return False
    text = await _classified_text(conn, conversation_id)
    if not text or not text.strip():
        return False
    from routing.classifier.learning import mask_for_training
    from routing.language import detect_language

    masked = mask_for_training(text)[:4000]
    await conn.execute(delete(classifier_corrections).where(
        classifier_corrections.c.conversation_id == conversation_id))
    await conn.execute(classifier_corrections.insert(), {
        "conversation_id": conversation_id, "text": masked, "language": detect_language(masked),
        "from_type": from_type, "to_type": to_type, "agent_id": agent_id, "created_at": utcnow()})
    return True


async def corrections(conn: AsyncConnection) -> list[Any]:
    return list((await conn.execute(select(classifier_corrections).order_by(classifier_corrections.c.id))).all())


def _version_view(row: Any) -> dict[str, Any]:
    return {"id": row.id, "created_at": row.created_at.isoformat(), "created_by": row.created_by,
            "active": bool(row.active), "rolled_back_at": row.rolled_back_at.isoformat() if row.rolled_back_at else None,
            "trained_on": len(row.correction_ids), "held_out": len(row.heldout_ids), "report": row.report}


async def status(engine: AsyncEngine) -> dict[str, Any]:
    async with engine.connect() as conn:
        rows = (await conn.execute(select(classifier_versions).order_by(classifier_versions.c.id))).all()
        found = await corrections(conn)
    active = next((row.id for row in rows if row.active), None)
    return {"active_version": active, "model": "deployment" if active else "shipped",
            "corrections": len(found), "versions": [_version_view(row) for row in rows]}


def _as_examples(rows: list[Any], ids: list[int] | None = None) -> list[Any]:
    from routing.classifier.learning import Correction

    wanted = None if ids is None else set(ids)
    return [Correction(row.id, row.text, row.to_type) for row in rows if wanted is None or row.id in wanted]


async def _model_of(engine: AsyncEngine, version: Any) -> Any:
    from routing.classifier.learning import build_model

    async with engine.connect() as conn:
        rows = await corrections(conn)
    return await asyncio.to_thread(build_model, _as_examples(rows, list(version.correction_ids)))


async def retrain(engine: AsyncEngine, actor: str, *, force: bool = False) -> dict[str, Any]:
    """Raises routing.classifier.learning.NotEnoughCorrections (few corrections) or RetrainBusy."""
    from routing.classifier import learning
    from routing.classifier.classifier import default_classifier, use_deployment_model

    if _retraining.locked():
        raise RetrainBusy("a retrain is already running")
    async with _retraining:
        async with engine.connect() as conn:
            rows = await corrections(conn)
        examples = _as_examples(rows)
        learning.check_enough(examples)  # before loading any model: a clear answer at once
        model, report = await asyncio.to_thread(learning.retrain, default_classifier(), examples)
        training, heldout = learning.split(examples)
        activate = force or learning.is_improvement(report)
        report = {**report, "activated": activate}
        now = utcnow()
        async with engine.begin() as conn:
            if activate:
                await conn.execute(update(classifier_versions).values(active=False))
            version_id = (await conn.execute(classifier_versions.insert().returning(classifier_versions.c.id), {
                "created_at": now, "created_by": actor, "correction_ids": [c.id for c in training],
                "heldout_ids": [c.id for c in heldout], "report": report, "active": activate})).scalar_one()
            await conn.execute(audit.insert(), {"at": now, "actor": actor, "action": "classifier_retrain",
                                                "detail": f"version {version_id}, activated {activate}"})
        if activate:
            use_deployment_model(model)
        return {"version": version_id, **report}


async def rollback(engine: AsyncEngine, actor: str) -> dict[str, Any]:
    """The active version is marked rolled back; the newest earlier version not rolled back (else the shipped
    model) takes its place. Raises NothingToRollBack when the shipped model is already in use."""
    from routing.classifier.classifier import use_deployment_model

    now = utcnow()
    async with engine.begin() as conn:
        current = (await conn.execute(select(classifier_versions).where(classifier_versions.c.active))).first()
        if current is None:
            raise NothingToRollBack("the shipped model is in use: there is nothing to roll back")
        await conn.execute(update(classifier_versions).where(classifier_versions.c.id == current.id)
                           .values(active=False, rolled_back_at=now))
        previous = (await conn.execute(
            select(classifier_versions).where(classifier_versions.c.id < current.id,
                                              classifier_versions.c.rolled_back_at.is_(None))
            .order_by(classifier_versions.c.id.desc()).limit(1))).first()
        if previous is not None:
            await conn.execute(update(classifier_versions).where(classifier_versions.c.id == previous.id)
                               .values(active=True))
        await conn.execute(audit.insert(), {"at": now, "actor": actor, "action": "classifier_rollback",
                                            "detail": f"version {current.id} -> "
                                                      f"{previous.id if previous is not None else 'shipped'}"})
    use_deployment_model(None if previous is None else await _model_of(engine, previous))
    return {"rolled_back": current.id, "active_version": previous.id if previous is not None else None}


async def load_active(engine: AsyncEngine) -> None:
    """Start-up: use the active version, if any (the shipped model answers until it is built)."""
    from routing.classifier.classifier import use_deployment_model

    try:
        async with engine.connect() as conn:
            version = (await conn.execute(select(classifier_versions).where(classifier_versions.c.active))).first()
        if version is not None:
            use_deployment_model(await _model_of(engine, version))
            log.info("classifier: using deployment model version %s", version.id)
    except Exception:  # noqa: BLE001 - never fatal: the shipped model keeps answering
        log.exception("classifier: could not load the deployment model; using the shipped one")
