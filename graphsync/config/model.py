"""The configuration as frozen, typed values. `graphsync.config.load` builds them from TOML."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from graphsync.config.entities import EntitiesConfig, default_entities
from graphsync.config.odata import ODataNavConfig
from graphsync.config.secrets import SecretRef


class NavKind(Enum):
    EMBEDDED = "embedded"
    ODATA = "odata"


class GraphKind(Enum):
    SANDBOX = "sandbox"
    MICROSOFT = "microsoft"


class HttpStack(Enum):
    """What carries Graph's requests over the network (``[graph] http``); both sit under the same
    `httpx.AsyncClient` and msgraph-core's middleware (`graphsync.graph.transport`)."""

    AIOHTTP = "aiohttp"
    """aiohttp's connection pool and C parser: the cheaper per request (the default)."""
    HTTPX = "httpx"
    """httpx's own transport (httpcore): for what aiohttp does not do, such as a SOCKS proxy."""


@dataclass(frozen=True)
class EmbeddedNavConfig:
    path: Path
    """The SQLite file of the embedded company (created by `graphsync nav init`)."""


@dataclass(frozen=True)
class NavConfig:
    kind: NavKind
    embedded: EmbeddedNavConfig | None = None
    odata: ODataNavConfig | None = None
    """``kind = "odata"``: NAV 2017/2018 or Business Central over OData V4 (`graphsync.config.odata`)."""


@dataclass(frozen=True)
class GraphConfig:
    kind: GraphKind
    base_url: str
    """``https://graph.microsoft.com/v1.0`` or the sandbox's ``http://127.0.0.1:8765/v1.0``."""
    tenant_id: str = ""
    client_id: str = ""
    client_secret: SecretRef | None = None
    certificate_path: SecretRef | None = None
    sandbox_user: str = ""
    """Sandbox only: the user principal name a delegated run acts as when nobody signed in with ``login``
    (default ``eh@contoso.com``, Ester Henderson of the embedded CRONUS company)."""
    sandbox_data: Path | None = None
    """Sandbox only: the sandbox's data file. A command that finds no sandbox answering at ``base_url`` then
    opens this file itself, in-process, for the time it runs (`graphsync.runtime.sandbox`)."""
    request_budget: int = 10_000
    """Graph requests per mailbox graphsync sends in any ``request_budget_seconds`` (a $batch's items count
    one each); 0 switches the pacing off. Default: Outlook's limit per app and mailbox."""
    request_budget_seconds: float = 600.0
    http: HttpStack = HttpStack.AIOHTTP


@dataclass(frozen=True)
class StateConfig:
    path: Path
    """The SQLite file of the state store (one machine)."""
    url: str | None = None
    """A database URL instead (``postgresql+psycopg://graphsync@db.example/graphsync``): the store shared by
    the workers of a cluster. Never holds a password: that is ``password``, a reference."""
    password: SecretRef | None = None
    """The database password, by reference (``env:VAR`` or ``keyring:SERVICE/USER``); without one, the
    driver's own sources apply (PGPASSWORD, ~/.pgpass, a trusted or peer connection)."""

    @property
    def location(self) -> str:
        """Where the store is, for people: the file, or the URL (it carries no password)."""
        return self.url if self.url is not None else str(self.path)


@dataclass(frozen=True)
class DistributedConfig:
    """``[distributed]``: where the Celery cluster's tasks go (`graphsync.distributed`)."""

    broker_url: str = "redis://127.0.0.1:6379/0"
    """Redis (``redis://``, ``rediss://``) or RabbitMQ (``amqp://``, ``amqps://``); no password in it."""
    broker_password: SecretRef | None = None
    result_backend: str | None = None
    """Where task results go (``redis://...``); None: none kept (a run's outcome is in the state store)."""
    result_backend_password: SecretRef | None = None
    queue: str = "graphsync"
    key_prefix: str = ""
    """Redis only: a prefix for every key of the broker and result backend, so that several installations (or
    tests) can share one Redis server."""
    visibility_timeout: int = 3600
    """Redis only: seconds after which a task a worker took but never acknowledged (the worker died) is given
    to another worker. RabbitMQ gives it back as soon as the dead worker's connection closes."""


@dataclass(frozen=True)
class SyncConfig:
    time_zone: str = "UTC"
    """IANA name (``Europe/London``) NAV's dates and times are read in and written to Graph with."""
    time_zone_configured: bool = False
    """Whether the config sets ``time_zone``. A To Do date is a day in the zone the mailbox's user sees it in: the
    mailbox's own (mailboxSettings.timeZone), unless the config sets ``time_zone``, which then wins."""
    contact_folder: str = "Dynamics NAV"
    todo_list: str = "Dynamics NAV"
    calendar: str = ""
    """Empty: meetings live in the primary calendar (the only one with delta in Graph v1.0)."""
    category: str = "Dynamics NAV"
    window_past_days: int = 30
    window_future_days: int = 365
    mass_delete_share: float = 0.2
    mass_delete_min: int = 10


@dataclass(frozen=True)
class Config:
    file: Path | None
    nav: NavConfig
    graph: GraphConfig
    state: StateConfig
    sync: SyncConfig = field(default_factory=SyncConfig)
    mailboxes: Mapping[str, str] = field(default_factory=dict)
    """Explicit mailbox (user principal name, lower case) -> NAV salesperson code."""
    entities: EntitiesConfig = field(default_factory=default_entities)
    """What syncs with what, field by field (`graphsync.config.entities`)."""
    distributed: DistributedConfig | None = None
    """``[distributed]``, when the config has one: Celery workers (`graphsync worker`, `enqueue`, `beat`)."""
