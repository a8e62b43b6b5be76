"""Per-channel size limits: a file over the limit is not stored, the customer is told which file did not arrive."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from inbox.attachments import limits
from inbox.attachments.blobs import LocalBlobStore
from inbox.attachments.limit_stage import AttachmentLimitStage
from inbox.domain import Attachment, Channel
from inbox.events import EventBus
from inbox.pipeline.core import Pipeline
from inbox.store.schema import messages
from tests.inbox.factories import chat


async def test_a_file_over_the_limit_is_refused_and_the_customer_told(engine, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setitem(limits.DEFAULT_LIMITS, Channel.WEBCHAT, 100)
    store = LocalBlobStore(tmp_path / "blobs")
    pipeline = Pipeline(engine, EventBus(), [AttachmentLimitStage()], blob_store=store)
    [mid] = await pipeline.ingest([chat("here", "lim-1", attachments=(
        Attachment("statement.pdf", "application/pdf", 500, content=b"%PDF" + b"x" * 496),
        Attachment("small.txt", "text/plain", 5, content=b"hello")))])
    async with engine.connect() as conn:
        rows = (await conn.execute(select(messages.c.id, messages.c.direction, messages.c.text,
                                          messages.c.attachments).order_by(messages.c.id))).all()
    stored = next(r for r in rows if r.id == mid).attachments
    assert "blob" not in stored[0] and stored[0]["note"].startswith("refused: ") and stored[0]["size"] == 500
    assert "blob" in stored[1]
    assert len([p for p in (tmp_path / "blobs").rglob("*") if p.is_file()]) == 1
    [notice] = [r.text for r in rows if r.direction == "outbound"]
    assert "statement.pdf" in notice and "limit" in notice


async def test_a_chinese_customer_is_told_in_chinese(engine, monkeypatch) -> None:
    monkeypatch.setitem(limits.DEFAULT_LIMITS, Channel.WEBCHAT, 10)
    pipeline = Pipeline(engine, EventBus(), [AttachmentLimitStage()])
    await pipeline.ingest([chat("截图", "lim-2", language="zh", attachments=(
        Attachment("截图.png", "image/png", 50, content=b"\x89PNG" + b"x" * 46),))])
    async with engine.connect() as conn:
        [notice] = (await conn.execute(select(messages.c.text).where(messages.c.direction == "outbound"))).scalars()
    assert "截图.png" in notice and "大小限制" in notice
