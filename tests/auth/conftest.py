"""Keyrings for tests: an in-memory one (optionally with the Windows size limit) and keyring's fail backend."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import keyring.backend
import keyring.backends.fail
import keyring.errors
import pytest


class MemoryKeyring(keyring.backend.KeyringBackend):
    """Secrets in a dict. ``limit`` refuses values whose UTF-16 form is larger, as Windows does."""

    # Negative: keyring registers every backend class; this one must never be picked on its own.
    priority = -1

    def __init__(self, *, limit: int | None = None) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}
        self.limit = limit

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        if self.limit is not None and len(password.encode("utf-16-le")) > self.limit:
            raise keyring.errors.PasswordSetError("the credential blob is too large")
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.entries:
            raise keyring.errors.PasswordDeleteError("no such password")
        del self.entries[(service, username)]


class LockedKeyring(MemoryKeyring):
    """A Secret Service that is installed but locked: every call fails."""

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("the collection is locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.KeyringLocked("the collection is locked")


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring(limit=2560)
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        yield
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def locked_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(LockedKeyring())
    try:
        yield
    finally:
        keyring.set_keyring(previous)
