"""Customer images go to the image scanner (OCR, QR) when a delivery arrives, so the scan runs in its worker process
while the writer stores earlier deliveries; the guard stage then reads the results (`PipelineItem.image_scans`)."""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Sequence
from typing import Any, Protocol

from inbox.attachments.sniff import sniff
from inbox.domain import InboundMessage

# What the scanner reads; other files (PDF, video) are out of its reach and noted as such by the guard.
SCANNED_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp", "image/tiff"})
MAX_SCAN_BYTES = 20 * 1024 * 1024
log = logging.getLogger(__name__)


class ImageScanner(Protocol):
    async def scan(self, images: Sequence[bytes]) -> list[Any]: ...  # routing.images.scan.ImageScan each

    def status(self) -> dict[str, object]: ...


def scannable(content: bytes | None) -> bool:
    return content is not None and len(content) <= MAX_SCAN_BYTES and sniff(content) in SCANNED_TYPES


async def scan_messages(scanner: ImageScanner, msgs: Sequence[InboundMessage]) -> list[dict[int, Any]]:
    """Per message: attachment index -> its scan."""
    where = [(i, j) for i, m in enumerate(msgs) for j, a in enumerate(m.attachments) if scannable(a.content)]
    out: list[dict[int, Any]] = [{} for _ in msgs]
    if not where:
        return out
    try:
        scans = await scanner.scan([msgs[i].attachments[j].content for i, j in where])  # type: ignore[misc]
    except Exception as error:  # noqa: BLE001 - the message is still stored; its images are noted as unchecked
        log.exception("image scan failed")
        from routing.images.scan import ImageScan

        scans = [ImageScan((), error=f"the image scanner failed ({type(error).__name__})") for _ in where]
    for (i, j), scan in zip(where, scans):
        out[i][j] = scan
    return out


def pending_scans(scanner: ImageScanner | None, msgs: Sequence[InboundMessage]) -> Awaitable[list[dict[int, Any]]] | None:
    if scanner is None or not any(scannable(a.content) for m in msgs for a in m.attachments):
        return None
    import asyncio

    return asyncio.ensure_future(scan_messages(scanner, msgs))
