"""Talking to the OS keyring, with every way it can be unusable turned into `KeyringUnavailableError`.

On a headless Linux server keyring quietly picks its "fail" backend (or a chainer with nothing to chain), or a
Secret Service that is installed but locked answers every call with an error. Either way nothing can be kept
there, and the person needs to hear that with the remedies, not a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import keyring
import keyring.backend
import keyring.backends.chainer
import keyring.backends.fail
import keyring.backends.null
import keyring.errors

from graphsync.errors import KeyringUnavailableError

T = TypeVar("T")


def usable_backend() -> keyring.backend.KeyringBackend:
    """The active keyring backend, or KeyringUnavailableError when it cannot keep secrets."""
    backend = keyring.get_keyring()
    name = type(backend).__name__
    where = type(backend).__module__
    label = f"{where}.{name}"
    if isinstance(backend, keyring.backends.fail.Keyring):
        raise KeyringUnavailableError(backend=label, reason="no keyring backend is installed or reachable")
    if isinstance(backend, keyring.backends.null.Keyring):
        raise KeyringUnavailableError(backend=label, reason="the null backend discards everything stored in it")
    if isinstance(backend, keyring.backends.chainer.ChainerBackend) and not backend.backends:
        raise KeyringUnavailableError(backend=label, reason="no keyring backend is installed or reachable")
    return backend


def backend_label() -> str:
    """A short name of the active backend for messages (``SecretService Keyring``), never raising."""
    try:
        backend = keyring.get_keyring()
    except Exception:  # keyring's own start-up can fail in odd environments; this is only a label
        return "unknown keyring"
    return str(getattr(backend, "name", type(backend).__name__))


def call(operation: Callable[[keyring.backend.KeyringBackend], T]) -> T:
    """Run one keyring operation, turning keyring's errors into KeyringUnavailableError."""
    backend = usable_backend()
    try:
        return operation(backend)
    except keyring.errors.PasswordDeleteError:
        raise
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailableError(backend=backend_label(), reason=_reason(exc)) from None
    except OSError as exc:  # D-Bus and Credential Manager failures surface as OSError subclasses
        raise KeyringUnavailableError(backend=backend_label(), reason=_reason(exc)) from None


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
