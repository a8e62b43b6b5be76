"""A seed phrase split across two consecutive messages (12 + 12 words): found, and both halves masked before (or,
for a first half stored by an earlier batch, in the transaction of) the second half's storage (issue #13)."""
from __future__ import annotations

from mnemonic import Mnemonic
from sqlalchemy import select

from inbox.events import EventBus
from inbox.pipeline.core import Pipeline
from inbox.store.schema import messages
from routing.guard import SensitiveStage
from routing.sensitive import detect
from tests.inbox.factories import chat

# BIP-39 reference vector (trezor/python-mnemonic vectors.json, english, entropy 0x7f × 32).
PHRASE = ("legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth useful "
          "legal winner thank year wave sausage worth title").split()
# A random-looking one from the reference implementation, so no half repeats the other.
OTHER = Mnemonic("english").to_mnemonic(bytes(range(32))).split()


def halves(words: list[str]) -> tuple[str, str]:
    first, second = " ".join(words[:12]), " ".join(words[12:])
    assert not [f for f in detect(first) if f.kind == "seed_phrase"], "the test needs halves not found alone"
    assert not [f for f in detect(second) if f.kind == "seed_phrase"]
    return first, second


async def stored_texts(engine) -> list[str]:  # noqa: ANN001
    async with engine.connect() as conn:
        query = select(messages.c.text).where(messages.c.direction == "inbound").order_by(messages.c.id)
        return list((await conn.execute(query)).scalars())


async def test_split_phrase_in_one_batch_is_masked_in_both_messages(engine) -> None:  # noqa: ANN001
    first, second = halves(OTHER)
    pipeline = Pipeline(engine, EventBus(), stages=[SensitiveStage()])
    await pipeline.ingest([chat(first, "mia"), chat(second, "mia")])
    texts = await stored_texts(engine)
    assert texts == ["[seed_phrase removed]", "[seed_phrase removed]"]


async def test_split_phrase_across_batches_masks_the_stored_first_half(engine) -> None:  # noqa: ANN001
    first, second = halves(OTHER)
    pipeline = Pipeline(engine, EventBus(), stages=[SensitiveStage()])
    await pipeline.ingest([chat("hi, here is what the app showed me", "noa")])
    await pipeline.ingest([chat(first, "noa", raw='{"text": "%s"}' % first)])
    await pipeline.ingest([chat(second + "\nwhat should I do", "noa")])
    texts = await stored_texts(engine)
    assert texts[1] == "[seed_phrase removed]"
    assert texts[2] == "[seed_phrase removed]\nwhat should I do"
    async with engine.connect() as conn:
        query = select(messages.c.raw).where(messages.c.direction == "inbound").order_by(messages.c.id)
        raws = list((await conn.execute(query)).scalars())
    assert raws[1] is None
    assert all(word not in " ".join(texts) for word in OTHER[:2] + OTHER[12:14])


async def test_halves_from_different_senders_or_threads_are_not_joined(engine) -> None:  # noqa: ANN001
    first, second = halves(OTHER)
    pipeline = Pipeline(engine, EventBus(), stages=[SensitiveStage()])
    await pipeline.ingest([chat(first, "olga"), chat(second, "pete")])
    assert await stored_texts(engine) == [first, second]


async def test_unrelated_consecutive_messages_stay_as_they_are(engine) -> None:  # noqa: ANN001
    pipeline = Pipeline(engine, EventBus(), stages=[SensitiveStage()])
    texts = ["please help my deposit is missing", "I sent it to the right address yesterday", "any news today"]
    await pipeline.ingest([chat(text, "quin") for text in texts])
    assert await stored_texts(engine) == texts
