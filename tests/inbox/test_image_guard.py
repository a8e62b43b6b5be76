"""A recovery phrase posted as a picture in a public group (issue 18, part 4), through the real pipeline, guard and
image worker: the post is hidden, the customer is told privately, the conversation is tagged, and only a redacted
copy of the picture is ever written (the original's bytes appear nowhere on disk)."""
from __future__ import annotations

import hashlib
import random
from pathlib import Path

from mnemonic import Mnemonic
from sqlalchemy import select

from inbox.attachments.blobs import LocalBlobStore
from inbox.domain import Attachment, Channel, Visibility
from inbox.events import EventBus
from inbox.pipeline.core import Pipeline
from inbox.store.schema import audit, conversation_tags, messages, outbox
from routing.guard import GuardPolicy, SensitiveStage
from routing.images.availability import ScanAvailability
from routing.images.worker import ImageScanWorker, build_image_scanner
from routing.sensitive.images_eval import render
from tests.inbox.factories import chat
from tests.routing.images.conftest import ocr_languages  # noqa: F401 - the fixture

PHRASE = Mnemonic("english").to_mnemonic(random.Random(11).randbytes(16)).split()


def _public_photo(image: bytes, text: str = "") -> object:
    return chat(text, "tg-user-5", channel=Channel.TELEGRAM, connector="wallet-bot", visibility=Visibility.PUBLIC,
                thread_key="group:-100200", attachments=(Attachment("photo_1.jpg", "image/jpeg", len(image), "file-1",
                                                                    content=image),))


async def test_a_phrase_in_a_public_photo_is_hidden_redacted_and_never_stored(engine, tmp_path: Path,
                                                                              ocr_languages) -> None:  # noqa: F811
    policy = GuardPolicy()
    scanner = build_image_scanner(policy)
    store = LocalBlobStore(tmp_path / "blobs")
    pipeline = Pipeline(engine, EventBus(), [SensitiveStage(policy)], blob_store=store, image_scanner=scanner)
    image = render.backup_screen(PHRASE, cjk=False)
    try:
        [message_id] = await pipeline.ingest([_public_photo(image)])
    finally:
        scanner.close()
    async with engine.connect() as conn:
        row = (await conn.execute(select(messages).where(messages.c.id == message_id))).one()
        kinds = {r.kind for r in await conn.execute(select(outbox.c.kind).where(
            outbox.c.conversation_id == row.conversation_id))}
        tags = set((await conn.execute(select(conversation_tags.c.tag))).scalars())
        actions = set((await conn.execute(select(audit.c.action))).scalars())
    [entry] = row.attachments
    assert entry["findings"] == ["seed_phrase"] and entry["note"].startswith("redacted")
    assert entry["blob"] != hashlib.sha256(image).hexdigest()
    on_disk = [p.read_bytes() for p in (tmp_path / "blobs").rglob("*") if p.is_file()]
    assert len(on_disk) == 1 and on_disk[0] != image and hashlib.sha256(on_disk[0]).hexdigest() == entry["blob"]
    assert "hide" in kinds and "send" in kinds  # the post hidden, the customer written to privately
    assert "sensitive" in tags and "redact_image" in actions
    assert scanner.scanned == 1


async def test_without_tesseract_images_are_marked_unchecked(engine, tmp_path: Path) -> None:
    off = ScanAvailability(False, False, (), ("tesseract not found",))
    policy = GuardPolicy()
    scanner = ImageScanWorker({"seed_phrase"}, found=off)
    pipeline = Pipeline(engine, EventBus(), [SensitiveStage(policy)], blob_store=LocalBlobStore(tmp_path / "b"),
                        image_scanner=scanner)
    image = render.backup_screen(PHRASE, cjk=False)
    [message_id] = await pipeline.ingest([_public_photo(image, "my backup")])
    async with engine.connect() as conn:
        [entry] = (await conn.execute(select(messages.c.attachments).where(messages.c.id == message_id))).scalar_one()
    assert "image scanning is off" in entry["note"]
    assert scanner.status()["state"] == "off"
