"""The guard as a pipeline stage: detect, decide what to tell whom, and mask secrets before anything is stored."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache

from inbox.domain import Priority, Visibility
from inbox.pipeline.stages import AuditEntry, AutoReply, Effects, Finding, PipelineItem
from routing.guard.images import image_findings
from routing.guard.mail_parts import attachment_findings, html_view, read_with_subject
from routing.guard.policy import GuardPolicy, InboundPrivate, InboundPublic, TierRule
from routing.guard.raw import mask_raw
from routing.guard.split import SplitPhrases
from routing.guard.texts import reply_language
from routing.sensitive import DetectorOptions, SensitiveDetector, redact_where

# Messages the inbox must never answer by itself (design: flags on InboundMessage).
_NO_AUTO_REPLY_FLAGS = frozenset({"auto_reply", "bounce", "list"})


@lru_cache(maxsize=8)
def detector_for(phone_regions: tuple[str, ...]) -> SensitiveDetector:
    return SensitiveDetector(DetectorOptions(phone_regions=phone_regions))


def findings_for(text: str, policy: GuardPolicy) -> list[Finding]:
    """Findings of the kinds the policy looks for."""
    found = detector_for(policy.phone_regions).detect(text)
    return [finding for finding in found if policy.enabled_kind(finding.kind)]


def mask_secrets(text: str, policy: GuardPolicy) -> tuple[str, list[Finding]]:
    """Mask what the policy masks at rest (secrets by default) in any stored text: subject, HTML, notes."""
    findings = findings_for(text, policy)
    return redact_where(text, findings, lambda finding: policy.rule_for(finding.kind).mask_at_rest)


class SensitiveStage:
    name = "sensitive"

    def __init__(self, policy: GuardPolicy | None = None) -> None:
        self.policy = policy or GuardPolicy()
        self._detector = detector_for(self.policy.phone_regions)
        self._split = SplitPhrases(self._detector.detect)

    def process(self, items: Sequence[PipelineItem]) -> None:
        if not self.policy.enabled:
            return
        split = self._split if self._masks(Finding("seed_phrase", 0, 0, "secret")) else None
        try:
            for item in items:
                self._process_one(item, split.findings_for(item) if split else [])
                if split:
                    split.remember(item)
        finally:
            if split:
                split.end_batch()

    def _masks(self, finding: Finding) -> bool:
        return self.policy.enabled_kind(finding.kind) and self.policy.rule_for(finding.kind).mask_at_rest

    def _process_one(self, item: PipelineItem, continued: list[Finding]) -> None:
        policy = self.policy
        self._text_from_html(item)
        prepared = item.prepared
        in_subject: list[Finding] = []
        if item.subject:
            detected, in_subject = read_with_subject(item.subject, item.text, self._detector.detect, self._masks)
        elif prepared is not None and prepared.text == item.text:
            detected = list(prepared.findings)
        else:
            detected = self._detector.detect(item.text)
        if continued:  # a seed phrase begun in the previous message (routing.guard.split)
            detected = sorted([*(f for f in detected if not any(f.start < c.end and c.start < f.end for c in continued)),
                               *continued], key=lambda f: f.start)
        findings = [finding for finding in detected if policy.enabled_kind(finding.kind)]
        beside = [*in_subject, *self._text_attachments(item),  # secrets found outside the text
                  *image_findings(item, self._masks, policy.enabled_kind)]
        masked_kinds = {kind for kind in {f.kind for f in (*findings, *beside)} if policy.rule_for(kind).mask_at_rest}
        secret_values = [(f.kind, item.text[f.start : f.end]) for f in findings if f.kind in masked_kinds]
        masked_text, masked_findings = redact_where(item.text, findings, lambda finding: finding.kind in masked_kinds)
        if in_subject:
            item.subject, _ = redact_where(item.subject or "", in_subject, lambda finding: True)
            item.effects.audit.append(AuditEntry("guard", "mask_subject", "secret masked in the subject"))
        masked_beside = self._mask_side_texts(item, bool(masked_kinds), subject_done=bool(item.subject))
        outcome = mask_raw(
            item.raw,
            secret_values,
            self._detector,
            self._masks,
            policy.max_raw_scan_chars,
            known={item.text: masked_text},
            had_secret=bool(masked_kinds) or masked_beside,
            subject=item.subject,
        )
        item.raw = outcome.raw
        if outcome.note:
            item.effects.audit.append(AuditEntry("guard", "mask_raw", outcome.note))
        if not findings and not beside:
            item.findings = []
            return
        language = item.language or reply_language(item.text, item.message.language)
        item.text, item.findings = masked_text, masked_findings
        kinds = list(dict.fromkeys(finding.kind for finding in (*findings, *beside)))
        effects = item.effects
        if masked_kinds:
            effects.audit.append(AuditEntry("guard", "mask", "masked before storage: " + ", ".join(sorted(masked_kinds))))
        rules = {kind: policy.rule_for(kind) for kind in kinds}
        may_reply = not (item.message.flags & _NO_AUTO_REPLY_FLAGS)
        if item.message.visibility == Visibility.PUBLIC:
            acted = self._public(item, rules, language, may_reply)
        else:
            acted = self._private(item, rules, language, may_reply)
        # Tag only where the guard did something: a tx hash in a deposit question is normal, not "sensitive".
        flagged = [kind for kind in kinds if kind in masked_kinds or kind in acted]
        if flagged:
            effects.add_tags.add(policy.tag)
            if policy.kind_tags:
                effects.add_tags.update(f"{policy.tag}:{kind}" for kind in flagged)
            effects.audit.append(AuditEntry("guard", "detect", "kinds: " + ", ".join(flagged)))

    def _text_attachments(self, item: PipelineItem) -> list[Finding]:
        """Text and HTML files attached to the message: one with a secret is kept as a name without its bytes
        (they would be stored in clear in the blob store). Returns what was found, for tagging and policy."""
        found: list[Finding] = []
        kept = []
        for attachment in item.message.attachments if item.attachments is None else item.attachments:
            secrets = [f for f in attachment_findings(attachment, self._detector.detect, self.policy.max_raw_scan_chars)
                       if self._masks(f)]
            if secrets:
                found.extend(secrets)
                attachment = replace(attachment, content=None)
                item.effects.audit.append(AuditEntry("guard", "mask_attachment",
                                                     "attachment content dropped: it held a secret"))
            kept.append(attachment)
        if found:
            item.attachments = tuple(kept)
        return found

    def _text_from_html(self, item: PipelineItem) -> None:
        """A secret in the HTML part that the plain part does not have: the HTML is what the customer's mail program
        showed, so its text (masked below) becomes the message text, and the HTML is dropped with the secret."""
        if not isinstance(item.html, str) or not item.html:
            return
        shown = html_view(item.html)
        if " ".join(shown.split()) in " ".join(item.text.split()):
            return  # the usual alternative: the HTML says what the plain part says, and that is read anyway
        lead = item.subject + "\n" if item.subject else ""  # a phrase may start in the subject

        def has_secret(body: str) -> bool:
            return any(self._masks(f) for f in self._detector.detect(lead + body))

        if not has_secret(shown) or has_secret(item.text):
            return  # nothing in the HTML, or the plain part carries it too: masked there, and the HTML dropped
        item.text = shown
        item.effects.audit.append(AuditEntry("guard", "text_from_html",
                                             "the HTML part held a secret the plain part did not; its text is kept"))

    def _mask_side_texts(self, item: PipelineItem, had_secret: bool, subject_done: bool = False) -> bool:
        """Subject and HTML, when the pipeline item carries them. HTML of a message with a secret is dropped:
        markup between words can hide a phrase from the patterns, and the masked text renders the message.
        True when a secret was masked here that the message's text did not have."""
        masked_here = False
        # The subject was read with the text (read_with_subject): not again alone, and a masked one is never re-read.
        for field in ("html",) if subject_done else ("subject", "html"):
            value = getattr(item, field, None)
            if not isinstance(value, str):
                continue
            if field == "html" and had_secret:
                setattr(item, field, None)
                item.effects.audit.append(AuditEntry("guard", "mask_html", "html dropped: the message had a secret"))
                continue
            masked, _ = mask_secrets(value, self.policy)
            if masked != value:
                setattr(item, field, masked)
                masked_here = True
                item.effects.audit.append(AuditEntry("guard", f"mask_{field}", f"secret masked in the {field}"))
        return masked_here

    def _public(self, item: PipelineItem, rules: dict[str, TierRule], language: str, may_reply: bool) -> list[str]:
        texts = self.policy.texts
        effects = item.effects
        hiding = [kind for kind, rule in rules.items() if rule.inbound_public == InboundPublic.HIDE_AND_PRIVATE]
        moving = [kind for kind, rule in rules.items() if rule.inbound_public == InboundPublic.PRIVATE]
        _raise(effects, [rule.public_priority for kind, rule in rules.items() if kind in hiding or kind in moving])
        if hiding:
            effects.hide_public = True
            effects.audit.append(AuditEntry("guard", "hide_public", "secret in a public post: " + ", ".join(hiding)))
            if may_reply:
                effects.replies.append(
                    AutoReply(texts.render("public_warning", language), Visibility.PUBLIC, "guard:public_warning")
                )
                effects.replies.append(
                    AutoReply(
                        texts.render("private_after_public", language, hiding),
                        Visibility.PRIVATE,
                        "guard:secret_warning",
                        private_link_fallback=True,
                    )
                )
        elif moving:
            effects.audit.append(AuditEntry("guard", "redirect_private", "personal data in public: " + ", ".join(moving)))
            if may_reply:
                effects.replies.append(
                    AutoReply(
                        texts.render("move_private", language, moving),
                        Visibility.PRIVATE,
                        "guard:move_private",
                        private_link_fallback=True,
                    )
                )
        return hiding + moving

    def _private(self, item: PipelineItem, rules: dict[str, TierRule], language: str, may_reply: bool) -> list[str]:
        warning = [kind for kind, rule in rules.items() if rule.inbound_private == InboundPrivate.WARN]
        if not warning:
            return []
        effects = item.effects
        _raise(effects, [rules[kind].private_priority for kind in warning])
        # One warning per conversation is enough; repeating it on every message reads as a bot loop.
        already_warned = self.policy.tag in item.conversation.tags
        if may_reply and not already_warned:
            effects.replies.append(
                AutoReply(
                    self.policy.texts.render("private_warning", language, warning),
                    Visibility.PRIVATE,
                    "guard:secret_warning",
                )
            )
        return warning


def _raise(effects: Effects, priorities: list[Priority | None]) -> None:
    for priority in priorities:
        if priority is not None:
            effects.raise_priority(priority)
