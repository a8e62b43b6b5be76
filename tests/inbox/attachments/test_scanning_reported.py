"""Image scanning is never silently skipped: /healthz and `inbox check-config` say whether it is on, and why not."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from routing.images import availability as availability_module
from routing.images import worker
from tests.inbox.appserver import running, settings_for


def _check_config(tmp_path: Path, path: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": path, "INBOX_DATA_DIR": str(tmp_path)}
    return subprocess.run([sys.executable, "-m", "inbox.cli", "check-config"], capture_output=True, text=True,
                          cwd=tmp_path, env=env, timeout=120)


def test_check_config_says_image_scanning_is_off_without_tesseract(tmp_path: Path) -> None:
    result = _check_config(tmp_path, str(Path(sys.executable).parent))  # a PATH with no tesseract on it
    assert result.returncode == 0, result.stderr
    assert "image scanning: partial (OCR off; QR on)" in result.stdout
    assert "tesseract not found" in result.stderr and "tesseract-ocr-chi-sim" in result.stderr


def test_check_config_says_on_when_tesseract_has_the_languages(tmp_path: Path) -> None:
    found = availability_module.availability()
    if not found.ocr:
        from tests.conftest import missing_peer

        missing_peer("Tesseract")
    result = _check_config(tmp_path, os.environ.get("PATH", ""))
    assert "image scanning: on (OCR on: eng+chi_sim+chi_tra; QR on)" in result.stdout, result.stdout + result.stderr


async def test_healthz_reports_image_scanning(tmp_path: Path, monkeypatch) -> None:
    off = availability_module.ScanAvailability(False, False, (), ("tesseract not found",))
    monkeypatch.setattr(worker, "availability", lambda: off)
    async with running(settings_for(f"sqlite+aiosqlite:///{tmp_path}/inbox.db")) as (_server, http):
        async with http.get("/healthz") as r:
            body = await r.json()
    assert body["image_scanning"]["state"] == "off"
    assert body["image_scanning"]["problems"] == ["tesseract not found"]
