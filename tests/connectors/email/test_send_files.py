"""An agent's files go out as a multipart/mixed mail through a real SMTP server (aiosmtpd): text first, each file a
part with its (UTF-8) name, read back with the standard library's parser like a customer's client would."""
from __future__ import annotations

import email
import email.policy
from dataclasses import replace

from connectors.email.smtp_out import send_reply
from inbox.domain import Attachment
from tests.connectors.email.conftest import SmtpPeer
from tests.connectors.email.helpers import smtp_settings
from tests.connectors.email.test_send import _reply


async def test_files_are_attached_parts_after_the_text(smtp_server: SmtpPeer) -> None:
    pdf, png = b"%PDF-1.4 statement", b"\x89PNG\r\n\x1a\nimage"
    message = replace(_reply(), attachments=(Attachment("对账单.pdf", "application/pdf", len(pdf), content=pdf),
                                             Attachment("screen.png", "image/png", len(png), content=png)))
    await send_reply(message, smtp_settings(smtp_server))
    [raw] = smtp_server.handler.received
    mail = email.message_from_bytes(raw, policy=email.policy.default)
    assert mail.get_content_type() == "multipart/mixed"
    assert mail.get_body(("plain",)).get_content().strip().startswith("您好")
    files = [(p.get_filename(), p.get_content_type(), p.get_content()) for p in mail.iter_attachments()]
    assert files == [("对账单.pdf", "application/pdf", pdf), ("screen.png", "image/png", png)]
