from __future__ import annotations

import json
import stat
import sys
from pathlib import Path

import keyring.errors
import pytest
from hypothesis import given
from hypothesis import strategies as st

from graphsync.auth.cache_store import CacheChoice, CacheLocation, all_stores, open_store
from graphsync.auth.file_store import EncryptedFileStore, PlaintextFileStore
from graphsync.auth.keyring_store import ENTRY_LIMIT_BYTES, KeyringChunkStore, split_for_keyring
from graphsync.errors import GraphAuthError, KeyringUnavailableError
from tests.auth.conftest import MemoryKeyring

# A realistic MSAL cache is several kilobytes of JSON: far over one Windows credential.
BIG_CACHE = json.dumps({"AccessToken": {f"k{i}": {"secret": "x" * 400, "n": i} for i in range(30)}})


@pytest.fixture
def location(tmp_path: Path) -> CacheLocation:
    return CacheLocation(name="microsoft:contoso:app", directory=tmp_path / "state")


@given(st.text(max_size=3000))
def test_split_keeps_every_character_and_fits_the_limit(data: str) -> None:
    pieces = split_for_keyring(data, limit=64)
    assert "".join(pieces) == data
    assert all(len(p.encode("utf-16-le")) <= 64 for p in pieces)


def test_keyring_store_round_trips_a_cache_larger_than_one_windows_entry(
    memory_keyring: MemoryKeyring, location: CacheLocation
) -> None:
    store = KeyringChunkStore(location)
    assert store.load() is None
    store.save(BIG_CACHE)
    assert store.load() == BIG_CACHE
    # Every entry fits Windows' limit (the memory keyring enforces it too), and several were needed.
    assert len(memory_keyring.entries) > 2
    assert all(len(v.encode("utf-16-le")) <= ENTRY_LIMIT_BYTES for v in memory_keyring.entries.values())


def test_keyring_store_replaces_the_old_generation(memory_keyring: MemoryKeyring, location: CacheLocation) -> None:
    store = KeyringChunkStore(location)
    store.save(BIG_CACHE)
    store.save("small")
    assert store.load() == "small"
    assert len(memory_keyring.entries) == 2  # the manifest and one chunk; the big cache's chunks are gone


def test_keyring_store_failed_save_keeps_the_previous_cache(
    memory_keyring: MemoryKeyring, location: CacheLocation
) -> None:
    store = KeyringChunkStore(location)
    store.save("previous")
    memory_keyring.limit = 10  # the next save fails on its first chunk
    with pytest.raises(KeyringUnavailableError):
        store.save(BIG_CACHE)
    memory_keyring.limit = None
    assert store.load() == "previous"
    assert len(memory_keyring.entries) == 2  # no pieces of the failed save were left behind


def test_keyring_store_failing_on_the_manifest_leaves_no_pieces(
    memory_keyring: MemoryKeyring, location: CacheLocation, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = KeyringChunkStore(location)
    store.save("previous")
    real_set = memory_keyring.set_password

    def refuse_manifest(service: str, username: str, password: str) -> None:
        if username == location.name:
            raise keyring.errors.PasswordSetError("refused")
        real_set(service, username, password)

    monkeypatch.setattr(memory_keyring, "set_password", refuse_manifest)
    with pytest.raises(KeyringUnavailableError):
        store.save(BIG_CACHE)
    assert store.load() == "previous" and len(memory_keyring.entries) == 2


def test_keyring_store_reports_a_missing_chunk(memory_keyring: MemoryKeyring, location: CacheLocation) -> None:
    store = KeyringChunkStore(location)
    store.save(BIG_CACHE)
    chunk = next(k for k in memory_keyring.entries if "#" in k[1])
    del memory_keyring.entries[chunk]
    with pytest.raises(GraphAuthError) as caught:
        store.load()
    assert caught.value.code == "token_cache_damaged"
    store.save("fresh")  # a damaged cache can be replaced
    assert store.load() == "fresh"


def test_keyring_store_clear(memory_keyring: MemoryKeyring, location: CacheLocation) -> None:
    store = KeyringChunkStore(location)
    assert store.clear() is False
    store.save(BIG_CACHE)
    assert store.clear() is True
    assert memory_keyring.entries == {}
    assert store.load() is None


def test_no_keyring_backend_is_named(no_keyring: None, location: CacheLocation) -> None:
    with pytest.raises(KeyringUnavailableError) as caught:
        KeyringChunkStore(location).load()
    assert "fail" in caught.value.backend


def test_locked_keyring_is_unavailable(locked_keyring: None, location: CacheLocation) -> None:
    with pytest.raises(KeyringUnavailableError) as caught:
        KeyringChunkStore(location).save("x")
    assert "KeyringLocked" in caught.value.reason


def test_encrypted_file_store(memory_keyring: MemoryKeyring, location: CacheLocation) -> None:
    store = EncryptedFileStore(location)
    assert store.load() is None
    store.save(BIG_CACHE)
    assert store.load() == BIG_CACHE
    assert b"xxxx" not in store.path.read_bytes()  # the cache is not readable on disk
    assert len(memory_keyring.entries) == 1  # only the key is in the keyring
    if sys.platform != "win32":
        assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert store.clear() is True
    assert not store.path.exists() and memory_keyring.entries == {}


def test_encrypted_file_without_its_key_is_damaged(memory_keyring: MemoryKeyring, location: CacheLocation) -> None:
    store = EncryptedFileStore(location)
    store.save("cache")
    memory_keyring.entries.clear()
    with pytest.raises(GraphAuthError) as caught:
        store.load()
    assert caught.value.code == "token_cache_damaged"


def test_encrypted_file_needs_a_keyring(no_keyring: None, location: CacheLocation) -> None:
    with pytest.raises(KeyringUnavailableError):
        EncryptedFileStore(location).save("cache")
    assert not EncryptedFileStore(location).path.exists()


def test_plaintext_store_works_without_keyring(no_keyring: None, location: CacheLocation) -> None:
    store = PlaintextFileStore(location)
    store.save("cache")
    assert store.load() == "cache"
    assert "insecure" in store.path.name and "insecure" in store.description
    assert store.clear() is True and store.load() is None


def test_auto_finds_what_login_chose(memory_keyring: MemoryKeyring, location: CacheLocation) -> None:
    assert isinstance(open_store(location, choice=CacheChoice.AUTO), KeyringChunkStore)
    open_store(location, choice=CacheChoice.ENCRYPTED_FILE).save("e")
    assert isinstance(open_store(location, choice=CacheChoice.AUTO), EncryptedFileStore)
    open_store(location, choice=CacheChoice.INSECURE_PLAINTEXT_FILE).save("p")
    assert isinstance(open_store(location, choice=CacheChoice.AUTO), PlaintextFileStore)
    for store in all_stores(location):
        store.clear()
    assert isinstance(open_store(location, choice=CacheChoice.AUTO), KeyringChunkStore)
