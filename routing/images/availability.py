"""Whether image scanning can run here, and why not: reported in /healthz and `inbox check-config`, so a machine
without Tesseract says "image scanning off" instead of passing images through unread."""
from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache

OCR_LANGUAGES = ("eng", "chi_sim", "chi_tra")
DEBIAN_PACKAGES = "tesseract-ocr tesseract-ocr-eng tesseract-ocr-chi-sim tesseract-ocr-chi-tra"


@dataclass(frozen=True)
class ScanAvailability:
    ocr: bool
    qr: bool
    languages: tuple[str, ...]
    problems: tuple[str, ...]

    @property
    def state(self) -> str:
        return "on" if self.ocr and self.qr else "partial" if self.ocr or self.qr else "off"

    def as_json(self) -> dict[str, object]:
        return {"state": self.state, "ocr": "on" if self.ocr else "off", "qr": "on" if self.qr else "off",
                "languages": list(self.languages), "problems": list(self.problems)}


@lru_cache(maxsize=1)
def availability() -> ScanAvailability:
    problems: list[str] = []
    try:
        import PIL  # noqa: F401
    except ImportError:
        return ScanAvailability(False, False, (), ("Pillow is not installed (pip install pillow)",))
    languages: tuple[str, ...] = ()
    binary = shutil.which("tesseract")
    if binary is None:
        problems.append(f"tesseract not found: OCR off (Debian: apt-get install {DEBIAN_PACKAGES})")
    else:
        try:
            listed = subprocess.run([binary, "--list-langs"], capture_output=True, text=True, timeout=20).stdout
            found = set(listed.split()[1:] if listed else ())
            languages = tuple(lang for lang in OCR_LANGUAGES if lang in found)
        except (OSError, subprocess.SubprocessError) as error:
            problems.append(f"tesseract does not run: {error}")
        missing = [lang for lang in OCR_LANGUAGES if lang not in languages]
        if missing and binary:
            problems.append("tesseract language data missing: " + ", ".join(missing))
    try:
        import zxingcpp  # noqa: F401
        qr = True
    except ImportError:
        qr = False
        problems.append("zxing-cpp is not installed: QR decoding off (pip install zxing-cpp)")
    return ScanAvailability(bool(languages) and "eng" in languages, qr, languages, tuple(problems))
