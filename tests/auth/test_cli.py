"""login, logout, whoami and init through the CLI runner, success and failure paths."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from azure.core.credentials import AccessToken
from azure.core.exceptions import ClientAuthenticationError
from click.testing import CliRunner, Result

from graphsync.auth.connections import Connections
from graphsync.auth.scopes import DELEGATED_SCOPES
from graphsync.cli import auth as cli_auth
from graphsync.cli.main import cli
from graphsync.config import load_config
from graphsync.config.model import GraphKind
from graphsync.nav.embedded import EmbeddedNav
from graphsync.sandbox import SandboxState, create_app
from tests.auth.conftest import MemoryKeyring
from tests.auth.fake_entra import CLIENT_ID, TENANT, FakeEntra
from tests.graph.conftest import Recorder

CLIENT_SECRET = "CLIENT-SECRET-VALUE-never-shown"
SIGNED_IN = frozenset(scope.rsplit("/", 1)[1] for scope in DELEGATED_SCOPES)
"""What a token from graphsync's sign-in carries: the delegated permissions it asked for."""
APP_PERMISSIONS = frozenset(
    {"Contacts.ReadWrite", "Calendars.ReadWrite", "Tasks.ReadWrite.All", "MailboxSettings.Read"}
)
"""The application permissions docs/auth.md tells an administrator to grant: no User.Read.All."""


def tenant() -> SandboxState:
    """The sandbox as the tenant's Graph: Ester Henderson's mailbox."""
    state = SandboxState()
    state.seed_user("eh@contoso.com", display_name="Ester Henderson")
    return state


@dataclass
class World:
    """A folder with a config and an embedded NAV company, what the commands reach (Entra's double and the
    sandbox as Graph, through a `Recorder` of what was sent), and every output."""

    root: Path
    entra: FakeEntra = field(default_factory=FakeEntra)
    graph: SandboxState = field(default_factory=tenant)
    credential: Any = None
    outputs: list[str] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)

    @property
    def config(self) -> Path:
        return self.root / "graphsync.toml"

    def __post_init__(self) -> None:
        self.wire = Recorder(httpx.ASGITransport(app=create_app(self.graph)))

    @property
    def tokens_sent(self) -> list[str]:
        return [r.headers.get("authorization", "").removeprefix("Bearer ") for r in self.wire.requests]

    def connections(self) -> Connections:
        return Connections(
            graph_transport=self.wire,
            login_transport=self.entra.transport(),
            state_dir=self.root / "state",
            app_credential=self.credential,
        )

    def run(self, *args: str) -> Result:
        result = CliRunner().invoke(cli, ["--config", str(self.config), *args])
        self.outputs.append(result.output)
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result


@pytest.fixture(scope="module")
def nav_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("nav") / "nav.sqlite"
    EmbeddedNav.create(path).close()
    return path


