"""Auto-reply texts per language, with {ticket} and {office_hours} filled in."""
from __future__ import annotations

import string
from dataclasses import dataclass

from routing.rules.errors import FieldError
from routing.rules.schedule import BusinessHours

# Left in the text when the conversation has no ticket number yet (its first message): the pipeline replaces it
# with the ticket it assigns when it stores the conversation.
TICKET_PLACEHOLDER = "{ticket}"
PLACEHOLDERS = ("ticket", "office_hours")


@dataclass(frozen=True, slots=True)
class ReplyTemplate:
    texts: dict[str, str]  # language -> text; "en" always present
    hours: BusinessHours | None  # fills {office_hours}

    def render(self, language: str, ticket: str | None) -> str:
        text = self.texts.get(language) or self.texts["en"]
        office_hours = self.hours.office_hours(language) if self.hours else ""
        # str.replace, not format(): customers' braces and templates' other braces stay as written.
        return text.replace("{office_hours}", office_hours).replace(TICKET_PLACEHOLDER, ticket or TICKET_PLACEHOLDER)


def parse_texts(value: object, key: str) -> dict[str, str]:
    """`"text"` (every language) or `{en: "...", zh: "..."}` (en required); placeholders checked."""
    texts = {"en": value} if isinstance(value, str) else value
    if not isinstance(texts, dict) or not all(isinstance(text, str) and text.strip() for text in texts.values()):
        raise FieldError(key, 'expected a text or {en: "...", zh: "..."}')
    unknown_languages = set(texts) - {"en", "zh"}
    if unknown_languages:
        raise FieldError(f"{key}.{sorted(unknown_languages)[0]}", "unknown language (expected en, zh)")
    if "en" not in texts:
        raise FieldError(key, "an English text (en) is required: it is sent when the language is unknown")
    for language, text in texts.items():
        try:
            fields = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
        except ValueError as error:
            raise FieldError(f"{key}.{language}", f"bad braces in template: {error}") from None
        for name in fields:
            if name not in PLACEHOLDERS:
                raise FieldError(f"{key}.{language}", f"unknown placeholder {{{name}}} (allowed: {{ticket}}, {{office_hours}})")
    return dict(texts)
