"""Thumbnails for the thread view (Pillow). Always re-encoded: a thumbnail never carries the original's bytes,
metadata (EXIF GPS) or any trailing payload."""
from __future__ import annotations

import io

THUMB_EDGE = 320
MAX_PIXELS = 50_000_000  # refuse decompression bombs: a 1 KB file claiming 100 000 x 100 000 pixels


def thumbnail(data: bytes, edge: int = THUMB_EDGE) -> bytes | None:
    """A PNG or JPEG no larger than edge x edge, or None when the bytes are not an image Pillow reads safely."""
    try:
        from PIL import Image, ImageOps
    except ImportError:
        return None
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_PIXELS:
                return None
            image = ImageOps.exif_transpose(image)
            image.thumbnail((edge, edge))
            has_alpha = image.mode in ("RGBA", "LA", "P")
            image = image.convert("RGBA" if has_alpha else "RGB")
            out = io.BytesIO()
            image.save(out, "PNG" if has_alpha else "JPEG", quality=80)
            return out.getvalue()
    except Exception:  # noqa: BLE001 - any undecodable or hostile image: no thumbnail, the file stays downloadable
        return None