@pytest.fixture
def world(
    tmp_path: Path, nav_template: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> Iterator[World]:
    w = World(tmp_path)
    (tmp_path / "nav.sqlite").write_bytes(nav_template.read_bytes())
    monkeypatch.setattr(cli_auth, "connections", w.connections)
    caplog.set_level(logging.DEBUG)  # every library's log, at its most talkative
    yield w
    # Whatever happened, no token or secret reached the person's screen or any log.
    w.logs = [r.getMessage() for phase in ("setup", "call") for r in caplog.get_records(phase)]
    everything = "\n".join([*w.outputs, *w.logs])
    for secret in (*w.entra.issued, "REFRESH-TOKEN-SECRET", "DEVICE-CODE-SECRET", CLIENT_SECRET, "APP-TOKEN-SECRET"):
        assert secret not in everything


def sandbox_world(world: World) -> World:
    assert world.run("init").exit_code == 0
    return world


def microsoft_world(world: World) -> World:
    result = world.run(
        "init", "--path", str(world.config), "--microsoft", "--tenant-id", TENANT, "--client-id", CLIENT_ID
    )
    assert result.exit_code == 0, result.output
    for token in ("ACCESS-TOKEN-SECRET-1", "ACCESS-TOKEN-SECRET-2"):  # what Entra's double issues
        world.graph.grant_token(token, user="eh@contoso.com", permissions=SIGNED_IN)
    return world


# ---------------------------------------------------------------- init


def test_init_writes_a_config_that_loads(world: World) -> None:
    result = world.run("init", "--path", str(world.config))
    assert result.exit_code == 0, result.output
    config = load_config(world.config)
    assert config.graph.kind is GraphKind.SANDBOX and config.graph.sandbox_user == "eh@contoso.com"
    assert config.nav.embedded is not None and config.nav.embedded.path == world.root / "nav.sqlite"


def test_init_refuses_to_overwrite_without_force(world: World) -> None:
    world.config.write_text("# mine\n")
    result = world.run("init", "--path", str(world.config))
    assert result.exit_code == 2 and "--force" in result.output
    assert world.config.read_text() == "# mine\n"
    assert world.run("init", "--path", str(world.config), "--force").exit_code == 0
    assert load_config(world.config).graph.kind is GraphKind.SANDBOX


def test_init_microsoft(world: World) -> None:
    microsoft_world(world)
    config = load_config(world.config)
    assert config.graph.kind is GraphKind.MICROSOFT
    assert (config.graph.tenant_id, config.graph.client_id) == (TENANT, CLIENT_ID)


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--microsoft", "--tenant-id", TENANT], "--client-id"),
        (["--microsoft", "--tenant-id", "not a tenant", "--client-id", CLIENT_ID], "--tenant-id"),
        (["--tenant-id", TENANT], "--microsoft"),
    ],
)
def test_init_rejects_bad_options_and_writes_nothing(world: World, args: list[str], named: str) -> None:
    result = world.run("init", "--path", str(world.config), *args)
    assert result.exit_code == 2 and named in result.output
    assert not world.config.exists()


# ---------------------------------------------------------------- sandbox


def test_sandbox_login_whoami_logout(world: World, memory_keyring: MemoryKeyring) -> None:
    sandbox_world(world)
    result = world.run("login")
    assert result.exit_code == 0, result.output
    assert "Signed in as eh@contoso.com" in result.output and "OS keyring" in result.output
    result = world.run("whoami")
    assert result.exit_code == 0, result.output
    assert "sandbox delegated" in result.output and "salesperson:  EH" in result.output
    assert world.tokens_sent[-1] == "sandbox:eh@contoso.com"
    result = world.run("logout")
    assert result.exit_code == 0 and "Signed out" in result.output
    assert memory_keyring.entries == {}
    assert "Not signed in" in world.run("logout").output


def test_sandbox_login_as_another_user_overrides_the_config(world: World, memory_keyring: MemoryKeyring) -> None:
    sandbox_world(world)
    world.graph.seed_user("of@contoso.com", display_name="Otis Falls")
    assert world.run("login", "--sandbox-user", "OF@contoso.com").exit_code == 0
    result = world.run("whoami")
    assert "of@contoso.com" in result.output and "salesperson:  OF" in result.output


def test_sandbox_login_with_an_unknown_user_is_an_auth_error(world: World, memory_keyring: MemoryKeyring) -> None:
    """No sign-in as a user the tenant lacks: the sandbox cannot validate the token (401) and says how to make
    the user."""
    sandbox_world(world)
    result = world.run("login", "--sandbox-user", "nobody@contoso.com")
    assert result.exit_code == 3 and "Access token validation failure" in result.output
    assert "graphsync sandbox seed nobody@contoso.com" in result.output
    assert memory_keyring.entries == {}


def test_a_failed_login_keeps_the_previous_sign_in(world: World, memory_keyring: MemoryKeyring) -> None:
    sandbox_world(world)
    assert world.run("login").exit_code == 0
    before = dict(memory_keyring.entries)
    assert world.run("login", "--sandbox-user", "nobody@contoso.com").exit_code == 3
    assert memory_keyring.entries == before
    assert "signed in as: eh@contoso.com" in world.run("whoami").output


def test_whoami_app_only_in_the_sandbox(world: World, no_keyring: None) -> None:
    sandbox_world(world)
    result = world.run("whoami", "--user", "eh@contoso.com")
    assert result.exit_code == 0, result.output
    assert "app-only for: eh@contoso.com" in result.output and "salesperson:  EH" in result.output


