"""Turning mail bytes into text whatever charset the sender declared (or didn't, or declared wrongly).

Chinese mail clients often label GBK/GB18030 text as gb2312 and Big5-HKSCS text as big5; decoding with the
superset codec reads both correctly, so declared names are widened before use.
"""
from __future__ import annotations

import codecs
import email.errors
import email.header
import re

# declared name -> the codec that decodes everything senders actually put under that label
_WIDER = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "hz-gb-2312": "hz",
    "big5": "big5hkscs",
    "x-big5": "big5hkscs",
    "cn-big5": "big5hkscs",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "iso-8859-1": "cp1252",  # windows-1252 is what "latin-1" mail really is
    "latin1": "cp1252",
    "us-ascii": "utf-8",  # undeclared 8-bit text is mostly UTF-8; a wrong guess falls through below
    "ascii": "utf-8",
    "unknown-8bit": "utf-8",
    "x-unknown": "utf-8",
    "iso-2022-jp": "iso2022_jp_ext",
    "shift_jis": "cp932",
    "sjis": "cp932",
}



def codec_for(declared: str | None) -> str | None:
    """The Python codec to use for a declared charset name, or None if unknown."""
    if not declared:
        return None
    name = declared.strip().strip('"').lower()
    name = _WIDER.get(name, name)
    try:
        return codecs.lookup(name).name
    except (LookupError, ValueError):  # ValueError: a NUL inside a mangled charset name
        return None


# Very common characters in simplified and traditional Chinese (support mail vocabulary included). Undeclared
# GBK and Big5 bytes both decode "cleanly" as either codec, so the reading that yields more real words wins.
_COMMON_HANZI = frozenset(
    "的一是不了人我在有他这个们中来上大为和国地到以说时要就出会可也你对生能而子那得于着下自之年过发后作里"
    "用道行所然家种事成方多经么去法学如都同现当没动面起看定天分还进好小部其些主样理心她本前开但因只从想实"
    "們個這來為說時對會過後還進點現當沒麼問題帳戶錢請謝處理號碼轉賬提現充值到賬帐户钱请谢处号码转账提现充值"
)


def _chinese_score(text: str) -> int:
    return sum(1 for ch in text if ch in _COMMON_HANZI)


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or "\U00020000" <= ch <= "\U0003134f"


def _clearly_chinese(text: str) -> bool:
    """Whether a strict GB18030/Big5 reading looks like real Chinese, not bytes of another language that happen
    to pair up (UTF-8 Cyrillic read as GB18030 gives 袩褉芯褎; Latin-1 "ç" + "ã" gives 玢): real Chinese text is
    dense in the commonest characters, a mis-reading almost never hits them."""
    non_ascii = [ch for ch in text if ord(ch) > 0x7F and not ch.isspace()]
    if not non_ascii:
        return False
    common = _chinese_score(text)
    cjk = sum(1 for ch in non_ascii if _is_cjk(ch))
    # Chinese punctuation (，。！？：) and full-width forms are part of real Chinese text
    punctuation = sum(1 for ch in non_ascii if "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef")
    if cjk + punctuation < 0.9 * len(non_ascii):
        return False
    return common >= 1 and common >= 0.25 * cjk


# labels that say nothing about 8-bit text: treated as undeclared
_UNINFORMATIVE = {"us-ascii", "ascii", "unknown-8bit", "x-unknown"}
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def decode_bytes(data: bytes, declared: str | None = None) -> str:
    """Decode `data`: the declared charset if it decodes cleanly; else a Chinese reading if one is clearly right;
    else the declared charset with U+FFFD for the damaged bytes (one bad byte must not turn a whole Russian mail
    into Chinese); undeclared 8-bit text that is not UTF-8 is read as windows-1252.

    Never raises.
    """
    informative = bool(declared) and declared.strip().strip('"').lower() not in _UNINFORMATIVE
    declared_codec = codec_for(declared) if informative else None
    if declared_codec is not None:
        try:
            return data.decode(declared_codec)
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    chinese: list[str] = []
    for codec in ("gb18030", "big5hkscs"):
        if codec == declared_codec:
            continue
        try:
            reading = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if _clearly_chinese(reading):
            chinese.append(reading)
    if chinese:
        return max(chinese, key=_chinese_score)  # ties keep gb18030: most of our customers write simplified
    if declared_codec is not None and not (declared_codec == "utf-8" and not _UTF8_MULTIBYTE.search(data)):
        return data.decode(declared_codec, errors="replace")
    # undeclared, or labelled UTF-8 without a single UTF-8 sequence in it: legacy 8-bit text (Latin-1 / cp1252)
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace")


_SURROGATES = re.compile(r"[\udc80-\udcff]")
_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")


def decode_header_value(value: str | None) -> str:
    """A raw header value (possibly RFC 2047 encoded, possibly raw 8-bit) -> clean unfolded text."""
    if value is None:
        return ""
    value = str(value)
    if _SURROGATES.search(value):
        # raw 8-bit bytes in a header: the parser kept them as surrogate escapes
        value = decode_bytes(value.encode("utf-8", errors="surrogateescape"))
    value = re.sub(r"\r?\n[ \t]+", " ", value)
    if not _ENCODED_WORD.search(value):
        return value.strip()
    try:
        parts = email.header.decode_header(value)
    except (email.errors.HeaderParseError, ValueError):
        return value.strip()
    out: list[str] = []
    for chunk, charset in parts:
        if isinstance(chunk, bytes):
            out.append(decode_bytes(chunk, charset))
        else:
            out.append(chunk)
    return "".join(out).strip()


def strip_controls(text: str) -> str:
    """Drop NULs and other C0 controls (except tab/newline) that would break storage or display."""
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text)
