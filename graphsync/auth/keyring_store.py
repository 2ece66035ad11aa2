"""The token cache in the OS keyring, split into entries that fit the Windows Credential Manager.

An MSAL cache holding one account is already several kilobytes; Windows refuses a credential blob over
2,560 bytes, and keyring's Windows backend stores text as UTF-16 (two bytes per character). So the cache is
cut into chunks of at most 2,560 UTF-16 bytes, and a small manifest entry names the chunks and their hash.

A save writes a new generation of chunks first and switches the manifest to it last, then removes the old
generation: a save that fails half-way leaves the previous cache readable.
"""

from __future__ import annotations

import hashlib
import json
import secrets

import keyring.errors

from graphsync.auth import keyring_access
from graphsync.auth.cache_location import KEYRING_SERVICE, CacheLocation
from graphsync.errors import GraphAuthError, KeyringUnavailableError

ENTRY_LIMIT_BYTES = 2560
"""The Windows Credential Manager's limit for one credential blob (CRED_MAX_CREDENTIAL_BLOB_SIZE)."""


def split_for_keyring(data: str, *, limit: int = ENTRY_LIMIT_BYTES) -> list[str]:
    """Cut ``data`` into pieces whose UTF-16 encoding fits ``limit`` bytes, never splitting a character."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for char in data:
        width = len(char.encode("utf-16-le"))
        if size + width > limit:
            pieces.append("".join(current))
            current, size = [], 0
        current.append(char)
        size += width
    if current or not pieces:
        pieces.append("".join(current))
    return pieces


class KeyringChunkStore:
    def __init__(self, location: CacheLocation, *, service: str = KEYRING_SERVICE) -> None:
        self._manifest_name = location.name
        self._service = service

    @property
    def description(self) -> str:
        return f"OS keyring ({keyring_access.backend_label()})"

    def _chunk_name(self, generation: str, index: int) -> str:
        return f"{self._manifest_name}#{generation}.{index}"

    def _manifest(self) -> dict[str, object] | None:
        raw = self._get(self._manifest_name)
        if raw is None:
            return None
        try:
            manifest = json.loads(raw)
            if isinstance(manifest, dict) and isinstance(manifest.get("chunks"), int):
                return manifest
        except ValueError:
            pass
        raise GraphAuthError("the token cache's manifest in the OS keyring is unreadable", code="token_cache_damaged")

    def load(self) -> str | None:
        manifest = self._manifest()
        if manifest is None:
            return None
        generation = str(manifest.get("generation", ""))
        count = int(str(manifest["chunks"]))
        pieces: list[str] = []
        for index in range(count):
            piece = self._get(self._chunk_name(generation, index))
            if piece is None:
                raise GraphAuthError(
                    f"the token cache in the OS keyring is missing piece {index + 1} of {count}",
                    code="token_cache_damaged",
                )
            pieces.append(piece)
        data = "".join(pieces)
        if hashlib.sha256(data.encode()).hexdigest() != manifest.get("sha256"):
            raise GraphAuthError(
                "the token cache in the OS keyring does not match its checksum", code="token_cache_damaged"
            )
        return data

    def _manifest_if_readable(self) -> dict[str, object] | None:
        """The manifest, or None when there is none or it is damaged (a damaged one is simply replaced)."""
        try:
            return self._manifest()
        except KeyringUnavailableError:
            raise
        except GraphAuthError:
            return None

    def save(self, data: str) -> None:
        old = self._manifest_if_readable()
        generation = secrets.token_hex(4)
        pieces = split_for_keyring(data)
        digest = hashlib.sha256(data.encode()).hexdigest()
        manifest = json.dumps({"v": 1, "generation": generation, "chunks": len(pieces), "sha256": digest})
        written = 0
        try:
            for index, piece in enumerate(pieces):
                self._set(self._chunk_name(generation, index), piece)
                written += 1
            self._set(self._manifest_name, manifest)
        except BaseException:
            # The previous manifest still names the previous chunks; take back the new ones written so far.
            try:
                self._delete_chunks(generation, written)
            except KeyringUnavailableError:
                pass  # the keyring failed again: the original error says more
            raise
        if old is not None:
            self._delete_chunks(str(old.get("generation", "")), int(str(old["chunks"])))

    def clear(self) -> bool:
        try:
            manifest = self._manifest()
        except KeyringUnavailableError:
            raise
        except GraphAuthError:
            manifest = {"generation": "", "chunks": 0}  # damaged: at least the manifest goes
        if manifest is None:
            return False
        self._delete_chunks(str(manifest.get("generation", "")), int(str(manifest["chunks"])))
        self._delete(self._manifest_name)
        return True

    def _delete_chunks(self, generation: str, count: int) -> None:
        for index in range(count):
            self._delete(self._chunk_name(generation, index))

    def _get(self, name: str) -> str | None:
        return keyring_access.call(lambda k: k.get_password(self._service, name))

    def _set(self, name: str, value: str) -> None:
        keyring_access.call(lambda k: k.set_password(self._service, name, value))

    def _delete(self, name: str) -> None:
        try:
            keyring_access.call(lambda k: k.delete_password(self._service, name))
        except keyring.errors.PasswordDeleteError:
            pass  # already gone: the goal of a delete