def test_no_keyring_names_the_remedies(world: World, no_keyring: None) -> None:
    microsoft_world(world)
    result = world.run("login")
    assert result.exit_code == 3
    for remedy in ("gnome-keyring", "keyrings.alt", "PYTHON_KEYRING_BACKEND", "--insecure-plaintext-token-cache"):
        assert remedy in result.output


def test_a_sandbox_sign_in_without_a_keyring_is_kept_in_a_file(world: World, no_keyring: None) -> None:
    """A sandbox sign-in is a user name (its token is "sandbox:<upn>"): README's graphsync login must work in
    the demo's folder on a machine without a keyring, where it failed with exit 3."""
    sandbox_world(world)
    result = world.run("login")
    assert result.exit_code == 0, result.output
    assert "no secret" in result.output and "Signed in as eh@contoso.com" in result.output
    assert "salesperson:  EH" in world.run("whoami").output
    assert world.run("logout").exit_code == 0
    assert not list((world.root / "state").iterdir())
    # Asking for the keyring by name is still refused with the remedies.
    assert world.run("login", "--token-cache", "keyring").exit_code == 3


def test_insecure_plaintext_cache_only_when_asked(world: World, no_keyring: None) -> None:
    sandbox_world(world)
    result = world.run("login", "--insecure-plaintext-token-cache")
    assert result.exit_code == 0, result.output
    assert "insecure" in result.output
    assert [p.name for p in (world.root / "state").iterdir() if "plaintext" in p.name]
    assert "salesperson:  EH" in world.run("whoami").output  # later runs find the cache the login chose
    assert world.run("logout").exit_code == 0
    assert not list((world.root / "state").iterdir())


def test_encrypted_file_cache(world: World, memory_keyring: MemoryKeyring) -> None:
    sandbox_world(world)
    assert world.run("login", "--token-cache", "encrypted-file").exit_code == 0
    assert len(memory_keyring.entries) == 1  # the key; the record is in the file
    assert "encrypted file" in world.run("whoami").output


