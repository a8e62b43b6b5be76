"""One image in, what the guard needs out: the kinds of sensitive data it shows and, when any must be masked, a
redacted copy with those words (or that QR code) blacked out. Pure and CPU-bound: it runs in the worker process.

Text read from the image goes through the same detector as message text (routing.sensitive). Backup screens lay
the phrase out in a numbered grid that OCR reads row by row or column by column; the words are also put back in
their numbered order, so the BIP-39 checksum sees the phrase as written.
"""
from __future__ import annotations

import io
import re
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from routing.images.layout import has_context, longest_listed_run, numbered_entries, phrase_boxes
from routing.images.ocr import Word, ocr_words

MAX_EDGE = 2400  # larger images are scaled down for reading: text a phone shows stays readable at this size
MAX_PIXELS = 50_000_000  # beyond this an image is refused as a decompression bomb
_PAD = 4
_NUMBERED = re.compile(r"^[#(]?(\d{1,2})[.):、,]?(.*)$")
SEED_LENGTHS = (12, 15, 18, 21, 24)
PSM = 6  # one uniform block: a grid of words is read row by row, the order the numbers run on most screens


@dataclass(frozen=True)
class ImageScan:
    found: tuple[tuple[str, str], ...]  # (kind, tier) for each finding, in reading order
    redacted: bytes | None = field(default=None, repr=False)  # the image with masked kinds blacked out
    masked: tuple[str, ...] = ()  # kinds blacked out in `redacted`
    words: int = 0
    codes: int = 0
    seconds: float = 0.0
    error: str | None = None  # the image could not be read (not an image, too large, Tesseract failed)


@dataclass(frozen=True, slots=True)
class _Reading:
    text: str
    spans: tuple[tuple[int, int, tuple[int, int, int, int]], ...]  # (start, end, box) of each word in `text`


def _cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def _lines(words: Sequence[Word]) -> _Reading:
    """Words as text: a line per OCR line; Chinese characters side by side are joined (Tesseract puts a space
    between most of them, which would make prose look like a list of separate words)."""
    parts: list[str] = []
    spans = []
    pos = 0
    previous: Word | None = None
    for word in words:
        if previous is not None:
            if word.line != previous.line:
                sep = "\n"
            else:
                sep = "" if _cjk(previous.text[-1]) and _cjk(word.text[0]) else " "
            parts.append(sep)
            pos += len(sep)
        parts.append(word.text)
        spans.append((pos, pos + len(word.text), word.box))
        pos += len(word.text)
        previous = word
    return _Reading("".join(parts), tuple(spans))


def _numbered(words: Sequence[Word]) -> _Reading | None:
    """Words that follow "1", "2." … "24" put in number order ("1 much 2 under" read column-wise included)."""
    by_number: dict[int, Word] = {}
    for i, word in enumerate(words):
        match = _NUMBERED.match(word.text)
        if not match:
            continue
        number, glued = int(match.group(1)), match.group(2)
        if glued.isalpha():
            by_number.setdefault(number, Word(glued, word.box, word.line))
        elif not glued and i + 1 < len(words) and words[i + 1].line == word.line \
                and not _NUMBERED.match(words[i + 1].text):
            by_number.setdefault(number, words[i + 1])
    count = 0
    while count + 1 in by_number:
        count += 1
    if count < SEED_LENGTHS[0]:
        return None
    return _lines([Word(by_number[n].text, by_number[n].box, (0, 0, 0)) for n in range(1, count + 1)])


def _boxes_of(reading: _Reading, start: int, end: int) -> list[tuple[int, int, int, int]]:
    return [box for s, e, box in reading.spans if s < end and e > start]


