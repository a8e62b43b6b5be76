"""Every interface string exists in English and Chinese, and every literal key the scripts use is defined."""
from __future__ import annotations

import re
from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "inbox" / "ui" / "static"


def _tables() -> tuple[set[str], set[str]]:
    """Both languages' keys over every strings file (strings.js; strings_contacts.js with EN_MORE / ZH_MORE)."""
    english: set[str] = set()
    chinese: set[str] = set()
    for name, marker in (("strings.js", "export const ZH"), ("strings_contacts.js", "export const ZH_MORE"),
                         ("strings_classifier.js", "export const ZH_CLASSIFIER"),
                         ("strings_sla.js", "export const ZH_SLA")):
        source = (STATIC / "js" / name).read_text(encoding="utf-8")
        en_part, zh_part = source.split(marker)
        english |= set(re.findall(r'"([\w.]+)":', en_part))
        chinese |= set(re.findall(r'"([\w.]+)":', zh_part))
    return english, chinese


def test_both_languages_have_the_same_keys() -> None:
    english, chinese = _tables()
    assert len(english) > 150
    assert english - chinese == set(), "missing in Chinese"
    assert chinese - english == set(), "missing in English"


def test_every_literal_key_used_is_defined() -> None:
    english, _ = _tables()
    used: set[str] = set()
    for script in (STATIC / "js").glob("*.js"):
        text = script.read_text(encoding="utf-8")
        used |= set(re.findall(r'\bt\("([\w.]+)"', text))
        used |= set(re.findall(r'\btn\("([\w.]+)"', text))
        used |= set(re.findall(r'\["[^"]+", "((?:keys)\.\w+)"\]', text))  # the shortcut table
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    used |= set(re.findall(r'data-i18n="([\w.]+)"', html))
    assert len(used) > 100
    assert used - english == set()


def test_pages_have_no_inline_script_or_handlers() -> None:
    """The app's CSP (script-src 'self') would block them: everything runs from the module files."""
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    assert re.findall(r"<script(?![^>]*\bsrc=)", html) == []
    assert re.findall(r"\son\w+=", html) == []
    for script in (STATIC / "js").glob("*.js"):
        assert ".innerHTML" not in script.read_text(encoding="utf-8"), script.name  # untrusted text: textContent
