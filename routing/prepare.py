"""Sensitive-data detection and classification done ahead, in a worker process.

Both are pure functions of a message's text and are most of the stages' cost (about 90 of 100 µs a message),
and they hold the GIL, so in the writer's process they add straight onto the pipeline's time. A worker process
analyses a delivery while the pipeline's writer is still storing the deliveries before it; the stages then take
the results (`PipelineItem.prepared`) instead of computing them. What depends on the conversation (the guard's
decisions, the rules) still runs in the writer, with everything as before.

Small deliveries (a chat message) are analysed in-process: a round trip to the worker would only add latency.
If the worker dies, analysis falls back to the writer's process and a new worker is started on a later batch.
"""
from __future__ import annotations

import asyncio
import logging
import multiprocessing
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from inbox.domain import InboundMessage
from inbox.pipeline.stages import Prepared

log = logging.getLogger(__name__)

MAX_RESTARTS = 3  # a worker that keeps failing (say, it cannot start at all) is given up: the writer does the work

# State of the worker process (set by _start_worker).
_detector = None
_classifier = None


def _start_worker(phone_regions: tuple[str, ...]) -> None:
    global _detector, _classifier
    from routing.classifier.classifier import default_classifier
    from routing.guard.stage import detector_for

    _detector = detector_for(phone_regions)
    _classifier = default_classifier()
    _classifier.classify_many(["warm up 预热"] * 20)


def _ready() -> bool:
    return _detector is not None


def analyse(batch: Sequence[tuple[str, str | None]], phone_regions: tuple[str, ...] = ()) -> list[Prepared]:
    """(text, subject) per message -> what the guard's detector and the classifier make of it."""
    from routing.classifier.classifier import default_classifier
    from routing.guard.stage import detector_for
    from routing.language import detect_language

    detector = _detector or detector_for(phone_regions)
    classifier = _classifier or default_classifier()
    classify_texts = [f"{subject}\n{text}" if subject else text for text, subject in batch]
    classes = classifier.classify_many(classify_texts)
    return [
        Prepared(text=text, findings=tuple(detector.detect(text)), classify_text=classify_text,
                 classification=classification, language=detect_language(classify_text))
        for (text, _), classify_text, classification in zip(batch, classify_texts, classes)
    ]


class AnalysisWorker:
    """A one-process pool, started on the first delivery big enough to use it."""

    def __init__(self, phone_regions: tuple[str, ...] = (), min_batch: int = 32) -> None:
        self.phone_regions = phone_regions
        self.min_batch = min_batch
        self._pool: ProcessPoolExecutor | None = None
        self._warm: Future[bool] | None = None
        self.fallbacks = 0  # times the worker failed and the writer analysed in-process (health, tests)
        self.analysed = 0  # deliveries whose analysis came back from the worker

    def submit(self, messages: Sequence[InboundMessage]) -> asyncio.Future[list[Prepared]] | None:
        """Start analysing `messages` in the worker; None when the writer should analyse them itself (too few to be
        worth a round trip, or the worker still starting)."""
        if len(messages) < self.min_batch:
            return None
        if self._pool is None:
            if self.fallbacks < MAX_RESTARTS:
                self._start()
            return None
        if self._warm is None or not self._warm.done():
            return None
        batch = [(m.text, m.subject) for m in messages]
        try:
            return asyncio.wrap_future(self._pool.submit(analyse, batch, self.phone_regions))
        except (BrokenProcessPool, RuntimeError):
            self._lost("could not take work")
            return None

    async def result(self, pending: asyncio.Future[list[Prepared]] | None) -> list[Prepared] | None:
        if pending is None:
            return None
        try:
            found = await pending
        except (BrokenProcessPool, OSError, EOFError) as error:
            self._lost(f"{type(error).__name__}: {error}")
            return None
        except Exception:  # noqa: BLE001 - a text the analysis chokes on: the stages redo it and handle it there
            log.exception("analysis worker could not analyse a delivery; the writer analyses it itself")
            return None
        self.analysed += 1
        return found

    def warm_up(self) -> None:
        """Start the worker now rather than on the first big delivery (benchmarks; a server expecting a backlog).
        Blocking: call it off the event loop."""
        if self._pool is None:
            self._start()
        assert self._warm is not None
        self._warm.result(timeout=120)

    def close(self) -> None:
        pool, self._pool, self._warm = self._pool, None, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def _start(self) -> None:
        # spawn, not fork: the writer's process has threads (SQLite, IMAP) that a fork would copy mid-state.
        self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                         initializer=_start_worker, initargs=(self.phone_regions,))
        self._warm = self._pool.submit(_ready)

    def _lost(self, why: str) -> None:
        self.fallbacks += 1
        later = "a new worker starts with a later batch" if self.fallbacks < MAX_RESTARTS else "no more restarts"
        log.warning("analysis worker failed (%s): analysing in-process; %s", why, later)
        self.close()
