"""What the image scanner found in a message's images, applied the way the guard treats text: the kinds count for
tags and policy (a public post hidden, the customer contacted privately), and an image holding a masked kind is
stored only as its redacted copy. The original bytes exist only in memory: the blob store is written after this."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from inbox.domain import Attachment
from inbox.pipeline.images import scannable
from inbox.pipeline.stages import AuditEntry, Finding, PipelineItem


def image_findings(item: PipelineItem, masks: Callable[[Finding], bool], enabled: Callable[[str], bool]) -> list[Finding]:
    attachments = item.message.attachments if item.attachments is None else item.attachments
    scans = item.image_scans or {}
    found: list[Finding] = []
    kept: list[Attachment] = []
    changed = False
    for index, attachment in enumerate(attachments):
        scan = scans.get(index)
        if scan is None:
            if scannable(attachment.content) and attachment.note is None:
                attachment = replace(attachment, note="not checked for secrets: image scanning is off")
                changed = True
            kept.append(attachment)
            continue
        here = [Finding(kind, 0, 0, tier) for kind, tier in scan.found if enabled(kind)]
        secret = sorted({f.kind for f in here if masks(f)})
        found.extend(here)
        kinds = tuple(dict.fromkeys(f.kind for f in here))
        if secret:
            if scan.redacted is not None and set(secret) <= set(scan.masked):
                attachment = replace(attachment, content=scan.redacted, size=len(scan.redacted), findings=kinds,
                                     note="redacted: " + ", ".join(secret) + " blacked out by the guard")
                item.effects.audit.append(AuditEntry("guard", "redact_image",
                                                     f"image {index + 1}: {', '.join(secret)} blacked out"))
            else:  # found but not located in the picture: keep nothing rather than the secret
                attachment = replace(attachment, content=None, findings=kinds,
                                     note="withheld: it showed " + ", ".join(secret))
                item.effects.audit.append(AuditEntry("guard", "mask_attachment",
                                                     f"image {index + 1} dropped: it showed {', '.join(secret)}"))
            changed = True
        elif kinds or scan.error:
            attachment = replace(attachment, findings=kinds,
                                 note=f"not fully checked: {scan.error}" if scan.error else attachment.note)
            changed = True
        kept.append(attachment)
    if changed:
        item.attachments = tuple(kept)
    return found
