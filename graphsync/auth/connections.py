"""The outside world sign-in talks to, in one value: real by default, fakes in tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from graphsync.auth.cache_location import CacheLocation, default_directory
from graphsync.auth.cache_store import location_for
from graphsync.config import Config

if TYPE_CHECKING:  # azure-identity is slow to import and only app-only runs need it
    from azure.core.credentials import TokenCredential


@dataclass(frozen=True)
class Connections:
    graph_transport: httpx.AsyncBaseTransport | None = None
    """Where Graph (or the sandbox) requests go; None: the network."""
    login_transport: httpx.BaseTransport | None = None
    """Where MSAL's requests to Microsoft Entra ID go; None: the network."""
    state_dir: Path | None = None
    """Folder of file token caches; None: `default_directory`."""
    app_credential: TokenCredential | None = None
    """The app-only credential to use instead of building one from the config."""

    def graph_client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=self.graph_transport, timeout=30.0)

    def login_client(self) -> httpx.Client:
        return httpx.Client(transport=self.login_transport, timeout=30.0)

    def cache_location(self, config: Config) -> CacheLocation:
        return location_for(config, directory=self.state_dir or default_directory())
