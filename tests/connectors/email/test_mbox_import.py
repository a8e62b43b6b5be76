"""`inbox import mbox`: counts, batching, rejected mails with reasons, idempotent second run."""
from __future__ import annotations

import mailbox
from collections.abc import Sequence
from pathlib import Path

import pytest

from connectors.email.mbox_import import IMPORT_BATCH, import_mbox
from connectors.email.smtp_out import outbound_message_id
from tests.connectors.email.helpers import RecordingHost, make_mail


class DedupeAwareHost(RecordingHost):
    """Offers the optional `existing_provider_ids` capability the importer uses for exact duplicate counts."""

    async def existing_provider_ids(self, connector: str, provider_ids: Sequence[str]) -> set[str]:
        stored = {m.provider_id for m in self.messages if m.connector == connector}
        return stored & set(provider_ids)


def _write_mbox(path: Path, raws: list[bytes]) -> None:
    box = mailbox.mbox(path)
    for raw in raws:
        box.add(raw)
    box.close()


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    raws = [make_mail(f"archived mail {i}", message_id=f"arch-{i}@c.example") for i in range(IMPORT_BATCH + 50)]
    raws.append(make_mail("archived mail 3 again", message_id="arch-3@c.example"))  # same Message-ID
    raws.append(b"Subject: nobody sent this\r\nMessage-ID: <anon@x>\r\n\r\nno From header")
    raws.append(make_mail("our reply", sender="support@wallet.example",
                          message_id=outbound_message_id("support-mail", "k", "wallet.example")))
    raws.append(b"From: broken@c.example\r\nSubject: no id\r\n\r\n\xff\xfe binary junk body")
    path = tmp_path / "archive.mbox"
    _write_mbox(path, raws)
    return path


async def test_import_counts_and_is_idempotent(archive: Path) -> None:
    host = DedupeAwareHost()
    calls: list[tuple[int, int]] = []
    report = await import_mbox(archive, "support-mail", host, progress=lambda done, total: calls.append((done, total)))
    total = IMPORT_BATCH + 54
    assert report.read == total
    assert report.imported == IMPORT_BATCH + 51  # 250 good + the no-Message-ID mail
    assert report.duplicates == 1
    assert report.skipped_own == 1
    assert [(r.index, "no sender" in r.reason) for r in report.rejected] == [(IMPORT_BATCH + 51, True)]
    assert len(host.messages) == IMPORT_BATCH + 51
    assert calls[-1] == (total, total) and len(calls) >= 2  # progress per batch
    assert all(m.connector == "support-mail" for m in host.messages)

    again = await import_mbox(archive, "support-mail", host)
    assert again.imported == 0
    assert again.duplicates == IMPORT_BATCH + 52
    assert len(host.messages) == IMPORT_BATCH + 51


async def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="mbox file not found"):
        await import_mbox(tmp_path / "nope.mbox", "support-mail", RecordingHost())
