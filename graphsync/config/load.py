"""Loading a config file: TOML -> `Config`, or a `ConfigError` naming file, key and expectation."""

from __future__ import annotations

import re
import tomllib
import urllib.parse
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from graphsync.config.entities import parse_entities
from graphsync.config.model import (
    Config,
    DistributedConfig,
    EmbeddedNavConfig,
    GraphConfig,
    GraphKind,
    HttpStack,
    NavConfig,
    NavKind,
    StateConfig,
    SyncConfig,
)
from graphsync.config.odata import parse_odata
from graphsync.config.reader import Table
from graphsync.config.secrets import SecretRef
from graphsync.errors import ConfigError

SANDBOX_URL = "http://127.0.0.1:8765/v1.0"
GRAPH_URL = "https://graph.microsoft.com/v1.0"
SANDBOX_USER = "eh@contoso.com"
"""Ester Henderson, salesperson EH of the embedded CRONUS company: the sandbox user when none is configured, so
that the embedded defaults (no config at all) sync a mailbox that has a salesperson."""


def load_config(path: str | Path) -> Config:
    """Read and validate a config file."""
    path = Path(path)
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            file=name, key="(file)", expected="an existing config file (create one: graphsync init)"
        ) from None
    except OSError as exc:
        raise ConfigError(file=name, key="(file)", expected="a readable file", got=exc.strerror) from None
    except UnicodeDecodeError:
        raise ConfigError(file=name, key="(file)", expected="UTF-8 text") from None
    return parse_config(text, file=name, base=path.resolve().parent)


def parse_config(text: str, *, file: str | None, base: Path) -> Config:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(file=file, key="(syntax)", expected="valid TOML", got=str(exc)) from None
    return build_config(data, file=file, base=base)


def build_config(data: dict[str, Any], *, file: str | None, base: Path) -> Config:
    root = Table(data, file=file)
    config = Config(
        file=Path(file) if file else None,
        nav=_nav(root.table("nav"), base),
        graph=_graph(root.table("graph"), base),
        state=_state(root.table("state"), base),
        sync=_sync(root.table("sync")),
        mailboxes=_mailboxes(root.table("mailboxes")),
        entities=parse_entities(root.table("entities")),
        distributed=_distributed(root.table("distributed")) if root.has("distributed") else None,
    )
    root.done()
    return config


def _state(t: Table, base: Path) -> StateConfig:
    url = t.opt_str("url")
    if url is not None and t.has("path"):
        raise t.error("path", "either path (an SQLite file) or url (a database server), not both", None)
    password = t.opt_str("password")
    if password is not None and url is None:
        raise t.error("password", "a password only with url (an SQLite file has none)", "<hidden>")
    cfg = StateConfig(
        path=t.path("path", "graphsync-state.sqlite", base=base),
        url=None if url is None else _database_url(t, "url", url),
        password=SecretRef.parse(password, file=t.file, key=t.key_path("password")) if password else None,
    )
    t.done()
    return cfg


_STATE_SCHEMES = {
    "postgresql+psycopg": "postgresql+psycopg",
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
}
"""URL schemes of the state store's servers, and the SQLAlchemy dialect each stands for (psycopg 3 for all)."""
_BROKER_SCHEMES = ("redis", "rediss", "amqp", "amqps", "pyamqp")
_BACKEND_SCHEMES = ("redis", "rediss", "rpc")


def _redacted(url: str) -> str:
    """``url`` as it may be shown: whatever stands between the user name and ``@`` hidden."""
    return re.sub(r"^([^:/]+://[^:/@]*):[^@/]*@", r"\1:<hidden>@", url.strip())


def _split_url(
    t: Table, key: str, url: str, schemes: Iterable[str], what: str, *, password_key: str
) -> urllib.parse.SplitResult:
    """``url`` parsed, with a scheme of ``schemes``; a password in it is refused (secrets by reference only)."""
    try:
        parts = urllib.parse.urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise t.error(key, f"{what} URL", _redacted(url)) from None
    if parts.scheme.lower() not in schemes or (not parts.netloc and parts.scheme != "rpc"):
        raise t.error(key, f"{what} URL starting with " + " or ".join(f"{s}://" for s in schemes), _redacted(url))
    if parts.password is not None:
        raise t.error(
            key,
            f'a URL without a password (give it by reference: {t.key_path(password_key)} = "env:VARIABLE")',
            _redacted(url),
        )
    return parts


def _database_url(t: Table, key: str, url: str) -> str:
    parts = _split_url(t, key, url, _STATE_SCHEMES, "a PostgreSQL database", password_key="password")
    if not parts.path.strip("/"):
        raise t.error(key, "a URL naming the database (postgresql+psycopg://user@host/DATABASE)", _redacted(url))
    return urllib.parse.urlunsplit(parts._replace(scheme=_STATE_SCHEMES[parts.scheme.lower()]))


def _key_prefix(t: Table) -> str:
    prefix = t.text("key_prefix", "").strip()
    if prefix and not re.fullmatch(r"[A-Za-z0-9._:-]{1,100}", prefix):
        raise t.error("key_prefix", "letters, digits, '.', '_', ':' and '-'", prefix)
    return prefix


