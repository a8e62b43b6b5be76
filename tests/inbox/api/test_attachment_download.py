"""Attachments served to agents (issue 18, part 2): who may open one, and that nothing a customer sends can run in
the agent's browser. Uses the permission world: an admin, an agent of the conversation's team (red), one of blue."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from inbox.api.context import CTX
from inbox.attachments.blobs import LocalBlobStore
from inbox.domain import Attachment
from inbox.store.schema import messages
from tests.inbox.factories import chat

HTML_AS_PNG = b"<!DOCTYPE html><html><script>fetch('/api/v1/me').then(r=>r.text()).then(alert)</script></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def png(size: tuple[int, int] = (800, 600)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(out, "PNG")
    return out.getvalue()


async def _message_with(world, tmp_path: Path, *files: Attachment) -> tuple[str, list[dict]]:  # noqa: ANN001
    pipeline = world.server.app[CTX].pipeline
    pipeline.blob_store = LocalBlobStore(tmp_path / "store" / "blobs")
    [message_id] = await pipeline.ingest([chat("see the files", user="cust-1", attachments=files)])
    async with world.engine.connect() as conn:
        cid, stored = (await conn.execute(select(messages.c.conversation_id, messages.c.attachments)
                                          .where(messages.c.id == message_id))).one()
    assert cid == world.conversation_id  # the same customer: the red team's conversation
    return f"/api/v1/conversations/{cid}/messages/{message_id}/attachments", stored


async def test_only_agents_who_see_the_conversation_get_the_file(world, tmp_path: Path) -> None:
    base, _ = await _message_with(world, tmp_path, Attachment("shot.png", "image/png", 0, content=png()))
    for caller, status in (("admin", 200), ("team_agent", 200), ("other_team_agent", 404), ("none", 401),
                           ("expired", 401)):
        for tail in ("/0", "/0/thumbnail"):
            async with world.http.get(base + tail, headers=await world.headers(caller)) as r:
                assert r.status == status, (caller, tail, await r.text())
                if status != 200:
                    assert not (await r.read()).startswith(b"\x89PNG")


async def test_an_image_is_inline_with_nosniff_and_a_sandbox_csp_and_has_a_thumbnail(world, tmp_path: Path) -> None:
    original = png()
    base, stored = await _message_with(world, tmp_path, Attachment("shot.png", "image/png", 0, content=original))
    assert stored[0]["content_type"] == "image/png" and stored[0]["size"] == len(original)
    headers = await world.headers("team_agent")
    async with world.http.get(base + "/0", headers=headers) as r:
        assert r.status == 200 and await r.read() == original
        assert r.headers["Content-Type"] == "image/png"
        assert r.headers["Content-Disposition"].startswith("inline;")
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in r.headers["Content-Security-Policy"]
    async with world.http.get(base + "/0/thumbnail", headers=headers) as r:
        assert r.status == 200
        small = Image.open(io.BytesIO(await r.read()))
        assert max(small.size) <= 320
    async with world.http.get(f"/api/v1/conversations/{world.conversation_id}/messages", headers=headers) as r:
        [view] = [m for m in (await r.json())["messages"] if m["attachments"]]
    assert view["attachments"][0]["url"] == base + "/0"
    assert view["attachments"][0]["thumbnail_url"] == base + "/0/thumbnail"
    assert "blob" not in view["attachments"][0]


@pytest.mark.parametrize(("name", "declared", "body"), [
    ("receipt.png", "image/png", HTML_AS_PNG),
    ("logo.svg", "image/svg+xml", SVG),
    ("page.html", "text/html", HTML_AS_PNG),
])
async def test_markup_is_never_rendered_whatever_its_name_or_declared_type(world, tmp_path: Path, name: str,
                                                                           declared: str, body: bytes) -> None:
    base, stored = await _message_with(world, tmp_path, Attachment(name, declared, len(body), content=body))
    assert stored[0]["content_type"] in ("text/html", "image/svg+xml")  # sniffed, not the claim
    headers = await world.headers("team_agent")
    async with world.http.get(base + "/0", headers=headers) as r:
        assert r.status == 200
        assert r.headers["Content-Type"] == "application/octet-stream"
        assert r.headers["Content-Disposition"].startswith("attachment;")
        assert r.headers["X-Content-Type-Options"] == "nosniff"
    async with world.http.get(base + "/0/thumbnail", headers=headers) as r:
        assert r.status == 404


@pytest.mark.parametrize("name", ["../../../etc/passwd", "..\\..\\boot.ini", "/abs/path/x.txt", "a\r\nSet-Cookie: x=1",
                                  "\u202egnp.exe"])
async def test_hostile_names_never_become_paths_or_headers(world, tmp_path: Path, name: str) -> None:
    base, stored = await _message_with(world, tmp_path, Attachment(name, "text/plain", 5, content=b"hello"))
    shown = stored[0]["name"]
    assert "/" not in shown and "\\" not in shown and "\r" not in shown and "\n" not in shown
    assert not shown.startswith(".")
    files = [p for p in (tmp_path / "store").rglob("*") if p.is_file()]
    assert [p.name for p in files] == ["2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"]  # sha256
    async with world.http.get(base + "/0", headers=await world.headers("team_agent")) as r:
        assert r.status == 200 and await r.read() == b"hello"
        assert "Set-Cookie" not in r.headers
        disposition = r.headers["Content-Disposition"]
        assert disposition.startswith("attachment;") and "%E2%80%AE" not in disposition and "\u202e" not in disposition


async def test_other_paths_name_nothing(world, tmp_path: Path) -> None:
    base, _ = await _message_with(world, tmp_path, Attachment("a.txt", "text/plain", 1, content=b"x"))
    headers = await world.headers("admin")
    for tail in ("/1", "/-1", "/..%2F..%2Fetc%2Fpasswd", "/0/../1"):
        async with world.http.get(base + tail, headers=headers) as r:
            assert r.status == 404, tail
    # a real message id under another conversation's id
    other = base.replace(f"/conversations/{world.conversation_id}/", f"/conversations/{world.conversation_id + 999}/")
    async with world.http.get(other + "/0", headers=headers) as r:
        assert r.status == 404


async def test_identical_files_are_stored_once(world, tmp_path: Path) -> None:
    body = png((50, 50))
    await _message_with(world, tmp_path, Attachment("a.png", "image/png", 0, content=body),
                        Attachment("b.png", "image/png", 0, content=body))
    files = [p for p in (tmp_path / "store").rglob("*") if p.is_file()]
    assert len(files) == 1 and files[0].read_bytes() == body
