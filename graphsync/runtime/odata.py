"""The OData connector from the ``[nav.odata]`` config: secrets resolved, authentication chosen, client made,
and the NAV fields the entities need named to the connector, which checks its pages against them.

Which fields: those the engine itself reads and the enabled entities map or select on (`required_fields`),
and, of those, the ones it cannot do without (`essential_fields`). A mapped field a page does not show is
synced without (``graphsync doctor`` lists it with what to add); a field an entity selects on, like those the
engine itself needs (`graphsync.nav.odata.binding.ESSENTIAL_FIELDS`), makes the page unusable when it is
missing, because graphsync could not tell which records belong to the entity.

``transport`` (and ``token_http`` for Entra ID) are the seams tests use to answer in-process; in production
both are left None and httpx opens real connections. The connector (`graphsync.nav.odata`) knows nothing of
the config: this is where the two meet.
"""

from __future__ import annotations

import dataclasses
import ssl
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from graphsync.auth.msal_http import MsalHttpClient
from graphsync.config.entities import EntitiesConfig, NavFieldRef
from graphsync.config.odata import ODataAuth, ODataNavConfig
from graphsync.connectors.nav import NavTable
from graphsync.engine.entities import nav_table
from graphsync.errors import ConfigError, NavAuthError, NavConnectionError
from graphsync.nav.odata.auth import (
    AUTHORITY_HOST,
    ClientCredentialsAuth,
    ConfidentialClient,
    WindowsAuth,
    first_line,
)
from graphsync.nav.odata.binding import Flavour
from graphsync.nav.odata.connector import ODataNav, ServiceNames

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
    fields the entities config maps (`required_fields`), ``essential`` those they select on
    (`essential_fields`); see `ODataNav`."""
    client = http_client(cfg, transport=transport, token_http=token_http)
    try:
        return ODataNav(
            client,
            base_url=cfg.base_url,
            company=cfg.company,
            flavour=Flavour(cfg.flavour.value),
            services=ServiceNames(**dataclasses.asdict(cfg.services)),
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


def confidential_client(
    *, tenant_id: str, client_id: str, client_secret: str, http: httpx.Client
) -> ConfidentialClient:
    """MSAL's app for the client credentials grant, talking to Entra ID through ``http``."""
    import msal

    try:
        app: Any = msal.ConfidentialClientApplication(
            client_id,
            authority=f"{AUTHORITY_HOST}/{tenant_id}",
            client_credential=client_secret,
            http_client=MsalHttpClient(http),
        )
    except ValueError as exc:  # MSAL validates the tenant against Entra ID here
        raise NavAuthError(f"Entra ID does not accept tenant {tenant_id!r}: {first_line(exc)}") from None
    except OSError as exc:
        raise NavConnectionError(f"cannot reach Entra ID to sign in for Business Central: {exc}") from None
    client: ConfidentialClient = app
    return client


ENGINE_FIELDS: Mapping[NavTable, tuple[str, ...]] = MappingProxyType(
    {
        NavTable.CONTACT: ("Type", "Company No.", "Salesperson Code", "E-Mail"),
        NavTable.SALESPERSON: ("Name", "E-Mail", "E-Mail 2"),
        NavTable.TODO: ("Type", "System To-do Type", "Salesperson Code", "Contact No.", "Closed", "Date Closed"),
        NavTable.ATTENDEE: (
            "Attendance Type",
            "Attendee Type",
            "Attendee No.",
            "Attendee Name",
            "Send Invitation",
        ),
    }
)
"""What the engine reads besides the field map: entity selection, salesperson matching by e-mail (E-Mail 2
only helps: a salesperson whose address is in neither can be named in ``[mailboxes]``), a meeting's
attendees, and whether (and when) a recurring to-do was closed, which tells the to-do NAV made on the close
(`graphsync.engine.succession`)."""


def required_fields(entities: EntitiesConfig) -> dict[NavTable, tuple[NavFieldRef, ...]]:
    """Per table, the NAV fields (names or numbers) the enabled entities map or select on, and those the
    engine itself reads, in first-use order without repeats."""
    wanted: dict[NavTable, list[NavFieldRef]] = {t: list(f) for t, f in ENGINE_FIELDS.items()}
    for spec in entities:
        if not spec.enabled:
            continue
        refs = wanted.setdefault(nav_table(spec.name), [])
        for field in spec.fields:
            refs.extend(ref for ref in field.nav if not (isinstance(ref, str) and ref.startswith("@")))
        refs.extend(cond.field for cond in spec.condition)
    return {table: tuple(dict.fromkeys(refs)) for table, refs in wanted.items()}


def essential_fields(entities: EntitiesConfig) -> dict[NavTable, tuple[NavFieldRef, ...]]:
    """Per table, the fields the enabled entities' conditions select on (the engine's own needs are added by
    the binding)."""
    needed: dict[NavTable, list[NavFieldRef]] = {}
    for spec in entities:
        if spec.enabled:
            needed.setdefault(nav_table(spec.name), []).extend(cond.field for cond in spec.condition)
    return {table: tuple(dict.fromkeys(refs)) for table, refs in needed.items()}
