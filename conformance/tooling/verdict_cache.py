"""Verdicts kept between runs, under the user's cache folder, keyed by a digest of every input.

An entry is one JSON file named after its key, holding the payload and a SHA-256 of it. The
caller's key must cover everything the verdict depends on (a changed input is a new key, so a
miss); this module makes sure that what is read back is exactly what was written:

- written to a temporary file in the same folder, then renamed over the entry: a reader sees
  the old entry, the new one or none, never half of one; two runs writing the same key write
  the same text, so the last rename wins harmlessly (no lock needed);
- read back only if it parses, names its own key and its payload matches its digest: anything
  else (truncated, edited, another format) is ignored, i.e. a miss, and replaced by the next put;
- a cache folder that cannot be written only makes every run a cold one.

`BBWS_CONFORMANCE_CACHE_DIR` moves the folder (tests point it at a temporary one) or, set to
`off`, disables the cache; otherwise it is `$XDG_CACHE_HOME/bbws-conformance` (`~/.cache/...`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

CACHE_ENV = "BBWS_CONFORMANCE_CACHE_DIR"
DISABLED = "off"
APP = "bbws-conformance"
FORMAT = 1
MAX_ENTRIES = 2000  # beyond this the least recently used are removed (each entry is a few KiB)


def user_cache_dir() -> Path | None:
    """The project's folder under the user's cache folder, or None when the cache is turned off."""
    configured = os.environ.get(CACHE_ENV, "").strip()
    if configured == DISABLED:
        return None
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(base) if base else Path.home() / ".cache") / APP


def payload_digest(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=True).encode()).hexdigest()


class VerdictCache:
    """JSON payloads by key in one folder; see the module docstring for the guarantees."""

    def __init__(self, folder: Path, max_entries: int = MAX_ENTRIES) -> None:
        self.folder = folder
        self.max_entries = max_entries

    def path(self, key: str) -> Path:
        if not key or not all(c in "0123456789abcdef" for c in key):
            raise ValueError(f"a cache key is a lowercase hex digest, found {key!r}")
        return self.folder / f"{key}.json"

    def get(self, key: str) -> Any | None:
        """The payload stored under `key`, or None (absent, unreadable or not intact)."""
        path = self.path(key)
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError):
            return None
        if not isinstance(entry, dict) or entry.get("format") != FORMAT or entry.get("key") != key:
            return None
        payload = entry.get("payload")
        if payload is None or entry.get("sha256") != payload_digest(payload):
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: kept when the folder is pruned
        return payload

    def put(self, key: str, payload: Any) -> bool:
        """Store `payload` under `key` atomically; False when the folder cannot be written."""
        path = self.path(key)
        entry = {"format": FORMAT, "key": key, "sha256": payload_digest(payload), "payload": payload}
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=f".{key[:16]}.", suffix=".tmp", dir=self.folder)
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as stream:
                    json.dump(entry, stream, sort_keys=True)
                os.replace(temporary, path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError:
            return False
        self.prune()
        return True

    def prune(self) -> None:
        """Keep the folder bounded: past `max_entries`, remove the least recently used entries."""
        try:
            entries = list(self.folder.glob("*.json"))
            if len(entries) <= self.max_entries:
                return
            entries.sort(key=lambda p: p.stat().st_mtime_ns)
            for stale in entries[: len(entries) - self.max_entries * 3 // 4]:
                stale.unlink(missing_ok=True)
        except OSError:
            pass  # another run pruning at the same time: whatever is left is still valid