def _distributed(t: Table) -> DistributedConfig:
    broker = t.text("broker_url", DistributedConfig.broker_url, allow_empty=False).strip()
    _split_url(t, "broker_url", broker, _BROKER_SCHEMES, "a Redis or RabbitMQ broker", password_key="broker_password")
    backend = t.opt_str("result_backend")
    if backend is not None and backend.strip():
        _split_url(
            t, "result_backend", backend, _BACKEND_SCHEMES, "a result backend", password_key="result_backend_password"
        )
    queue = t.text("queue", DistributedConfig.queue, allow_empty=False).strip()
    if not re.fullmatch(r"[A-Za-z0-9._-]{1,200}", queue):
        raise t.error("queue", "a queue name of letters, digits, '.', '_' and '-'", queue)
    secrets = {}
    for key in ("broker_password", "result_backend_password"):
        text = t.opt_str(key)
        secrets[key] = SecretRef.parse(text, file=t.file, key=t.key_path(key)) if text else None
    cfg = DistributedConfig(
        broker_url=broker,
        broker_password=secrets["broker_password"],
        result_backend=backend.strip() if backend and backend.strip() else None,
        result_backend_password=secrets["result_backend_password"],
        queue=queue,
        key_prefix=_key_prefix(t),
        visibility_timeout=t.integer("visibility_timeout", 3600, min=10, max=7 * 86_400),
    )
    t.done()
    return cfg


def _nav(t: Table, base: Path) -> NavConfig:
    kind = t.enum("kind", NavKind, NavKind.EMBEDDED)
    if kind is NavKind.EMBEDDED:
        if t.has("odata"):
            raise t.error(
                "odata", 'no [nav.odata] table with kind = "embedded" (set kind = "odata" to use it)', "a table"
            )
        cfg = NavConfig(kind=kind, embedded=EmbeddedNavConfig(path=t.path("path", "nav.sqlite", base=base)))
    else:
        if t.has("path"):
            raise t.error("path", 'no path with kind = "odata" (the company is reached at [nav.odata] base_url)', None)
        cfg = NavConfig(kind=kind, odata=parse_odata(t.table("odata", required=True), base=base))
    t.done()
    return cfg


def _graph(t: Table, base: Path) -> GraphConfig:
    kind = t.enum("kind", GraphKind, GraphKind.SANDBOX)
    sandbox = kind is GraphKind.SANDBOX
    base_url = t.text("base_url", SANDBOX_URL if kind is GraphKind.SANDBOX else GRAPH_URL, allow_empty=False)
    if not base_url.startswith(("http://", "https://")):
        raise t.error("base_url", "an http:// or https:// URL ending in /v1.0", base_url)
    secret = t.opt_str("client_secret")
    cert = t.opt_str("certificate_path")
    cfg = GraphConfig(
        kind=kind,
        base_url=base_url.rstrip("/"),
        tenant_id=t.text("tenant_id", ""),
        client_id=t.text("client_id", ""),
        client_secret=SecretRef.parse(secret, file=t.file, key=t.key_path("client_secret")) if secret else None,
        certificate_path=SecretRef.parse(cert, file=t.file, key=t.key_path("certificate_path")) if cert else None,
        sandbox_user=t.text("sandbox_user", SANDBOX_USER if sandbox else "").strip().lower(),
        sandbox_data=t.path("sandbox_data", base=base) if t.has("sandbox_data") else None,
        request_budget=_request_budget(t),
        request_budget_seconds=t.number("request_budget_seconds", 600.0, min=0.001, max=86_400.0),
        http=t.enum("http", HttpStack, HttpStack.AIOHTTP),
    )
    if not sandbox and cfg.sandbox_data is not None:
        raise t.error("sandbox_data", 'no sandbox_data with kind = "microsoft" (it names the sandbox\'s file)', None)
    if kind is GraphKind.MICROSOFT:
        if not cfg.tenant_id:
            raise t.error("tenant_id", "your Entra ID tenant id or domain (graph.kind is 'microsoft')", "")
        if not cfg.client_id:
            raise t.error("client_id", "the application (client) id of your app registration", "")
    t.done()
    return cfg


def _request_budget(t: Table) -> int:
    budget = t.integer("request_budget", 10_000, min=0)
    # A $batch of 20 (graphsync's size) costs 20 at once: a smaller budget could never let one through.
    if 0 < budget < 20:
        raise t.error("request_budget", "0 (no pacing) or at least 20, a full $batch's cost", budget)
    return budget


def _sync(t: Table) -> SyncConfig:
    tz = t.text("time_zone", "UTC", allow_empty=False)
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise t.error("time_zone", "an IANA time zone name such as 'Europe/London'", tz) from None
    cfg = SyncConfig(
        time_zone=tz,
        time_zone_configured=t.has("time_zone"),
        contact_folder=t.text("contact_folder", "Dynamics NAV", allow_empty=False),
        todo_list=t.text("todo_list", "Dynamics NAV", allow_empty=False),
        calendar=t.text("calendar", ""),
        category=t.text("category", "Dynamics NAV", allow_empty=False),
        window_past_days=t.integer("window_past_days", 30, min=0, max=3650),
        window_future_days=t.integer("window_future_days", 365, min=1, max=3650),
        mass_delete_share=t.number("mass_delete_share", 0.2, min=0.0, max=1.0),
        mass_delete_min=t.integer("mass_delete_min", 10, min=0),
    )
    t.done()
    return cfg


def _mailboxes(t: Table) -> dict[str, str]:
    result: dict[str, str] = {}
    for upn in t.names():
        code = t.text(upn, allow_empty=False)
        if "@" not in upn:
            raise t.error(upn, "a user principal name (name@domain) as the key", upn)
        if len(code) > 20:
            raise t.error(upn, "a salesperson code of at most 20 characters", code)
        result[upn.lower()] = code.upper()
    t.done()
    return result
