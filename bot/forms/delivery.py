"""Rendered files waiting to be downloaded: written under .var/forms/<token>/<filename> with an
unguessable token (secrets.token_urlsafe, 192 bits) and an expiry (24 h by default).

Metadata lives in SQLite (.var/forms/files.db, sqlite-utils), table `files`:

    token        TEXT   the URL secret; one token per delivery (the PDF and the DOCX share it)
    filename     TEXT   ASCII file name, e.g. "don-de-nghi-cap-the-huong-dan-vien-du-lich.pdf"
    content_type TEXT   "application/pdf", ...
    size         INTEGER bytes
    created_at   REAL   Unix time
    expires_at   REAL   Unix time; after it the file is not served and `purge` deletes it
    owner        TEXT   the conversation the files were made for, hashed (`owner_key`), or NULL;
                        "xoá thông tin của tôi" in that conversation deletes them (`forget`)
    PRIMARY KEY (token, filename)

No personal data is stored in the table (the files themselves hold it, and they are deleted at
expiry or when the citizen asks). Nothing is kept in process memory: any replica sharing the
directory can serve a link.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable


from bot import paths
from bot.storage import database

DEFAULT_TTL = dt.timedelta(hours=24)
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{32}$")
FILENAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".png": "image/png",
}


def default_root() -> Path:
    return Path(os.environ.get("VHTTDL_FILES_DIR", paths.ROOT / ".var" / "forms"))


def default_ttl() -> dt.timedelta:
    hours = os.environ.get("VHTTDL_FILES_TTL_HOURS")
    return dt.timedelta(hours=float(hours)) if hours else DEFAULT_TTL


def owner_key(conversation_id: str) -> str:
    """The `owner` stored for a conversation: a hash, so the table holds no sender id."""
    return hashlib.sha256(f"files:{conversation_id}".encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class StoredFile:
    token: str
    filename: str
    content_type: str
    size: int
    expires_at: float

    def url(self, base_url: str) -> str:
        return f"{base_url.rstrip('/')}/files/{self.token}/{self.filename}"


class FileStore:
    """Write, find and expire downloadable files."""

    def __init__(self, root: Path | str | None = None, ttl: dt.timedelta | None = None):
        self.root = Path(root) if root else default_root()
        self.ttl = ttl or default_ttl()
        self.root.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            db["files"].create({"token": str, "filename": str, "content_type": str, "size": int,
                                "created_at": float, "expires_at": float},
                               pk=("token", "filename"), if_not_exists=True)
            db["files"].create_index(["expires_at"], if_not_exists=True)
            if "owner" not in db["files"].columns_dict:  # a files.db from before `forget`
                db["files"].add_column("owner", str)
            db["files"].create_index(["owner"], if_not_exists=True)

    def _db(self):
        return database(self.root / "files.db")

    def put(self, files: Iterable[tuple[str, bytes]], now: float | None = None,
            owner: str | None = None) -> list[StoredFile]:
        """Store files (name, content) under one new token; returns them with their expiry.
        `owner`: the conversation they are made for (its id; stored hashed)."""
        now = time.time() if now is None else now
        files = list(files)
        for name, _ in files:
            if not FILENAME_RE.match(name) or name == "files.db":
                raise ValueError(f"unsafe file name {name!r}")
        token = secrets.token_urlsafe(24)
        directory = self.root / token
        directory.mkdir(mode=0o700)
        stored = []
        for name, data in files:
            (directory / name).write_bytes(data)
            stored.append(StoredFile(token, name, content_type(name), len(data), now + self.ttl.total_seconds()))
        with self._db() as db:
            db["files"].insert_all([{"token": s.token, "filename": s.filename, "content_type": s.content_type,
                                     "size": s.size, "created_at": now, "expires_at": s.expires_at,
                                     "owner": owner_key(owner) if owner else None}
                                    for s in stored])
        return stored

    def forget(self, owner: str) -> int:
        """Delete every file made for this conversation (its id), expired or not; returns how
        many deliveries (tokens) went."""
        with self._db() as db:
            tokens = [r["token"] for r in db.query("SELECT DISTINCT token FROM files WHERE owner = ?", [owner_key(owner)])]
            for token in tokens:
                if TOKEN_RE.match(token):
                    shutil.rmtree(self.root / token, ignore_errors=True)
            db.execute("DELETE FROM files WHERE owner = ?", [owner_key(owner)])
        return len(tokens)

    def find(self, token: str, filename: str, now: float | None = None) -> tuple[Path, StoredFile] | None:
        """The file for a download link, or None when unknown, expired or malformed."""
        if not TOKEN_RE.match(token or "") or not FILENAME_RE.match(filename or ""):
            return None
        now = time.time() if now is None else now
        with self._db() as db:
            rows = list(db.query("SELECT * FROM files WHERE token = ? AND filename = ? AND expires_at > ?",
                                 [token, filename, now]))
        if not rows:
            return None
        path = (self.root / token / filename).resolve()
        if self.root.resolve() not in path.parents or not path.is_file():
            return None
        r = rows[0]
        return path, StoredFile(r["token"], r["filename"], r["content_type"], r["size"], r["expires_at"])

    def purge(self, now: float | None = None) -> int:
        """Delete expired files (and their rows); returns how many tokens were removed."""
        now = time.time() if now is None else now
        with self._db() as db:
            tokens = [r["token"] for r in db.query("SELECT DISTINCT token FROM files WHERE expires_at <= ?", [now])]
            for token in tokens:
                if TOKEN_RE.match(token):
                    shutil.rmtree(self.root / token, ignore_errors=True)
            db.execute("DELETE FROM files WHERE expires_at <= ?", [now])
        return len(tokens)


def content_type(filename: str) -> str:
    return CONTENT_TYPES.get(Path(filename).suffix.lower(), "application/octet-stream")
