"""Customer files fetched on arrival through getFile and the file URL (issue 18, part 1), against the stand-in,
which answers getFile like the Bot API (file_path, file_size; 400 "file is too big" over 20 MB)."""
from __future__ import annotations

import io

from PIL import Image

from inbox.attachments import limits
from inbox.domain import Channel
from tests.connectors.memory_host import MemoryHost
from tests.connectors.telegram.conftest import ALICE, GROUP, eventually, running
from tests.connectors.telegram.standin import TgChat


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 10, 10)).save(out, "PNG")
    return out.getvalue()


async def test_photo_document_and_voice_arrive_with_their_bytes(standin, make_connector) -> None:
    host = MemoryHost()
    photo, pdf, voice = _png(), b"%PDF-1.4 statement", b"OggS\x00\x02voice"
    async with running(make_connector(host)):
        standin.inject_message(TgChat.private(ALICE), ALICE, content={**standin.photo(photo), "caption": "proof"})
        standin.inject_message(TgChat.private(ALICE), ALICE, content=standin.document(pdf, "statement.pdf",
                                                                                         "application/pdf"))
        standin.inject_message(GROUP, ALICE, content=standin.voice(voice))
        await eventually(lambda: len(host.messages) == 3)
    contents = [m.attachments[0].content for m in host.messages]
    assert contents == [photo, pdf, voice]  # the largest photo size, not the thumbnail
    assert host.messages[0].text == "proof" and host.messages[1].attachments[0].name == "statement.pdf"
    assert len(standin.calls_of("getFile")) == 3


async def test_a_file_over_the_limit_is_refused_without_downloading(standin, make_connector, monkeypatch) -> None:
    monkeypatch.setitem(limits.DEFAULT_LIMITS, Channel.TELEGRAM, 1000)
    host = MemoryHost()
    async with running(make_connector(host)):
        standin.inject_message(TgChat.private(ALICE), ALICE, content=standin.document(b"x" * 5000, "big.zip",
                                                                                         "application/zip"))
        await eventually(lambda: len(host.messages) == 1)
    [attachment] = host.messages[0].attachments
    assert attachment.content is None and attachment.note.startswith("refused: ")
    assert "limit" in attachment.note and standin.calls_of("getFile") == []


async def test_the_bot_apis_too_big_answer_is_a_refusal_and_the_message_still_arrives(standin, make_connector) -> None:
    host = MemoryHost()
    content = standin.document(b"video bytes", "clip.mp4", "video/mp4")
    standin.too_big_files.add(content["document"]["file_id"])  # type: ignore[index]
    async with running(make_connector(host)):
        standin.inject_message(TgChat.private(ALICE), ALICE, "my screen recording", content=content)
        await eventually(lambda: len(host.messages) == 1)
    [attachment] = host.messages[0].attachments
    assert host.messages[0].text == "my screen recording"
    assert attachment.content is None and attachment.note.startswith("refused: ")
