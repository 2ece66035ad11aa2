"""The token cache in a file: encrypted with a key kept in the OS keyring, or, only on explicit request,
in plain text.

The encrypted file suits caches too large or too many for a keyring and keeps the keyring entry tiny (one
Fernet key). Files are written to a temporary name and renamed, so a crash never leaves half a cache, and
are readable by their owner only.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import keyring.errors
from cryptography.fernet import Fernet, InvalidToken

from graphsync.auth import keyring_access
from graphsync.auth.cache_location import KEYRING_SERVICE, CacheLocation
from graphsync.errors import GraphAuthError, KeyringUnavailableError


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically, readable and writable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _remove(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


class PlaintextFileStore:
    """Tokens readable by anyone who can read the file: chosen only with --insecure-plaintext-token-cache."""

    def __init__(self, location: CacheLocation) -> None:
        self.path = location.directory / f"{location.file_stem}.insecure-plaintext.json"

    @property
    def description(self) -> str:
        return f"plain-text file {self.path} (insecure: anyone who can read it can act as you)"

    def load(self) -> str | None:
        try:
            return self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None

    def save(self, data: str) -> None:
        write_private(self.path, data.encode("utf-8"))

    def clear(self) -> bool:
        return _remove(self.path)


class EncryptedFileStore:
    def __init__(self, location: CacheLocation, *, service: str = KEYRING_SERVICE) -> None:
        self.path = location.directory / f"{location.file_stem}.encrypted"
        self._service = service
        self._key_name = f"{location.name}#file-key"

    @property
    def description(self) -> str:
        return f"encrypted file {self.path} (key in the OS keyring, {keyring_access.backend_label()})"

    def _key(self, *, create: bool) -> bytes | None:
        key = keyring_access.call(lambda k: k.get_password(self._service, self._key_name))
        if key is None and create:
            key = Fernet.generate_key().decode("ascii")
            keyring_access.call(lambda k: k.set_password(self._service, self._key_name, key))
        return key.encode("ascii") if key is not None else None

    def load(self) -> str | None:
        try:
            sealed = self.path.read_bytes()
        except FileNotFoundError:
            return None
        key = self._key(create=False)
        if key is None:
            raise GraphAuthError(
                f"the key for the encrypted token cache {self.path} is not in the OS keyring",
                code="token_cache_damaged",
            )
        try:
            return Fernet(key).decrypt(sealed).decode("utf-8")
        except (InvalidToken, ValueError):
            raise GraphAuthError(
                f"the encrypted token cache {self.path} does not decrypt with the key in the OS keyring",
                code="token_cache_damaged",
            ) from None

    def save(self, data: str) -> None:
        key = self._key(create=True)
        assert key is not None  # _key(create=True) stores one when there was none
        write_private(self.path, Fernet(key).encrypt(data.encode("utf-8")))

    def clear(self) -> bool:
        removed = _remove(self.path)
        try:
            keyring_access.call(lambda k: k.delete_password(self._service, self._key_name))
        except KeyringUnavailableError:
            pass  # with no keyring there is no key to remove; the file, the part that matters, is gone
        except keyring.errors.PasswordDeleteError:
            pass  # no key stored: nothing to remove
        return removed
