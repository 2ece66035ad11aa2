"""Where secrets live: never in the config file, only a reference to them.

A reference is ``env:VARIABLE`` (an environment variable) or ``keyring:SERVICE/USERNAME`` (the OS keyring,
through the keyring package). A literal value in the file is refused, so a password cannot end up in a
config that gets copied, committed or attached to a support ticket.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import Enum

from graphsync.errors import ConfigError


class SecretSource(Enum):
    ENV = "env"
    KEYRING = "keyring"


@dataclass(frozen=True)
class SecretRef:
    source: SecretSource
    name: str
    """The variable name (env) or ``service/username`` (keyring)."""

    def __str__(self) -> str:
        return f"{self.source.value}:{self.name}"

    @classmethod
    def parse(cls, text: str, *, file: str | None, key: str) -> SecretRef:
        source, sep, name = text.partition(":")
        if sep and name:
            if source == "env" and name.replace("_", "").isalnum():
                return cls(SecretSource.ENV, name)
            if source == "keyring" and "/" in name.strip("/"):
                return cls(SecretSource.KEYRING, name)
        raise ConfigError(
            file=file,
            key=key,
            expected="a reference to a secret, 'env:VARIABLE' or 'keyring:SERVICE/USERNAME' (never the secret itself)",
            got="<hidden>" if not sep else text,
        )

    def resolve(self) -> str:
        """The secret's value. ConfigError (naming the reference, never the value) when it is not there."""
        if self.source is SecretSource.ENV:
            value = os.environ.get(self.name)
            if not value:
                raise ConfigError(file=None, key=str(self), expected=f"environment variable {self.name} to be set")
            return value
        import keyring
        import keyring.errors

        service, _, username = self.name.partition("/")
        try:
            value = keyring.get_password(service, username)
        except keyring.errors.KeyringError as exc:
            raise ConfigError(
                file=None,
                key=str(self),
                expected="a usable OS keyring (none is available here)",
                got=type(exc).__name__,
            ) from None
        if not value:
            raise ConfigError(
                file=None, key=str(self), expected=f"a keyring entry for service {service!r}, user {username!r}"
            )
        return value
