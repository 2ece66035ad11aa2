from pathlib import Path

from click.testing import CliRunner

from graphsync.cli.main import cli
from graphsync.config import load_config
from graphsync.config.model import NavKind
from graphsync.config.odata import ODataAuth


def test_init_for_nav_on_premises_writes_a_config_that_loads(tmp_path: Path) -> None:
    path = tmp_path / "g.toml"
    args = ["init", "--path", str(path), "--odata-url", "https://nav:7048/NAV/ODataV4/", "--company", "CRONUS UK Ltd."]
    result = CliRunner().invoke(cli, [*args, "--nav-user", "CONTOSO\\sync"])
    assert result.exit_code == 0, result.output
    cfg = load_config(path)
    assert cfg.nav.kind is NavKind.ODATA and cfg.nav.odata is not None
    assert cfg.nav.odata.auth is ODataAuth.WINDOWS
    assert "GRAPHSYNC_NAV_PASSWORD" in path.read_text()


def test_init_for_business_central_online_uses_oauth(tmp_path: Path) -> None:
    path = tmp_path / "g.toml"
    url = "https://api.businesscentral.dynamics.com/v2.0/contoso/production/ODataV4"
    args = ["init", "--path", str(path), "--odata-url", url, "--company", "CRONUS"]
    args += ["--tenant-id", "contoso.onmicrosoft.com", "--client-id", "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    cfg = load_config(path)
    assert cfg.nav.odata is not None and cfg.nav.odata.auth is ODataAuth.OAUTH


def test_init_odata_without_company_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "g.toml"
    result = CliRunner().invoke(cli, ["init", "--path", str(path), "--odata-url", "https://nav/NAV/ODataV4"])
    assert result.exit_code == 2
    assert "--company" in result.output
    assert not path.exists()
