from __future__ import annotations

import pytest

from routing.images.availability import availability
from tests.conftest import missing_peer


@pytest.fixture
def ocr_languages() -> tuple[str, ...]:
    """Tesseract with English and both Chinese scripts (scripts/test installs them); skipped without, failed in CI."""
    found = availability()
    if not found.ocr or len(found.languages) < 3 or not found.qr:
        missing_peer("Tesseract (eng, chi_sim, chi_tra) and zxing-cpp")
    return found.languages
