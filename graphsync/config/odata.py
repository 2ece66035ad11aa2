"""The ``[nav.odata]`` table: where NAV / Business Central's OData V4 web services are and how to sign in.

NAV on-premises is reached at ``https://host:7048/<Instance>/ODataV4/`` with Windows or NavUserPassword
(web service access key) credentials; Business Central online at
``https://api.businesscentral.dynamics.com/v2.0/<tenant>/<environment>/ODataV4/`` with OAuth2 client
credentials. Secrets are references (``env:`` / ``keyring:``), never the secret itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from graphsync.config.reader import Table
from graphsync.config.secrets import SecretRef


class ODataFlavour(Enum):
    """Which product answers: NAV 2017/2018 stamps records with Last Date/Time Modified, Business Central
    also with SystemModifiedAt."""

    NAV = "nav"
    BC = "bc"


class ODataAuth(Enum):
    WINDOWS = "windows"
    """NTLM / Negotiate with a domain account (NAV's Windows credential type)."""
    BASIC = "basic"
    """NAV user name and web service access key (NavUserPassword; BC on-premises)."""
    OAUTH = "oauth"
    """OAuth2 client credentials from an Entra ID app registration (BC online)."""


@dataclass(frozen=True)
class ODataServices:
    """The names the pages are published under (Web Services page, column Service Name)."""

    contacts: str = "ContactCard"
    salespeople: str = "SalespersonPurchaserCard"
    todos: str = "GraphsyncToDos"
    attendees: str = "GraphsyncAttendees"
    territories: str = "Territories"
    change_log: str = "ChangeLogEntries"


@dataclass(frozen=True)
class ODataNavConfig:
    base_url: str
    """Ends in ``/ODataV4`` (no trailing slash)."""
    company: str
    flavour: ODataFlavour = ODataFlavour.NAV
    services: ODataServices = ODataServices()
    auth: ODataAuth = ODataAuth.WINDOWS
    username: str = ""
    """``DOMAIN\\user`` (windows) or the NAV user name (basic)."""
    password: SecretRef | None = None
    """The Windows password or the web service access key."""
    tenant_id: str = ""
    client_id: str = ""
    client_secret: SecretRef | None = None
    page_size: int = 1000
    timeout: float = 60.0
    """Seconds to wait for NAV to answer one request."""
    server_time_zone: str = "UTC"
    """The server's Services Default Time Zone: what TODAY and TIME are in for web-service sessions, and so
    the zone of the to-dos graphsync writes. (``stamp_time_zone`` is its former name, still read.)"""
    user_time_zones: tuple[str, ...] | None = None
    """The time zones NAV users edit to-dos in from the client (each user's own); None: any zone may occur,
    which makes each run re-read up to 12 hours of to-do changes to be sure none is missed."""
    online: bool = False
    """Business Central online (SaaS): no to-dos of type Meeting."""
    ca_file: Path | None = None
    """A PEM file of the CA certificate(s) to trust for NAV's HTTPS certificate (self-signed or an internal
    CA); None: the system's trusted CAs."""


BC_ONLINE_HOST = "api.businesscentral.dynamics.com"


def parse_odata(t: Table, *, base: Path | None = None) -> ODataNavConfig:
    """Read and check a ``[nav.odata]`` table; ConfigError names the key and what it takes. ``base`` is the
    config file's folder, which a relative ``ca_file`` is taken from."""
    base_url = t.text("base_url", allow_empty=False).strip().rstrip("/")
    if not base_url.startswith(("http://", "https://")):
        raise t.error(
            "base_url", "an http:// or https:// URL such as https://nav.example.com:7048/NAV/ODataV4", base_url
        )
    if not base_url.lower().endswith("/odatav4"):
        raise t.error(
            "base_url",
            "the OData V4 root, ending in /ODataV4 (https://host:7048/<Instance>/ODataV4 or "
            "https://api.businesscentral.dynamics.com/v2.0/<tenant>/<environment>/ODataV4)",
            base_url,
        )
    company = t.text("company", allow_empty=False)
    online = BC_ONLINE_HOST in base_url.lower()
    flavour = t.enum("flavour", ODataFlavour, ODataFlavour.BC if online else ODataFlavour.NAV)
    auth = t.enum("auth", ODataAuth, ODataAuth.OAUTH if online else ODataAuth.WINDOWS)
    services = _services(t.table("services"))
    username = t.text("username", "")
    password = _secret(t, "password")
    tenant_id = t.text("tenant_id", "")
    client_id = t.text("client_id", "")
    client_secret = _secret(t, "client_secret")
    cfg = ODataNavConfig(
        base_url=base_url,
        company=company,
        flavour=flavour,
        services=services,
        auth=auth,
        username=username,
        password=password,
        tenant_id=tenant_id,
        client_id=client_id,
        client_secret=client_secret,
        page_size=t.integer("page_size", 1000, min=1, max=20000),
        timeout=t.number("timeout", 60.0, min=1.0, max=3600.0),
        server_time_zone=_server_zone(t),
        user_time_zones=_user_zones(t),
        online=t.boolean("online", online),
        ca_file=t.path("ca_file", base=base) if t.has("ca_file") else None,
    )
    if online and auth is not ODataAuth.OAUTH:
        raise t.error("auth", "'oauth' (Business Central online accepts only OAuth2)", auth.value)
    if auth in (ODataAuth.WINDOWS, ODataAuth.BASIC):
        if not username:
            what = "DOMAIN\\user of a Windows account" if auth is ODataAuth.WINDOWS else "the NAV user name"
            raise t.error("username", f"{what} (auth is {auth.value!r})", username)
        if password is None:
            what = "the Windows password" if auth is ODataAuth.WINDOWS else "the user's web service access key"
            raise t.error("password", f"a reference to {what}, 'env:VARIABLE' or 'keyring:SERVICE/USER'", None)
    if auth is ODataAuth.OAUTH:
        if not tenant_id:
            raise t.error("tenant_id", "your Entra ID tenant id or domain (auth is 'oauth')", tenant_id)
        if not client_id:
            raise t.error("client_id", "the application (client) id of the app registered for Business Central", "")
        if client_secret is None:
            raise t.error("client_secret", "a reference to the app's client secret, 'env:...' or 'keyring:...'", None)
    t.done()
    return cfg


def _zone_name(t: Table, key: str, name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise t.error(key, "an IANA time zone name such as 'Europe/London'", name) from None
    return name


def _server_zone(t: Table) -> str:
    if t.has("server_time_zone") and t.has("stamp_time_zone"):
        raise t.error("stamp_time_zone", "only server_time_zone (stamp_time_zone is its former name)", "both")
    key = "stamp_time_zone" if t.has("stamp_time_zone") else "server_time_zone"
    return _zone_name(t, key, t.text(key, "UTC", allow_empty=False))


def _user_zones(t: Table) -> tuple[str, ...] | None:
    if not t.has("user_time_zones"):
        return None
    return tuple(_zone_name(t, "user_time_zones", z) for z in t.str_list("user_time_zones"))


def _secret(t: Table, key: str) -> SecretRef | None:
    text = t.opt_str(key)
    return SecretRef.parse(text, file=t.file, key=t.key_path(key)) if text else None


def _services(t: Table) -> ODataServices:
    d = ODataServices()
    names = {
        key: t.text(key, getattr(d, key), allow_empty=False).strip()
        for key in ("contacts", "salespeople", "todos", "attendees", "territories", "change_log")
    }
    for key, name in names.items():
        if not name.replace("_", "").isalnum():
            raise t.error(key, "a web service name as published in NAV (letters, digits and _)", name)
    t.done()
    return ODataServices(**names)
