"""HTML bodies: sanitize what we keep, and turn it into readable text when it is the only body."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import nh3

_ALLOWED_SCHEMES = {"http", "https", "mailto"}
_DROPPED_WITH_CONTENT = {"script", "style", "head", "title", "noscript", "template"}


def sanitize_html(html: str) -> str:
    """Remove scripts, event handlers, styles-with-code and javascript:/data: links; keep structure and links."""
    # nh3 drops a disallowed tag but keeps its text unless the tag is listed here: a <title> (or the <head> around
    # it) would otherwise become body text of the kept HTML and of the plain text made from it
    return nh3.clean(html, url_schemes=_ALLOWED_SCHEMES, link_rel="noopener noreferrer nofollow",
                     clean_content_tags=_DROPPED_WITH_CONTENT)


_BLOCK = {
    "p", "div", "br", "tr", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "pre", "hr", "section", "article", "header", "footer",
}
_SKIP = {"script", "style", "head", "title", "noscript", "template"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_depth = 0
        self._quote_depth = 0
        self._href: str | None = None
        self._link_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skip_depth += 1
        elif tag == "blockquote":
            self._quote_depth += 1
            self.parts.append("\n")
        elif tag in _BLOCK:
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag == "a":
            href = dict(attrs).get("href")
            self._href = href if href and href.split(":", 1)[0].lower() in _ALLOWED_SCHEMES else None
            self._link_text = []

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag == "blockquote":
            self._quote_depth = max(0, self._quote_depth - 1)
            self.parts.append("\n")
        elif tag in _BLOCK:
            self.parts.append("\n")
        elif tag == "a" and self._href:
            label = "".join(self._link_text).strip()
            if self._href not in label and self._href.removeprefix("mailto:") not in label:
                self.parts.append(f" ({self._href})")
            self._href = None

    def handle_data(self, data: str) -> None:
        if self._skip_depth:
            return
        if self._href is not None:
            self._link_text.append(data)
        if self._quote_depth:
            # keep quoted history recognisable to split_quoted(), like a plain-text client would
            data = data.replace("\n", "\n> ")
            if not self.parts or self.parts[-1].endswith("\n"):
                data = "> " + data
        self.parts.append(data)


def html_to_text(html: str) -> str:
    """Readable plain text from HTML: block elements become lines, links keep their target, scripts vanish."""
    extractor = _TextExtractor()
    try:
        extractor.feed(html)
        extractor.close()
    except Exception:  # noqa: BLE001 - HTMLParser is lenient; this is belt and braces for pathological input
        return re.sub(r"<[^>]*>", " ", html)
    text = "".join(extractor.parts).replace("\xa0", " ")
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines()]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
