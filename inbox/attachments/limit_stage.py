"""The pipeline stage that refuses files over the channel's limit and tells the customer (see inbox.attachments.limits)."""
from __future__ import annotations

from collections.abc import Sequence

from inbox.attachments.limits import REFUSED, limit_for, megabytes, refused
from inbox.domain import Visibility
from inbox.pipeline.stages import AuditEntry, AutoReply, PipelineItem


def too_large_text(names: Sequence[str], limit: int, language: str | None) -> str:
    listed = ", ".join(names)
    if (language or "").startswith("zh"):
        return f"您发送的文件（{listed}）超过了 {megabytes(limit)} 的大小限制，我们没有收到它。请压缩后重新发送，或分成多个文件发送。"
    return (f"We could not accept your file ({listed}): it is larger than this channel's limit of "
            f"{megabytes(limit)}. Please send a smaller version, or split it into several files.")


class AttachmentLimitStage:
    """Refuses files over the channel's limit (the connector may have done so already, before downloading) and
    tells the customer which file did not arrive, privately and once per message."""

    name = "attachment_limits"

    def process(self, items: Sequence[PipelineItem]) -> None:
        for item in items:
            limit = limit_for(item.message.channel)
            current = item.message.attachments if item.attachments is None else item.attachments
            kept, names = [], []
            for attachment in current:
                if attachment.content is not None and len(attachment.content) > limit:
                    attachment = refused(attachment, len(attachment.content), limit)
                if attachment.note and attachment.note.startswith(REFUSED):
                    names.append(attachment.name)
                kept.append(attachment)
            if not names:
                continue
            item.attachments = tuple(kept)
            item.effects.audit.append(AuditEntry("inbox", "attachment_refused", "over the size limit: " +
                                                 ", ".join(names)))
            if not item.message.flags & {"auto_reply", "bounce", "list"}:
                item.effects.replies.append(AutoReply(too_large_text(names, limit, item.language or item.message.language),
                                                      Visibility.PRIVATE, "attachments:too_large",
                                                      private_link_fallback=item.message.visibility == Visibility.PUBLIC))
