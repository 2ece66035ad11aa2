"""The OData connector from the ``[nav.odata]`` config: secrets resolved, authentication chosen, client made.

``transport`` (and ``token_http`` for Entra ID) are the seams tests use to answer in-process; in production
both are left None and httpx opens real connections.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterable, Mapping
from zoneinfo import ZoneInfo

import httpx

from graphsync.config.odata import ODataAuth, ODataNavConfig
from graphsync.connectors.nav import NavTable
from graphsync.errors import ConfigError
from graphsync.nav.odata.auth import ClientCredentialsAuth, WindowsAuth, confidential_client
from graphsync.nav.odata.connector import ODataNav

WINDOWS_LIMITS = httpx.Limits(max_connections=1, max_keepalive_connections=1)
"""NTLM authenticates the connection, not the request: one kept-alive connection carries every request."""


def _secret(cfg: ODataNavConfig, which: str) -> str:
    ref = getattr(cfg, which)
    if ref is None:  # parse_odata refuses this; a config built in code may not have gone through it
        raise ConfigError(file=None, key=f"nav.odata.{which}", expected="a secret reference", got=None)
    return str(ref.resolve())


def http_auth(cfg: ODataNavConfig, *, token_http: httpx.Client | None = None) -> httpx.Auth:
    if cfg.auth is ODataAuth.BASIC:
        return httpx.BasicAuth(cfg.username, _secret(cfg, "password"))
    if cfg.auth is ODataAuth.WINDOWS:
        return WindowsAuth(cfg.username, _secret(cfg, "password"))
    app = confidential_client(
        tenant_id=cfg.tenant_id,
        client_id=cfg.client_id,
        client_secret=_secret(cfg, "client_secret"),
        http=token_http or httpx.Client(timeout=cfg.timeout),
    )
    return ClientCredentialsAuth(app)


def _trust(cfg: ODataNavConfig) -> ssl.SSLContext | bool:
    if cfg.ca_file is None:
        return True
    try:
        return ssl.create_default_context(cafile=str(cfg.ca_file))
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(
            file=None,
            key="nav.odata.ca_file",
            expected="a readable PEM file of the CA certificate that signed NAV's HTTPS certificate",
            got=f"{cfg.ca_file} ({exc})",
        ) from None


def http_client(
    cfg: ODataNavConfig, *, transport: httpx.BaseTransport | None = None, token_http: httpx.Client | None = None
) -> httpx.Client:
    limits = WINDOWS_LIMITS if cfg.auth is ODataAuth.WINDOWS else httpx.Limits()
    return httpx.Client(
        auth=http_auth(cfg, token_http=token_http),
        transport=transport,
        verify=_trust(cfg),
        limits=limits,
        timeout=cfg.timeout,
        headers={"User-Agent": "graphsync"},
    )


def connect(
    cfg: ODataNavConfig,
    *,
    transport: httpx.BaseTransport | None = None,
    token_http: httpx.Client | None = None,
    required: Mapping[NavTable, Iterable[str | int]] | None = None,
    essential: Mapping[NavTable, Iterable[str | int]] | None = None,
) -> ODataNav:
    """A connected ODataNav (its ``$metadata`` read and checked). ``required`` names, per table, the NAV
    fields the entities config maps (`required.required_fields`), ``essential`` those they select on
    (`required.essential_fields`); see `ODataNav`."""
    client = http_client(cfg, transport=transport, token_http=token_http)
    try:
        return ODataNav(
            client,
            base_url=cfg.base_url,
            company=cfg.company,
            flavour=cfg.flavour,
            services=cfg.services,
            page_size=cfg.page_size,
            required=required,
            essential=essential,
            server_zone=ZoneInfo(cfg.server_time_zone),
            user_zones=None if cfg.user_time_zones is None else [ZoneInfo(z) for z in cfg.user_time_zones],
            online=cfg.online,
        )
    except BaseException:
        client.close()
        raise
