"""The starter config ``graphsync init`` writes: the embedded NAV company and the sandbox by default, or a
Microsoft 365 tenant. The text is checked by the real loader before it is written, so a starter config
always loads."""

from __future__ import annotations

import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from graphsync.config.load import GRAPH_URL, SANDBOX_URL, SANDBOX_USER, parse_config
from graphsync.config.model import Config, GraphKind
from graphsync.errors import ConfigError

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_DOMAIN = re.compile(r"^(?=.{4,253}$)([a-zA-Z0-9-]{1,63}\.)+[a-zA-Z]{2,63}$")

DEFAULT_SANDBOX_USER = SANDBOX_USER
"""Ester Henderson, salesperson EH of the demo company: her address is her salesperson's E-Mail."""
SANDBOX_DATA = "sandbox.sqlite"
"""The sandbox's data file a starter (and the demo's) config names, next to the config."""


@dataclass(frozen=True)
class StarterOptions:
    graph: GraphKind = GraphKind.SANDBOX
    tenant_id: str = ""
    client_id: str = ""
    sandbox_user: str = DEFAULT_SANDBOX_USER
    odata_url: str = ""
    """Non-empty: NAV / Business Central over OData V4 at this root instead of the embedded company."""
    company: str = ""
    nav_user: str = ""
    """OData on-premises: the Windows account (DOMAIN\\user) graphsync signs in to NAV as."""


def _check(options: StarterOptions) -> None:
    if options.odata_url:
        if not options.odata_url.startswith(("http://", "https://")):
            raise ConfigError(
                file=None,
                key="--odata-url",
                expected="the OData V4 root, https://HOST:7048/INSTANCE/ODataV4",
                got=options.odata_url,
            )
        if not options.company.strip():
            raise ConfigError(file=None, key="--company", expected="the NAV company name (with --odata-url)", got="")
    if options.graph is GraphKind.MICROSOFT:
        if not (_GUID.match(options.tenant_id) or _DOMAIN.match(options.tenant_id)):
            raise ConfigError(
                file=None,
                key="--tenant-id",
                expected="your Entra ID tenant: its id (a GUID) or a verified domain such as contoso.onmicrosoft.com",
                got=options.tenant_id,
            )
        if not _GUID.match(options.client_id):
            raise ConfigError(
                file=None,
                key="--client-id",
                expected="the application (client) id of your app registration, a GUID",
                got=options.client_id,
            )
    elif "@" not in options.sandbox_user:
        raise ConfigError(file=None, key="--sandbox-user", expected="a user principal name", got=options.sandbox_user)


def _q(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid TOML basic string


def starter_config_text(options: StarterOptions) -> str:
    _check(options)
    microsoft = options.graph is GraphKind.MICROSOFT
    if microsoft:
        graph = f"""[graph]
# Microsoft 365: sign in with `graphsync login`, or run app-only with `--user UPN`.
kind = "microsoft"
base_url = {_q(GRAPH_URL)}
tenant_id = {_q(options.tenant_id)}
client_id = {_q(options.client_id)}
# App-only runs (--user UPN): a client secret or certificate path, by reference only (never the secret):
# client_secret = "env:GRAPHSYNC_CLIENT_SECRET"
# certificate_path = "keyring:graphsync/certificate-path"
"""
    else:
        graph = f"""[graph]
# The local Graph sandbox; kind = "microsoft" for Microsoft 365.
kind = "sandbox"
base_url = {_q(SANDBOX_URL)}
# The mailbox a delegated run acts as (`graphsync login --sandbox-user UPN` overrides it).
sandbox_user = {_q(options.sandbox_user)}
# The sandbox's mailboxes, kept in this file. A command that finds no sandbox at base_url opens it itself;
# `graphsync sandbox serve` (in this folder) serves it at base_url for every command and tool at once.
sandbox_data = {_q(SANDBOX_DATA)}
"""
    if options.odata_url:
        bc_online = "api.businesscentral.dynamics.com" in options.odata_url
        auth = (
            f'auth = "oauth"\ntenant_id = {_q(options.tenant_id)}\nclient_id = {_q(options.client_id)}\n'
            'client_secret = "env:GRAPHSYNC_BC_CLIENT_SECRET"\n'
            if bc_online
            else f'auth = "windows"\nusername = {_q(options.nav_user)}\npassword = "env:GRAPHSYNC_NAV_PASSWORD"\n'
        )
        nav = f"""[nav]
# NAV / Business Central over OData V4 (docs/odata.md lists the pages to publish as web services).
kind = "odata"

[nav.odata]
base_url = {_q(options.odata_url.rstrip("/"))}
company = {_q(options.company)}
# "windows" (NTLM/Negotiate), "basic" (web service access key) or "oauth" (Business Central online).
# The password or secret is a reference only: set the environment variable or use keyring:SERVICE/USER.
{auth}"""
    else:
        nav = """[nav]
# The embedded NAV company (create it: graphsync nav init); relative paths are relative to this file.
kind = "embedded"
path = "nav.sqlite"
"""
    return f"""# graphsync configuration, written by `graphsync init`. config.example.toml documents every key.
# Secrets are never written here: give a reference, "env:VARIABLE" or "keyring:SERVICE/USERNAME".

{nav}
{graph}
[state]
path = "graphsync-state.sqlite"

[sync]
# NAV's times are in time_zone (default UTC); To Do dates are days in the mailbox's own time zone, unless
# time_zone is set here, which then wins (set it when the app may not read mailbox settings).
# time_zone = "Europe/London"
contact_folder = "Dynamics NAV"
todo_list = "Dynamics NAV"
category = "Dynamics NAV"

[mailboxes]
# Mailbox -> NAV salesperson code, where the mailbox's address is not the salesperson's E-Mail.
# "ester.henderson@contoso.com" = "EH"
"""


def write_starter_config(path: Path, options: StarterOptions, *, force: bool = False) -> Config:
    """Write the starter config to ``path`` (refusing to replace a file unless ``force``) and return it as
    loaded. Nothing is written when the options are wrong."""
    text = starter_config_text(options)
    config = parse_config(text, file=str(path), base=path.resolve().parent)
    if path.exists() and not force:
        raise ConfigError(
            file=str(path), key="(file)", expected="a path with no config yet, or --force to replace it", got="exists"
        )
    if path.is_dir():
        raise ConfigError(file=str(path), key="(file)", expected="a file path, not a folder", got="a folder")
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return config
