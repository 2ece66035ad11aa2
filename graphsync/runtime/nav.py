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
    if config.nav.kind is NavKind.ODATA and config.nav.odata is not None:
        from graphsync.runtime.odata import connect, essential_fields, required_fields

        return connect(
            config.nav.odata, required=required_fields(config.entities), essential=essential_fields(config.entities)
        )
    raise ConfigError(
        file=str(config.file) if config.file else None,
        key="nav.kind",
        expected="'embedded' with [nav] path, or 'odata' with a [nav.odata] table",
        got=config.nav.kind.value,
    )