def test_sandbox_down(world: World, memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    world.config.write_text(f'[graph]\nkind = "sandbox"\nbase_url = "http://127.0.0.1:{port}/v1.0"\n')
    # The real network this time: nothing listens on that port.
    monkeypatch.setattr(cli_auth, "connections", lambda: Connections(state_dir=world.root / "state"))
    result = world.run("login", "--sandbox-user", "eh@contoso.com")
    assert result.exit_code == 3
    assert "sandbox running" in result.output and str(port) in result.output


def test_bad_config_is_a_usage_error(world: World) -> None:
    world.config.write_text('[graph]\nkind = "sandbox"\nsandbox_usr = "eh@contoso.com"\n')
    result = world.run("whoami")
    assert result.exit_code == 2 and "sandbox_usr" in result.output


def test_mailbox_without_a_salesperson(world: World, memory_keyring: MemoryKeyring) -> None:
    sandbox_world(world)
    world.graph.seed_user("jane@contoso.com", display_name="Jane")
    assert world.run("login", "--sandbox-user", "jane@contoso.com").exit_code == 0
    result = world.run("whoami")
    assert result.exit_code == 2
    assert "jane@contoso.com" in result.output and "eh@contoso.com" in result.output  # tried addresses


def test_browser_option_is_refused_for_the_sandbox(world: World, memory_keyring: MemoryKeyring) -> None:
    sandbox_world(world)
    result = world.run("login", "--browser")
    assert result.exit_code == 2 and "--browser" in result.output


# ---------------------------------------------------------------- Microsoft


def test_device_code_login_then_whoami(
    world: World, memory_keyring: MemoryKeyring, caplog: pytest.LogCaptureFixture
) -> None:
    microsoft_world(world)
    result = world.run("login")
    assert result.exit_code == 0, result.output
    assert "https://microsoft.com/devicelogin" in result.output and "GSYNC123" in result.output
    assert "Signed in as ester.henderson@contoso.com" in result.output
    world.graph.grant_token(world.entra.issued[-1], user="eh@contoso.com", permissions=SIGNED_IN)
    result = world.run("whoami")
    assert result.exit_code == 0, result.output
    assert "delegated (signed-in user" in result.output and "salesperson:  EH" in result.output
    # The libraries did log (httpx, msal): the fixture's search for secrets in the logs looks at something.
    assert any("login.microsoftonline.com" in r.getMessage() for r in caplog.records)


def test_declined_device_code_login(world: World, memory_keyring: MemoryKeyring) -> None:
    microsoft_world(world)
    world.entra.device_outcome = "authorization_declined"
    result = world.run("login")
    assert result.exit_code == 3 and "AADSTS70000" in result.output
    assert memory_keyring.entries == {}


def test_whoami_before_login(world: World, memory_keyring: MemoryKeyring) -> None:
    microsoft_world(world)
    result = world.run("whoami")
    assert result.exit_code == 3 and "graphsync login" in result.output


def test_wrong_app_only_credentials(world: World) -> None:
    microsoft_world(world)

    class Rejected:
        def get_token(self, *scopes: str, **kw: Any) -> AccessToken:
            raise ClientAuthenticationError(
                "ClientSecretCredential.get_token failed: AADSTS7000215: Invalid client secret provided.\nTrace ID: x"
            )

    world.credential = Rejected()
    result = world.run("whoami", "--user", "eh@contoso.com")
    assert result.exit_code == 3
    assert "AADSTS7000215" in result.output and "Trace ID" not in result.output


def test_app_only_without_user_read_permission(world: World) -> None:
    microsoft_world(world)

    class Accepted:
        def get_token(self, *scopes: str, **kw: Any) -> AccessToken:
            assert scopes == ("https://graph.microsoft.com/.default",)
            return AccessToken("APP-TOKEN-SECRET", 2**31)

    world.credential = Accepted()
    world.graph.grant_token("APP-TOKEN-SECRET", user=None, permissions=APP_PERMISSIONS)
    result = world.run("whoami", "--user", "EH@contoso.com")
    assert result.exit_code == 0, result.output
    assert "not readable" in result.output and "salesperson:  EH" in result.output
    # Graph refused reading the user (403 Authorization_RequestDenied), with the app's own token.
    assert world.tokens_sent == ["APP-TOKEN-SECRET"]
    assert [e.status for e in world.wire.exchanges] == [403]


def test_app_only_for_a_mailbox_the_tenant_lacks(world: World) -> None:
    microsoft_world(world)

    class Accepted:
        def get_token(self, *scopes: str, **kw: Any) -> AccessToken:
            return AccessToken("APP-TOKEN-SECRET", 2**31)

    world.credential = Accepted()
    world.graph.grant_token("APP-TOKEN-SECRET", user=None, permissions=APP_PERMISSIONS | {"User.Read.All"})
    result = world.run("whoami", "--user", "nobody@contoso.com")
    assert result.exit_code != 0 and "nobody@contoso.com" in result.output


def test_app_only_secret_missing_everywhere(world: World, no_keyring: None, monkeypatch: pytest.MonkeyPatch) -> None:
    microsoft_world(world)
    monkeypatch.delenv("GRAPHSYNC_CLIENT_SECRET", raising=False)
    monkeypatch.delenv("GRAPHSYNC_CERTIFICATE_PATH", raising=False)
    result = world.run("whoami", "--user", "eh@contoso.com")
    assert result.exit_code == 2
    assert "GRAPHSYNC_CLIENT_SECRET" in result.output and "graph.client_secret" in result.output


def test_against_the_real_sandbox(world: World, memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch) -> None:
    transport = httpx.ASGITransport(app=create_app(SandboxState.seeded("eh@contoso.com", "of@contoso.com")))
    monkeypatch.setattr(
        cli_auth, "connections", lambda: Connections(graph_transport=transport, state_dir=world.root / "state")
    )
    sandbox_world(world)
    assert world.run("login").exit_code == 0
    result = world.run("whoami")
    assert result.exit_code == 0, result.output
    assert "signed in as: eh@contoso.com" in result.output and "salesperson:  EH" in result.output
    result = world.run("whoami", "--user", "of@contoso.com")
    assert result.exit_code == 0, result.output
    assert "sandbox app-only" in result.output and "salesperson:  OF" in result.output
