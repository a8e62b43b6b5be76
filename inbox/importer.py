"""`inbox import mbox FILE --connector NAME`: a mail backlog through the same pipeline as live mail."""
from __future__ import annotations

import asyncio
import sys
import time

from inbox.config import Settings


class ProgressBar:
    """A one-line progress bar on stderr (redrawn at most 10 times a second)."""

    def __init__(self, stream=sys.stderr) -> None:  # noqa: ANN001
        self.stream = stream
        self.started = time.monotonic()
        self._last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self._last < 0.1:
            return
        self._last = now
        width = 30
        filled = int(width * done / total) if total else width
        rate = done / max(now - self.started, 1e-9)
        self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} mails  {rate:,.0f}/s")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


def import_mbox_command(settings: Settings, path: str, connector_name: str) -> int:
    from connectors.email.mbox_import import import_mbox
    from inbox.app import build_image_scanner, build_stages, prepare_database
    from inbox.attachments.blobs import LocalBlobStore
    from inbox.events import EventBus
    from inbox.pipeline.core import Pipeline
    from inbox.store.hygiene import analyze
    from inbox.supervisor import Health, PipelineHost

    entry = next((c for c in settings.connectors if c.name == connector_name), None)
    if entry is None or entry.config.type != "email":
        known = ", ".join(c.name for c in settings.connectors if c.config.type == "email") or "none"
        print(f"error: no email connector named {connector_name!r} in {settings.source} (email connectors: {known})",
              file=sys.stderr)
        return 2

    async def run() -> int:
        engine = await prepare_database(settings)
        images = None
        try:
            stages, _, policy = build_stages(settings)
            # Attachments as `serve` keeps them: bodies in the data directory, customer images read by the guard.
            images = build_image_scanner(policy)
            pipeline = Pipeline(engine, EventBus(), stages, settings.inbox,
                                blob_store=LocalBlobStore(settings.data_dir / "blobs"), image_scanner=images)
            host = PipelineHost(connector_name, pipeline, engine, Health(), lambda text: text)
            report = await import_mbox(path, connector_name, host, ProgressBar())
            await analyze(engine)  # a bulk import: fresh planner statistics (no autovacuum on some servers)
        finally:
            if images is not None:
                images.close()
            await engine.dispose()
        print(f"read {report.read}, imported {report.imported}, already there {report.duplicates}, "
              f"our own replies skipped {report.skipped_own}, rejected {len(report.rejected)}")
        for r in report.rejected[:20]:
            print(f"  rejected: {r}", file=sys.stderr)
        return 0

    try:
        return asyncio.run(run())
    except FileNotFoundError:
        print(f"error: no such file: {path}", file=sys.stderr)
        return 2
