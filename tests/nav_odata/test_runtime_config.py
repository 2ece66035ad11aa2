"""A config file with `[nav] kind = "odata"` reaches NAV over OData through the same wiring `graphsync sync`
uses (graphsync.runtime.nav.open_nav), including `graphsync nav`-independent reads and a write."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphsync.config import load_config
from graphsync.connectors.nav import NavTable
from graphsync.errors import ConfigError, NavConnectionError
from graphsync.nav.embedded import EmbeddedNav
from graphsync.nav.odata.connector import ODataNav
from graphsync.runtime.nav import open_nav
from tests.nav_odata.conftest import COMPANY, Served


def _config(tmp_path: Path, url: str, extra: str = "") -> Path:
    path = tmp_path / "graphsync.toml"
    path.write_text(
        f'[nav]\nkind = "odata"\n\n[nav.odata]\nbase_url = "{url}"\ncompany = "{COMPANY}"\n'
        f'flavour = "nav"\nauth = "basic"\nusername = "SYNC"\npassword = "env:GS_TEST_NAV_KEY"\n{extra}',
        encoding="utf-8",
    )
    return path


def test_open_nav_from_config_reads_and_writes_over_odata(
    tmp_path: Path, served: Served, company: EmbeddedNav, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GS_TEST_NAV_KEY", "web-service-access-key")
    nav = open_nav(load_config(_config(tmp_path, served.url)))
    try:
        assert isinstance(nav, ODataNav)
        record = nav.get(NavTable.CONTACT, ("CT100006",))
        assert record is not None and record.fields["Name"] == "A. Gibson's Law Firm"
        changed = nav.modify(NavTable.CONTACT, ("CT100006",), {"Phone No.": "1234567"}, if_match=record.etag)
        assert changed.fields["Phone No."] == "1234567"
    finally:
        nav.close()
    # The write really reached the company behind the service.
    assert company.get(NavTable.CONTACT, ("CT100006",)).fields["Phone No."] == "1234567"  # type: ignore[union-attr]


def test_missing_password_variable_is_a_config_error(tmp_path: Path, served: Served, company: EmbeddedNav) -> None:
    with pytest.raises(ConfigError) as e:
        open_nav(load_config(_config(tmp_path, served.url))).close()
    assert "GS_TEST_NAV_KEY" in e.value.expected


def test_unreachable_nav_is_a_clear_connection_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GS_TEST_NAV_KEY", "web-service-access-key")
    cfg = load_config(_config(tmp_path, "http://127.0.0.1:9/NAV/ODataV4", "timeout = 2\n"))
    with pytest.raises(NavConnectionError):
        open_nav(cfg).close()


async def test_doctor_says_per_page_how_changes_and_deletions_are_read(
    tmp_path: Path, served: Served, company: EmbeddedNav, monkeypatch: pytest.MonkeyPatch
) -> None:
    import httpx

    from graphsync.auth.connections import Connections
    from graphsync.runtime.doctor import diagnose
    from graphsync.sandbox import SandboxState, create_app

    monkeypatch.setenv("GS_TEST_NAV_KEY", "web-service-access-key")
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    extra = '\n[graph]\nkind = "sandbox"\nbase_url = "http://sandbox.test/v1.0"\nsandbox_user = "eh@contoso.com"\n'
    config = load_config(_config(tmp_path, served.url, extra))
    connections = Connections(
        graph_transport=httpx.ASGITransport(app=create_app(SandboxState.seeded("eh@contoso.com"))),
        state_dir=tmp_path / "state",
    )
    checks = {c.name: c for c in await diagnose(config, connections=connections)}
    contact = checks["NAV contact"]
    assert "Last Date/Time Modified" in contact.detail
    # The test service publishes Change Log Entries, so deletions come from the change log, and it says so.
    assert "Change Log Entries" in contact.detail
    assert "comparing every record" in checks["NAV salesperson"].detail


def test_whoami_reads_the_salesperson_over_odata(
    tmp_path: Path, served: Served, company: EmbeddedNav, monkeypatch: pytest.MonkeyPatch
) -> None:
    """whoami once refused any NAV but the embedded company; it reads the salesperson where a sync would."""
    import httpx
    from click.testing import CliRunner

    from graphsync.auth.connections import Connections
    from graphsync.cli import auth as cli_auth
    from graphsync.cli.main import cli
    from graphsync.sandbox import SandboxState, create_app

    monkeypatch.setenv("GS_TEST_NAV_KEY", "web-service-access-key")
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    extra = '\n[graph]\nkind = "sandbox"\nbase_url = "http://sandbox.test/v1.0"\nsandbox_user = "eh@contoso.com"\n'
    config = _config(tmp_path, served.url, extra)
    sandbox = SandboxState()
    sandbox.seed_user("eh@contoso.com", display_name="Ester Henderson")
    transport = httpx.ASGITransport(app=create_app(sandbox))
    monkeypatch.setattr(
        cli_auth, "connections", lambda: Connections(graph_transport=transport, state_dir=tmp_path / "state")
    )
    result = CliRunner().invoke(cli, ["--config", str(config), "whoami"])
    assert result.exit_code == 0, result.output
    assert "salesperson:  EH" in result.output
