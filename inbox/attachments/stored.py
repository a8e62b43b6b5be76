"""What a message row keeps about each attachment (`messages.attachments`, JSON) and what agents are shown."""
from __future__ import annotations

from typing import Any

from inbox.attachments.names import safe_name
from inbox.attachments.sniff import inline_image, sniff
from inbox.domain import Attachment


def attachment_entry(a: Attachment, digest: str | None) -> dict[str, Any]:
    """`content_type` is sniffed from the bytes when the inbox has them; the sender's claim is kept beside it."""
    entry: dict[str, Any] = {"name": safe_name(a.name), "content_type": a.content_type, "size": a.size}
    if a.content is not None:
        entry["content_type"] = sniff(a.content)
        entry["size"] = len(a.content)
        if entry["content_type"] != a.content_type:
            entry["declared_type"] = a.content_type
    if digest is not None:
        entry["blob"] = digest
    if a.provider_ref:
        entry["provider_ref"] = a.provider_ref
    if a.findings:
        entry["findings"] = list(a.findings)
    if a.note:
        entry["note"] = a.note
    return entry


def attachment_views(conversation_id: int, message_id: int, entries: list[Any]) -> list[dict[str, Any]]:
    """Entries as the API shows them: with the URLs to open them (only for stored bodies)."""
    out = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            continue
        view = {k: v for k, v in entry.items() if k not in ("blob", "provider_ref")}
        if entry.get("blob"):
            url = f"/api/v1/conversations/{conversation_id}/messages/{message_id}/attachments/{index}"
            view["url"] = url
            if inline_image(str(entry.get("content_type"))):
                view["thumbnail_url"] = url + "/thumbnail"
        out.append(view)
    return out
