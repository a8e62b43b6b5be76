"""A seed phrase split across two consecutive messages of one conversation (12 words, then the other 12).

Each message is read alone first; neither half passes the BIP-39 checksum, so neither is claimed. The stage then
joins the tail of the sender's previous message in the same thread to the head of this one and reads the join
again. When a phrase crosses it, both parts are masked:
- this message's part before it is stored (a finding handed to the stage like any other);
- the previous message's part before storage when it is in the same batch (its item is masked in place), else by
  a `StoredMask` effect that rewrites the already stored row in this batch's transaction.

Why an in-memory tail is acceptable: it holds the previous message's text *as it was stored* (secrets that were
found are already masks), so the process never holds a value the database does not already hold, for at most
`ttl` seconds and for a bounded number of conversations; a found phrase drops the tail at once. It is not
persisted: after a restart, or once the tail expired, the first message of a split phrase stays as stored and
only the second half is caught if it is phrase-shaped on its own (said in the README).
"""
from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from inbox.domain import Visibility
from inbox.pipeline.stages import AuditEntry, Finding, PipelineItem, StoredMask
from routing.sensitive import mask_label
from routing.sensitive.seed_windows import CHINESE, LANGUAGE_MASKS

_TAIL_CHARS = 600  # 24 words numbered one per line ("12. abandon\n") fit with room to spare
_HEAD_CHARS = 600


@dataclass(slots=True)
class _Tail:
    text: str  # the previous message's stored text, last _TAIL_CHARS characters
    offset: int  # where `text` starts in that message's stored text
    connector: str
    provider_id: str
    public: bool
    item: PipelineItem | None  # set while that message is still in the batch being processed
    expires: float


@dataclass(slots=True)
class SplitPhrases:
    detect: Callable[[str], list[Finding]]
    ttl: float = 900.0
    max_conversations: int = 20_000
    clock: Callable[[], float] = time.monotonic
    _tails: OrderedDict[tuple[str, str, str, str], _Tail] = field(default_factory=OrderedDict)

    @staticmethod
    def _key(item: PipelineItem) -> tuple[str, str, str, str]:
        message = item.message
        return message.connector, message.thread_key, message.sender.kind.value, message.sender.value

    def findings_for(self, item: PipelineItem) -> list[Finding]:
        """Seed-phrase findings in `item.text` that only exist together with the previous message; masks that
        message's part (in the batch, or by an effect on `item`)."""
        key = self._key(item)
        tail = self._tails.get(key)
        if tail is None:
            return []
        if tail.expires < self.clock():
            del self._tails[key]
            return []
        head = item.text[:_HEAD_CHARS]
        if not (_ends_with_list_word(tail.text) and _starts_with_list_word(head)):
            return []
        joined = tail.text + "\n" + head
        join = len(tail.text)
        crossing = [f for f in self.detect(joined) if f.kind == "seed_phrase" and f.start < join < f.end - 1]
        if not crossing:
            return []
        finding = crossing[0]
        del self._tails[key]
        self._mask_previous(item, tail, tail.text[finding.start :].rstrip(), tail.offset + finding.start)
        end = finding.end - join - 1
        start = len(head) - len(head.lstrip())
        item.effects.audit.append(AuditEntry("guard", "split_phrase", "seed phrase continued from the previous message"))
        return [Finding("seed_phrase", start, end, finding.tier)]

    def remember(self, item: PipelineItem) -> None:
        """Keep the tail of `item` as it will be stored (call after the stage masked it)."""
        key = self._key(item)
        text = item.text
        offset = max(0, len(text) - _TAIL_CHARS)
        self._tails[key] = _Tail(text[offset:], offset, item.message.connector, item.message.provider_id,
                                 item.message.visibility == Visibility.PUBLIC, item, self.clock() + self.ttl)
        self._tails.move_to_end(key)
        while len(self._tails) > self.max_conversations:
            self._tails.popitem(last=False)

    def end_batch(self) -> None:
        """The batch is stored: tails no longer point at items that can be changed before storage."""
        for tail in self._tails.values():
            tail.item = None

    def _mask_previous(self, item: PipelineItem, tail: _Tail, fragment: str, position: int) -> None:
        label = mask_label("seed_phrase")
        previous = tail.item
        if previous is not None and previous.text[position : position + len(fragment)] == fragment:
            previous.text = previous.text[:position] + label + previous.text[position + len(fragment) :]
            shift = len(label) - len(fragment)
            kept = [f for f in previous.findings if f.end <= position]
            moved = [Finding(f.kind, f.start + shift, f.end + shift, f.tier) for f in previous.findings
                     if f.start >= position + len(fragment)]
            previous.findings = [*kept, Finding("seed_phrase", position, position + len(label), "secret"), *moved]
            # The raw payload and HTML part carry the same words: dropped rather than searched for every form.
            previous.raw = None
            previous.html = None
            previous.effects.audit.append(AuditEntry("guard", "split_phrase",
                                                     "seed phrase continued in the next message: masked"))
            if tail.public:
                previous.effects.hide_public = True
            return
        item.effects.mask_stored.append(StoredMask(tail.connector, tail.provider_id, fragment, label, tail.public))


def _list_word(token: str) -> bool:
    token = token.lower()
    return token in LANGUAGE_MASKS or (bool(token) and all(char in CHINESE for char in token))


_TRIM = " \t\r\n,.;:、，。；：()[]0123456789"


def _ends_with_list_word(text: str) -> bool:
    stripped = text.rstrip(_TRIM)
    token = stripped.rsplit(None, 1)[-1] if stripped.split() else ""
    return _list_word(token[-1:] if token and token[-1] in CHINESE else token)


def _starts_with_list_word(text: str) -> bool:
    stripped = text.lstrip(_TRIM)
    token = stripped.split(None, 1)[0] if stripped.split() else ""
    return _list_word(token[:1] if token and token[0] in CHINESE else token.rstrip(_TRIM))
