"""Where one token cache is kept: its name in the OS keyring and the folder of its files.

Shared by every token cache store (`graphsync.auth.keyring_store`, `graphsync.auth.file_store`) and by
`graphsync.auth.cache_store`, which chooses among them; kept apart so that none of them imports another.
"""

from __future__ import annotations

import hashlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

KEYRING_SERVICE = "graphsync"
"""The keyring service every secret graphsync keeps is filed under."""


@dataclass(frozen=True)
class CacheLocation:
    """Names one token cache: ``name`` keys it in the keyring, ``directory`` holds its files."""

    name: str
    directory: Path

    @property
    def file_stem(self) -> str:
        # The name holds a URL or a tenant; a hash keeps the file name portable and short.
        return "token-cache-" + hashlib.sha256(self.name.encode()).hexdigest()[:16]


def default_directory() -> Path:
    """``$GRAPHSYNC_STATE_DIR``, else the platform's per-user state folder."""
    explicit = os.environ.get("GRAPHSYNC_STATE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local")) / "graphsync"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "graphsync"
    return Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state") / "graphsync"
