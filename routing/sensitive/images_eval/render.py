"""Images of the kind customers send, drawn with Pillow and the fonts Debian ships (fonts-dejavu, fonts-wqy-zenhei;
fonts-comic-neue and fonts-arphic-ukai for handwriting-like paper, DejaVu Serif Italic when those are missing).

The guard's evaluation set is *rendered*, not written by its rules: phrases come from the `mnemonic` package
(the BIP-39 reference wordlists, valid checksums), keys are encoded here from random bytes, and the pictures go
through what a phone camera does to paper (rotation, blur, noise, JPEG)."""
from __future__ import annotations

import hashlib
import io
import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

_FONTS = {
    "sans": ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"],
    "cjk": ["/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"],
    "hand": ["/usr/share/fonts/truetype/comic-neue/ComicNeue-Regular.ttf",
             "/usr/share/fonts/opentype/comic-neue/ComicNeue-Regular.otf",
             "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Italic.ttf"],
    "hand_cjk": ["/usr/share/fonts/truetype/arphic/ukai.ttc", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"],
}


def font(kind: str, size: int) -> ImageFont.FreeTypeFont:
    for path in _FONTS[kind]:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    raise FileNotFoundError(f"no {kind} font: install fonts-dejavu and fonts-wqy-zenhei")


def font_name(kind: str) -> str:
    return next((Path(p).name for p in _FONTS[kind] if Path(p).exists()), "none")


def encode(image: Image.Image, fmt: str = "PNG", quality: int = 85) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, fmt, quality=quality)
    return out.getvalue()


def backup_screen(words: list[str], *, cjk: bool, columns: int = 2, dark: bool = False,
                  title: str = "Back up your recovery phrase", numbered: bool = True) -> bytes:
    """A wallet app's "write down these words" screen, as a phone screenshot (1080 x 1920 PNG)."""
    bg, card, ink = ((18, 18, 24), (40, 40, 52), (235, 235, 240)) if dark else ((255, 255, 255), (243, 244, 246), (20, 20, 20))
    image = Image.new("RGB", (1080, 1920), bg)
    draw = ImageDraw.Draw(image)
    draw.text((70, 140), title, font=font("cjk" if cjk else "sans", 50), fill=ink)
    draw.text((70, 230), "请按顺序抄写助记词" if cjk else "Write these words down in order.",
              font=font("cjk" if cjk else "sans", 34), fill=(120, 120, 130))
    cell_w = (1080 - 120) // columns
    size = 46 if columns == 2 else 40
    word_font, number_font = font("cjk" if cjk else "sans", size), font("sans", size - 12)
    if not numbered:  # some wallets show the phrase as one wrapped paragraph
        line, y = "", 400
        for word in words:
            if draw.textlength(line + " " + word, font=word_font) > 920:
                draw.text((80, y), line.strip(), font=word_font, fill=ink)
                line, y = "", y + 90
            line += " " + word
        draw.text((80, y), line.strip(), font=word_font, fill=ink)
        return encode(image)
    rows = (len(words) + columns - 1) // columns
    for i, word in enumerate(words):
        col, row = i % columns, i // columns
        x, y = 60 + col * cell_w, 380 + row * (1400 // rows)
        draw.rounded_rectangle((x, y, x + cell_w - 24, y + min(100, 1400 // rows - 16)), 18, fill=card)
        draw.text((x + 24, y + 30), f"{i + 1}", font=number_font, fill=(130, 130, 140))
        draw.text((x + 24 + (70 if columns == 2 else 60), y + 22), word, font=word_font, fill=ink)
    return encode(image)


def paper_photo(words: list[str], *, cjk: bool, rng: random.Random, quality: int = 60) -> bytes:
    """The phrase written on paper and photographed: handwriting-like font, off-white paper, lines, rotation,
    blur, sensor noise and JPEG compression."""
    image = Image.new("RGB", (1400, 1000), (236 + rng.randint(-8, 8), 230, 214))
    draw = ImageDraw.Draw(image)
    for y in range(140, 1000, 80):
        draw.line((40, y, 1360, y), fill=(190, 200, 225), width=2)
    hand = font("hand_cjk" if cjk else "hand", 50 if cjk else 46)
    per_row = 4 if len(words) <= 12 else 6
    for i, word in enumerate(words):
        col, row = i % per_row, i // per_row
        x = 70 + col * (1280 // per_row) + rng.randint(-6, 6)
        y = 95 + row * 160 + rng.randint(-4, 4)
        draw.text((x, y), f"{i + 1}.{word}", font=hand, fill=(30, 40, 90 + rng.randint(0, 40)))
    image = image.rotate(rng.uniform(-4, 4), resample=Image.BICUBIC, expand=True, fillcolor=(60, 55, 50))
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 1.0)))
    noise = Image.effect_noise(image.size, rng.uniform(8, 16)).convert("RGB")
    image = Image.blend(image, noise, 0.08)
    return encode(image, "JPEG", quality)


def qr_image(payload: str, caption: str | None = None) -> bytes:
    import qrcode

    code = qrcode.make(payload, box_size=8, border=4).get_image().convert("RGB")
    if caption is None:
        return encode(code)
    canvas = Image.new("RGB", (max(code.width, 900), code.height + 120), "white")
    canvas.paste(code, ((canvas.width - code.width) // 2, 0))
    ImageDraw.Draw(canvas).text((40, code.height + 30), caption, font=font("sans", 36), fill="black")
    return encode(canvas)


def text_image(lines: list[str], *, cjk: bool = False, width: int = 1080, size: int = 38,
               header: str | None = None) -> bytes:
    height = 260 + len(lines) * (size + 26)
    image = Image.new("RGB", (width, max(height, 900)), "white")
    draw = ImageDraw.Draw(image)
    y = 80
    if header:
        draw.text((60, y), header, font=font("cjk" if cjk else "sans", size + 14), fill="black")
        y += size + 70
    for line in lines:
        draw.text((60, y), line, font=font("cjk" if cjk else "sans", size), fill=(40, 40, 40))
        y += size + 26
    return encode(image)


_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def base58check(payload: bytes) -> str:
    # Six lines here rather than a dependency used only to make evaluation keys.
    data = payload + hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
    number, out = int.from_bytes(data, "big"), ""
    while number:
        number, rest = divmod(number, 58)
        out = _B58[rest] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def wif(secret: bytes, compressed: bool = True) -> str:
    return base58check(b"\x80" + secret + (b"\x01" if compressed else b""))


def p2pkh_like(rng: random.Random) -> str:
    """A well-formed legacy address (version 0 + 20 random bytes): linkable, never secret."""
    return base58check(b"\x00" + rng.randbytes(20))
