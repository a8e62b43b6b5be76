"""Detection and classification done ahead in a worker process store exactly what the in-process stages store,
and the pipeline keeps going, with the same results, when the worker dies."""
from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest
from mnemonic import Mnemonic
from sqlalchemy import select

from inbox.app import build_stages
from inbox.config import InboxSettings, RoutingSettings, Settings
from inbox.domain import Channel, IdentityKind, Visibility
from inbox.events import EventBus
from inbox.pipeline.core import Pipeline
from inbox.store.db import create_engine, upgrade
from inbox.store.schema import audit, conversation_tags, conversations, messages, outbox
from routing.prepare import AnalysisWorker, analyse
from tests.inbox.factories import chat

RULES = str(Path(__file__).resolve().parents[2] / "inbox" / "defaults" / "rules.yaml")
SEED = Mnemonic("english").to_mnemonic(bytes(range(16)))
TEXTS = [
    "My deposit has not arrived after 2 hours",
    "我的提现一直显示处理中，已经两天了",
    f"my seed phrase is {SEED} please help",
    "my password is Tr0ub4dor&3 and I cannot log in",
    "验证码123456已失效，登录不了",
    "card 4111 1111 1111 1111 was charged twice, wrong fee",
    "call me at 138 1234 5678 about my withdrawal",
    "txid 4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b not credited",
    "someone hacked my account and moved my coins",
    "thanks!",
]


def corpus() -> list:
    out = []
    for n in range(40):
        text = TEXTS[n % len(TEXTS)]
        user = f"u{n % 13}"
        if n % 5 == 0:  # a Telegram group: public
            out.append(chat(text, user, provider_id=f"g:{n}", connector="tg", channel=Channel.TELEGRAM,
                            thread_key=f"group:1:user:{user}", visibility=Visibility.PUBLIC,
                            kind=IdentityKind.TELEGRAM))
        elif n % 7 == 0:  # email, with a secret in the subject now and then
            subject = f"password Hunter2x{n} does not work" if n % 2 else "提现未到账"
            out.append(chat(text, f"{user}@example.com", provider_id=f"m{n}@example.com", connector="mail",
                            channel=Channel.EMAIL, thread_key=f"m{n}@example.com", subject=subject,
                            kind=IdentityKind.EMAIL))
        else:
            out.append(chat(text, user, provider_id=f"app:{n}"))
    return out


async def stored(url: str, worker: AnalysisWorker | None, batches: list[list]) -> dict[str, list]:
    engine = create_engine(url)
    await upgrade(engine)
    settings = Settings(source="test", routing=RoutingSettings(rules=RULES))
    stages, _, _ = build_stages(settings)
    pipeline = Pipeline(engine, EventBus(), stages, InboxSettings(), preparer=worker)
    for batch in batches:
        await pipeline.ingest(batch)
    async with engine.connect() as conn:
        result = {
            "messages": (await conn.execute(select(messages.c.provider_id, messages.c.text, messages.c.subject,
                                                   messages.c.findings).order_by(messages.c.id))).all(),
            "conversations": (await conn.execute(select(
                conversations.c.thread_key, conversations.c.type, conversations.c.type_confidence,
                conversations.c.type_reasons, conversations.c.priority, conversations.c.team_id,
                conversations.c.language, conversations.c.subject).order_by(conversations.c.id))).all(),
            "tags": sorted((await conn.execute(select(conversation_tags.c.conversation_id,
                                                      conversation_tags.c.tag))).all()),
            "outbox": (await conn.execute(select(outbox.c.conversation_id, outbox.c.state)
                                          .order_by(outbox.c.id))).all(),
            "audit": (await conn.execute(select(audit.c.actor, audit.c.action, audit.c.detail)
                                         .order_by(audit.c.id))).all(),
        }
    await engine.dispose()
    return result


@pytest.fixture
def worker():
    w = AnalysisWorker(("CN",), min_batch=8)
    w.warm_up()
    yield w
    w.close()


async def test_worker_results_are_stored_exactly_like_in_process_ones(tmp_path, worker) -> None:
    msgs = corpus()
    batches = [msgs[:25], msgs[25:]]
    ahead = await stored(f"sqlite+aiosqlite:///{tmp_path}/ahead.db", worker, batches)
    local = await stored(f"sqlite+aiosqlite:///{tmp_path}/local.db", None, batches)
    assert ahead == local
    assert worker.analysed == 2 and worker.fallbacks == 0  # both deliveries were analysed by the worker
    texts = " ".join(row.text for row in ahead["messages"])
    assert SEED.split()[1] not in texts and "Tr0ub4dor" not in texts and "Hunter2x" not in str(ahead)
    assert any(row.findings for row in ahead["messages"])  # the corpus did exercise the guard


async def test_analysis_matches_the_in_process_stages_part_by_part() -> None:
    from routing.classifier import classify
    from routing.guard.stage import detector_for

    prepared = analyse([(text, None) for text in TEXTS] + [("x", "Re: 充值")], ("CN",))
    for p, text in zip(prepared, TEXTS):
        assert p.findings == tuple(detector_for(("CN",)).detect(text))
        assert p.classification == classify(text)
    assert prepared[-1].classify_text == "Re: 充值\nx"


async def test_a_dead_worker_falls_back_in_process_with_the_same_results(tmp_path, worker) -> None:
    msgs = corpus()
    pool = worker._pool
    assert pool is not None
    for pid in list(pool._processes):  # the worker dies between deliveries
        os.kill(pid, signal.SIGKILL)
    ahead = await stored(f"sqlite+aiosqlite:///{tmp_path}/ahead.db", worker, [msgs])
    local = await stored(f"sqlite+aiosqlite:///{tmp_path}/local.db", None, [msgs])
    assert ahead == local
    assert worker.fallbacks == 1 and worker.analysed == 0


def test_small_deliveries_never_start_a_worker() -> None:
    w = AnalysisWorker(("CN",), min_batch=32)
    assert w.submit(corpus()[:5]) is None
    assert w._pool is None
    w.close()


async def test_a_delivery_the_worker_cannot_analyse_is_analysed_by_the_stages(tmp_path, worker, monkeypatch) -> None:
    import routing.prepare as prepare

    async def failing(_pending):  # noqa: ANN001, ANN202 - what awaiting a worker's exception looks like
        raise ValueError("analysis blew up")

    msgs = corpus()
    original = prepare.AnalysisWorker.result

    async def result(self, pending):  # noqa: ANN001, ANN202
        if pending is not None:
            pending.cancel()
        return await original(self, asyncio.ensure_future(failing(pending)))

    monkeypatch.setattr(prepare.AnalysisWorker, "result", result)
    ahead = await stored(f"sqlite+aiosqlite:///{tmp_path}/ahead.db", worker, [msgs])
    local = await stored(f"sqlite+aiosqlite:///{tmp_path}/local.db", None, [msgs])
    assert ahead == local
    assert {m.provider_id for m in msgs} <= {row.provider_id for row in ahead["messages"]}  # nothing lost
    assert worker.fallbacks == 0  # the worker itself is fine
