"""Tesseract through its command line, image on stdin and TSV on stdout.

Not pytesseract: it writes the image to a temporary file for the CLI, and an image that turns out to hold a recovery
phrase must never touch the disk. TSV gives each word with its box, which the redaction needs.
"""
from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass

TIMEOUT_SECONDS = 20
# One thread per call: the worker is one process on one core; Tesseract's OpenMP threads only contend there.
_ENV = {**os.environ, "OMP_THREAD_LIMIT": "1"}


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    box: tuple[int, int, int, int]  # left, top, right, bottom in the scanned image's pixels
    line: tuple[int, int, int]  # (block, paragraph, line): words of one line share it


def ocr_words(png: bytes, languages: tuple[str, ...], psm: int = 3) -> list[Word]:
    """Words Tesseract reads in a PNG (empty ones and non-words dropped). Raises on a Tesseract failure."""
    done = subprocess.run(
        ["tesseract", "stdin", "stdout", "-l", "+".join(languages), "--psm", str(psm), "tsv"],
        input=png, capture_output=True, timeout=TIMEOUT_SECONDS, env=_ENV, check=False,
    )
    if done.returncode != 0:
        raise RuntimeError("tesseract failed: " + done.stderr.decode("utf-8", "replace")[-300:])
    words: list[Word] = []
    for row in done.stdout.decode("utf-8", "replace").splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5" or not cols[11].strip():
            continue
        left, top, width, height = (int(c) for c in cols[6:10])
        words.append(Word(cols[11].strip(), (left, top, left + width, top + height),
                          (int(cols[2]), int(cols[3]), int(cols[4]))))
    return words
