"""The NAV connector a config names."""

from __future__ import annotations

from graphsync.config import Config
from graphsync.config.model import NavKind
from graphsync.connectors.nav import NavConnector
from graphsync.errors import ConfigError


def open_nav(config: Config) -> NavConnector:
    """Open the NAV company of ``config`` (the caller closes it). A missing embedded company file raises
    NavConnectionError saying how to create one: it is never created here behind the person's back."""
    if config.nav.kind is NavKind.EMBEDDED and config.nav.embedded is not None:
        from graphsync.nav.embedded import EmbeddedNav

        return EmbeddedNav(config.nav.embedded.path)
    raise ConfigError(
        file=str(config.file) if config.file else None,
        key="nav.kind",
        expected="'embedded' (no connector for this kind is wired in this version)",
        got=config.nav.kind.value,
    )
