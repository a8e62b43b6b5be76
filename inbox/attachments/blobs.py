"""Attachment bodies, stored once by content hash behind a small interface.

`LocalBlobStore` (the default) keeps them in `<data dir>/blobs/ab/cd/<sha256>`; an object store (S3, MinIO) only has
to implement `BlobStore`. Messages name a body by its SHA-256 (`attachments[].blob`); the name is the only thing a
caller passes in, and it is checked to be 64 hex digits before it becomes a path, so no name reaches the disk.
"""
from __future__ import annotations

import asyncio
import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

_DIGEST = re.compile(r"[0-9a-f]{64}")


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def valid_digest(digest: str) -> bool:
    return bool(_DIGEST.fullmatch(digest))


class BlobStore(Protocol):
    async def put(self, data: bytes) -> str:
        """Store `data` (once: the same bytes again cost nothing); returns its SHA-256 hex digest."""
        ...

    async def get(self, digest: str) -> bytes | None:
        """The bytes stored under `digest`, or None (unknown or malformed digest)."""
        ...

    def describe(self) -> str: ...


class LocalBlobStore:
    """Files in a directory. Writes go to a temporary file then an atomic rename: a reader never sees half a body,
    and two writers of the same body leave one file. File I/O runs in a thread, off the event loop."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def describe(self) -> str:
        return f"local directory {self.root}"

    def path_for(self, digest: str) -> Path:
        if not valid_digest(digest):
            raise ValueError("not a SHA-256 hex digest")
        return self.root / digest[:2] / digest[2:4] / digest

    async def put(self, data: bytes) -> str:
        digest = digest_of(data)
        await asyncio.to_thread(self._write, digest, data)
        return digest

    async def get(self, digest: str) -> bytes | None:
        if not valid_digest(digest):
            return None
        return await asyncio.to_thread(self._read, digest)

    def _write(self, digest: str, data: bytes) -> None:
        target = self.path_for(digest)
        if target.exists():
            return
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _read(self, digest: str) -> bytes | None:
        try:
            return self.path_for(digest).read_bytes()
        except FileNotFoundError:
            return None
