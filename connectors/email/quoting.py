"""Folding quoted earlier replies for display. The stored text stays complete; this only says where the
customer's new words end and the quoted history begins."""
from __future__ import annotations

import re

# A line that starts the quoted history: attribution lines of common clients (English and Chinese),
# Outlook/Foxmail/QQ/163 header blocks, and forwarded-message separators.
_ATTRIBUTION = re.compile(
    r"""^\s*(?:
        On\s.{1,200}?\swrote:\s*$                               # Gmail / Apple / Thunderbird
      | 在\s?.{1,200}?(?:写道|寫道)\s*[:：]\s*$                   # Chinese Gmail / Apple Mail
      | -{2,}\s*(?:Original\sMessage|Forwarded\smessage|原始邮件|原始郵件|转发的邮件|轉寄郵件)\s*-{2,}\s*$
      | (?:From|发件人|發件人|寄件者)\s*[:：]\s*.+$              # Outlook / Foxmail / QQ header block
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_HEADER_BLOCK_START = re.compile(r"^\s*(?:From|发件人|發件人|寄件者)\s*[:：]", re.IGNORECASE)
_HEADER_BLOCK_NEXT = re.compile(
    r"^\s*(?:Sent|Date|To|Subject|Cc|发送时间|發送時間|日期|时间|收件人|主题|主旨|抄送)\s*[:：]", re.IGNORECASE
)


def _is_header_block(lines: list[str], index: int) -> bool:
    """A 'From:' line only starts quoted history when followed by more header-like lines (Outlook style)."""
    following = [line for line in lines[index + 1 : index + 5] if line.strip()]
    return sum(1 for line in following if _HEADER_BLOCK_NEXT.match(line)) >= 2


def split_quoted(text: str) -> tuple[str, str]:
    """Split a plain-text body into (new part, quoted part); quoted part is "" when there is none.

    `new + quoted` loses nothing but the whitespace at the seam. If the whole body looks quoted (a bare
    forward), everything is returned as new so the agent never sees an empty message.
    """
    lines = text.splitlines()
    cut: int | None = None
    for index, line in enumerate(lines):
        if _ATTRIBUTION.match(line):
            if _HEADER_BLOCK_START.match(line) and not _is_header_block(lines, index):
                continue
            cut = index
            break
        if line.lstrip().startswith(">") and all(
            not rest.strip() or rest.lstrip().startswith(">") or _ATTRIBUTION.match(rest)
            for rest in lines[index:]
        ):
            cut = index
            break
    if cut is None:
        return text.strip(), ""
    # an attribution wrapped over two lines ("On Mon, ... <a@b>\nwrote:") starts one line earlier
    if cut > 0 and lines[cut].strip().lower().startswith("wrote:"):
        cut -= 1
    new = "\n".join(lines[:cut]).strip()
    quoted = "\n".join(lines[cut:]).strip()
    if not new:
        return text.strip(), ""
    return new, quoted
