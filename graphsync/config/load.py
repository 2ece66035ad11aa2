"""Loading a config file: TOML -> `Config`, or a `ConfigError` naming file, key and expectation."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from graphsync.config.entities import parse_entities
from graphsync.config.model import (
    Config,
    EmbeddedNavConfig,
    GraphConfig,
    GraphKind,
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
    )
    root.done()
    return config


def _state(t: Table, base: Path) -> StateConfig:
    cfg = StateConfig(path=t.path("path", "graphsync-state.sqlite", base=base))
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
