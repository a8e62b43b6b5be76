"""Image scanning in its own spawned worker process, never on the event loop (OCR takes ~0.5-1.5 s an image).

Like routing.prepare's analysis worker: one process, spawned (not forked: the server has threads), started on the
first image. A worker that dies is replaced on the next image; an image it cannot scan comes back with `error`
set, and the guard notes on the attachment that it was not checked (never silently skipped).
"""
from __future__ import annotations

import asyncio
import logging
import multiprocessing
from collections.abc import Collection, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from routing.images.availability import ScanAvailability, availability
from routing.images.scan import ImageScan

log = logging.getLogger(__name__)
_detector = None


def _start(phone_regions: tuple[str, ...]) -> None:
    global _detector
    from routing.guard.stage import detector_for

    _detector = detector_for(phone_regions)


def scan_many(images: Sequence[bytes], languages: tuple[str, ...], mask_kinds: frozenset[str],
              qr: bool, phone_regions: tuple[str, ...] = ()) -> list[ImageScan]:
    from routing.guard.stage import detector_for
    from routing.images.scan import scan_image

    detector = _detector or detector_for(phone_regions)
    return [scan_image(data, languages, mask_kinds, detector.detect, qr=qr) for data in images]


class ImageScanWorker:
    def __init__(self, mask_kinds: Collection[str], phone_regions: tuple[str, ...] = (),
                 found: ScanAvailability | None = None) -> None:
        self.available = found or availability()
        self.mask_kinds = frozenset(mask_kinds)
        self.phone_regions = phone_regions
        self._pool: ProcessPoolExecutor | None = None
        self.scanned = 0
        self.failures = 0

    def status(self) -> dict[str, object]:
        return {**self.available.as_json(), "scanned": self.scanned, "failures": self.failures}

    async def scan(self, images: Sequence[bytes]) -> list[ImageScan]:
        if not images:
            return []
        if self.available.state == "off":
            return [ImageScan((), error="image scanning is off on this server") for _ in images]
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_start, initargs=(self.phone_regions,))
        languages = self.available.languages if self.available.ocr else ()
        try:
            found = await asyncio.wrap_future(self._pool.submit(
                scan_many, list(images), languages, self.mask_kinds, self.available.qr, self.phone_regions))
        except (BrokenProcessPool, OSError, EOFError, RuntimeError) as error:
            self.failures += 1
            log.warning("image scan worker failed (%s); a new one starts with the next image", type(error).__name__)
            self.close()
            return [ImageScan((), error="the image scanner failed") for _ in images]
        self.scanned += len(found)
        return found

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


def build_image_scanner(policy) -> ImageScanWorker:  # noqa: ANN001 - routing.guard.GuardPolicy
    from routing.sensitive import KINDS

    masked = [kind for kind in KINDS if policy.enabled_kind(kind) and policy.rule_for(kind).mask_at_rest]
    return ImageScanWorker(masked, tuple(policy.phone_regions))
