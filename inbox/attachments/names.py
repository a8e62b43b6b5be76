"""File names from customers are display text only (bodies are stored by hash), but they still reach a browser's
save dialog and the agent's screen: cut them to a plain last path component without control characters."""
from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

MAX_NAME = 150
_UNSAFE = re.compile(r"[\x00-\x1f\x7f\"*:<>?|]")


def safe_name(name: str | None, fallback: str = "file") -> str:
    value = unicodedata.normalize("NFC", name or "")
    value = value.replace("\\", "/").rsplit("/", 1)[-1]
    value = _UNSAFE.sub("_", value).strip(" .")
    # Bidirectional controls are kept: the thread view shows them as marks and flags the name (inbox.ui bidi.js).
    if len(value) > MAX_NAME:
        stem, dot, ext = value.rpartition(".")
        value = (stem[: MAX_NAME - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else value[:MAX_NAME]
    return value or fallback


def content_disposition(kind: str, name: str) -> str:
    """RFC 6266: an ASCII fallback plus the UTF-8 name (Chinese file names are common). Bidirectional controls are
    dropped here: a save dialog would show "invoice<RLO>fdp.exe" as "invoiceexe.pdf"."""
    name = "".join(ch for ch in name if unicodedata.category(ch) != "Cf") or "file"
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_")
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