def scan_image(data: bytes, languages: tuple[str, ...], mask_kinds: Collection[str],
               detect, qr: bool = True) -> ImageScan:  # noqa: ANN001 - detect: str -> list[Finding]
    from PIL import Image, ImageOps

    started = time.perf_counter()
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as opened:
            fmt = opened.format
            if opened.width * opened.height > MAX_PIXELS:
                return ImageScan((), error="image too large to read")
            image = ImageOps.exif_transpose(opened).convert("RGB")
    except Exception as error:  # noqa: BLE001 - whatever Pillow cannot decode is not an image we can read
        return ImageScan((), error=f"not a readable image ({type(error).__name__})")
    scale = min(1.0, MAX_EDGE / max(image.size))
    view = image if scale == 1.0 else image.resize((round(image.width * scale), round(image.height * scale)))
    found: list[tuple[str, str]] = []
    boxes: list[tuple[int, int, int, int]] = []
    masked: list[str] = []

    def take(text: str, reading: _Reading | None, box: tuple[int, int, int, int] | None) -> None:
        for finding in detect(text):
            found.append((finding.kind, finding.tier))
            if finding.kind in mask_kinds:
                masked.append(finding.kind)
                boxes.extend(_boxes_of(reading, finding.start, finding.end) if reading else [box] if box else [])

    codes = 0
    if qr:
        import zxingcpp

        for code in zxingcpp.read_barcodes(view):
            codes += 1
            p = code.position
            xs = [p.top_left.x, p.top_right.x, p.bottom_left.x, p.bottom_right.x]
            ys = [p.top_left.y, p.top_right.y, p.bottom_left.y, p.bottom_right.y]
            margin = max(8, (max(xs) - min(xs)) // 8)  # the quiet zone: a cropped code can still be decoded
            take(code.text, None, (min(xs) - margin, min(ys) - margin, max(xs) + margin, max(ys) + margin))
    read = 0
    if languages:
        out = io.BytesIO()
        ImageOps.autocontrast(view.convert("L")).save(out, "PNG", compress_level=1)
        png = out.getvalue()
        for passes, pass_languages in enumerate(_passes(languages)):
            if any(tier == "secret" for _, tier in found):
                break  # found already: the image is redacted either way
            try:
                words = ocr_words(png, pass_languages, psm=PSM)
            except Exception as error:  # noqa: BLE001 - reported on the attachment; QR results still count
                return _finish(image, fmt, found, masked, boxes, scale, codes, read, started, f"OCR failed: {error}")
            read += len(words)
            reading = _lines(words)
            take(reading.text, reading, None)
            ordered = _numbered(words)
            if ordered is not None:
                take(ordered.text, ordered, None)
            listed = phrase_boxes(words, reading.text)
            if listed is not None and not any(kind == "seed_phrase" for kind, _ in found):
                found.append(("seed_phrase", "secret"))
                if "seed_phrase" in mask_kinds:
                    masked.append("seed_phrase")
                    boxes.extend(listed)
            if passes == 0 and not _may_be_chinese(reading.text, words):
                break
            if passes == 1 and not _worth_another_script(reading.text, words):
                break  # Chinese prose, a receipt: the other script's pass would only cost time
    return _finish(image, fmt, found, masked, boxes, scale, codes, read, started, None)


def _passes(languages: tuple[str, ...]) -> list[tuple[str, ...]]:
    """English first (fast, and most pictures); then each Chinese script alone: Tesseract reads single Chinese
    characters markedly worse when the scripts (or English) are mixed in one pass."""
    first = ("eng",) if "eng" in languages else languages[:1]
    return [first, *[(lang,) for lang in languages if lang not in first]]


def _worth_another_script(text: str, words: Sequence[Word]) -> bool:
    """After the first Chinese pass: does anything look like a phrase the other script might read better?"""
    return has_context(text) or len(numbered_entries(words)) >= 6 or len(longest_listed_run(words)) >= 8


def _may_be_chinese(text: str, words: Sequence[Word]) -> bool:
    """English OCR of Chinese gives short junk tokens; a page of real English words needs no Chinese pass."""
    tokens = [w.text for w in words]
    if not tokens:
        return True
    wordlike = sum(1 for t in tokens if len(t) >= 3 and t.isalpha() and t.isascii())
    return wordlike < 0.6 * len(tokens)


def _finish(image, fmt, found, masked, boxes, scale, codes, words, started, error) -> ImageScan:  # noqa: ANN001
    redacted = None
    if boxes:
        from PIL import ImageDraw

        draw = ImageDraw.Draw(image)
        for left, top, right, bottom in boxes:
            draw.rectangle((left / scale - _PAD, top / scale - _PAD, right / scale + _PAD, bottom / scale + _PAD),
                           fill="black")
        out = io.BytesIO()
        # Re-encoded from pixels: no EXIF, no trailing bytes of the original survive.
        image.save(out, "JPEG" if fmt == "JPEG" else "PNG", quality=90)
        redacted = out.getvalue()
    unique = tuple(dict.fromkeys(found))
    return ImageScan(unique, redacted, tuple(dict.fromkeys(masked)), words, codes,
                     time.perf_counter() - started, error)
