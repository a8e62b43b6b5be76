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

from routing.images.ocr import Word, ocr_words

MAX_EDGE = 2400  # larger images are scaled down for reading: text a phone shows stays readable at this size
MAX_PIXELS = 50_000_000  # beyond this an image is refused as a decompression bomb
_PAD = 4
_NUMBERED = re.compile(r"^[#(]?(\d{1,2})[.):、,]?(.*)$")
SEED_LENGTHS = (12, 15, 18, 21, 24)


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


def _lines(words: Sequence[Word]) -> _Reading:
    parts: list[str] = []
    spans = []
    pos = 0
    previous = None
    for word in words:
        if previous is not None:
            sep = " " if word.line == previous else "\n"
            parts.append(sep)
            pos += 1
        parts.append(word.text)
        spans.append((pos, pos + len(word.text), word.box))
        pos += len(word.text)
        previous = word.line
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
    from PIL import Image, ImageDraw, ImageOps

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
    words: list[Word] = []
    if languages:
        out = io.BytesIO()
        view.convert("L").save(out, "PNG", compress_level=1)
        try:
            words = ocr_words(out.getvalue(), languages)
        except Exception as error:  # noqa: BLE001 - reported on the attachment; QR results still count
            return _finish(image, fmt, found, masked, boxes, scale, codes, 0, started, f"OCR failed: {error}")
        reading = _lines(words)
        take(reading.text, reading, None)
        ordered = _numbered(words)
        if ordered is not None:
            take(ordered.text, ordered, None)
    return _finish(image, fmt, found, masked, boxes, scale, codes, len(words), started, None)


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
