"""Where the MSAL token cache (or the sandbox's sign-in record) is kept between runs.

Three stores implement `TokenCacheStore`:

- `KeyringChunkStore` (the default): the OS keyring, the cache split into entries small enough for the
  Windows Credential Manager;
- `EncryptedFileStore`: a file encrypted with a key that lives in the OS keyring;
- `PlaintextFileStore`: a plain file, only when the person asked for it by a flag that says it is insecure.

Where a cache is (`CacheLocation`) is `graphsync.auth.cache_location`, which the stores import; `open_store`
picks one. With `CacheChoice.AUTO` (what every command but ``login`` uses) the choice made at the
last ``login`` is found again: a file store leaves its file behind, the keyring store leaves none.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Protocol, runtime_checkable

from graphsync.auth.cache_location import CacheLocation, default_directory
from graphsync.config import Config
from graphsync.config.model import GraphKind


class CacheChoice(Enum):
    AUTO = "auto"
    KEYRING = "keyring"
    ENCRYPTED_FILE = "encrypted-file"
    INSECURE_PLAINTEXT_FILE = "insecure-plaintext-file"


@runtime_checkable
class TokenCacheStore(Protocol):
    """Keeps one serialized token cache. Raises KeyringUnavailableError when it needs a keyring and has none,
    GraphAuthError (code ``token_cache_damaged``) when what is stored cannot be read back."""

    @property
    def description(self) -> str:
        """Where the cache is, for people (``OS keyring (SecretService Keyring)``); never the cache itself."""
        ...

    def load(self) -> str | None:
        """The stored cache, or None when nothing is stored."""
        ...

    def save(self, data: str) -> None:
        """Replace the stored cache; a failure leaves the previous one intact."""
        ...

    def clear(self) -> bool:
        """Remove the stored cache; True when there was one."""
        ...


def location_for(config: Config, *, directory: Path | None = None) -> CacheLocation:
    """One cache per sign-in authority: the tenant and app registration, or the sandbox's address."""
    graph = config.graph
    if graph.kind is GraphKind.MICROSOFT:
        name = f"microsoft:{graph.tenant_id.lower()}:{graph.client_id.lower()}"
    else:
        name = f"sandbox:{graph.base_url}"
    return CacheLocation(name=name, directory=directory or default_directory())


def open_store(location: CacheLocation, *, choice: CacheChoice) -> TokenCacheStore:
    """The store for ``choice``; AUTO finds the kind the last login chose (a file store's file, else keyring)."""
    from graphsync.auth.file_store import EncryptedFileStore, PlaintextFileStore
    from graphsync.auth.keyring_store import KeyringChunkStore

    if choice is CacheChoice.AUTO:
        plain = PlaintextFileStore(location)
        if plain.path.exists():
            return plain
        encrypted = EncryptedFileStore(location)
        if encrypted.path.exists():
            return encrypted
        return KeyringChunkStore(location)
    if choice is CacheChoice.KEYRING:
        return KeyringChunkStore(location)
    if choice is CacheChoice.ENCRYPTED_FILE:
        return EncryptedFileStore(location)
    return PlaintextFileStore(location)


def all_stores(location: CacheLocation) -> list[TokenCacheStore]:
    """Every store a cache for ``location`` could be in (for logout, and for tidying up after a login)."""
    return [open_store(location, choice=c) for c in CacheChoice if c is not CacheChoice.AUTO]
