"""``[nav.odata]``: defaults for NAV on-premises and BC online, and the errors a wrong table gets."""

from __future__ import annotations

import tomllib

import pytest

from graphsync.config.odata import ODataAuth, ODataFlavour, ODataServices, parse_odata
from graphsync.config.reader import Table
from graphsync.config.secrets import SecretSource
from graphsync.errors import ConfigError

ON_PREMISES = """
base_url = "https://nav.contoso.local:7048/NAV/ODataV4/"
company = "CRONUS UK Ltd."
username = 'CONTOSO\\nav.sync'
password = "env:NAV_PASSWORD"
"""

ONLINE = """
base_url = "https://api.businesscentral.dynamics.com/v2.0/contoso.onmicrosoft.com/Production/ODataV4"
company = "CRONUS UK Ltd."
tenant_id = "contoso.onmicrosoft.com"
client_id = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
client_secret = "keyring:graphsync/bc-app"
"""


def parse(text: str) -> object:
    return parse_odata(Table(tomllib.loads(text), file="graphsync.toml", path="nav.odata"))


def test_on_premises_defaults() -> None:
    cfg = parse(ON_PREMISES)
    assert cfg.base_url == "https://nav.contoso.local:7048/NAV/ODataV4"  # type: ignore[attr-defined]
    assert cfg.flavour is ODataFlavour.NAV and cfg.auth is ODataAuth.WINDOWS  # type: ignore[attr-defined]
    assert cfg.password.source is SecretSource.ENV and cfg.password.name == "NAV_PASSWORD"  # type: ignore[attr-defined]
    assert cfg.services == ODataServices() and cfg.page_size == 1000  # type: ignore[attr-defined]


def test_online_defaults_to_oauth_and_bc() -> None:
    cfg = parse(ONLINE)
    assert cfg.flavour is ODataFlavour.BC and cfg.auth is ODataAuth.OAUTH  # type: ignore[attr-defined]
    assert cfg.client_secret.source is SecretSource.KEYRING  # type: ignore[attr-defined]


def test_services_can_be_renamed() -> None:
    cfg = parse(ON_PREMISES + '[services]\ntodos = "MyToDos"\nchange_log = "ChangeLog"\n')
    assert cfg.services.todos == "MyToDos" and cfg.services.contacts == "ContactCard"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        (ON_PREMISES.replace("env:NAV_PASSWORD", "hunter2"), "nav.odata.password", "never the secret itself"),
        (ON_PREMISES.replace("/ODataV4/", "/OData/"), "nav.odata.base_url", "ending in /ODataV4"),
        (ON_PREMISES.replace("https://", "ftp://"), "nav.odata.base_url", "http"),
        (ON_PREMISES.replace("CONTOSO\\nav.sync", ""), "nav.odata.username", "DOMAIN\\user"),
        (ON_PREMISES + 'auth = "kerberos"\n', "nav.odata.auth", "'windows', 'basic', 'oauth'"),
        (ONLINE + 'auth = "basic"\n', "nav.odata.auth", "only OAuth2"),
        (ONLINE.replace('client_secret = "keyring:graphsync/bc-app"', ""), "nav.odata.client_secret", "client secret"),
        (ON_PREMISES + "page_size = 0\n", "nav.odata.page_size", ">= 1"),
        (ON_PREMISES + 'stamp_time_zone = "Mars/Olympus"\n', "nav.odata.stamp_time_zone", "IANA time zone"),
        (ON_PREMISES + 'server_time_zone = "Mars/Olympus"\n', "nav.odata.server_time_zone", "IANA time zone"),
        (ON_PREMISES + 'user_time_zones = ["Europe/Berlin", "Nowhere"]\n', "nav.odata.user_time_zones", "IANA"),
        (ON_PREMISES + 'compnay = "x"\n', "nav.odata.compnay", "a known key"),
        (ON_PREMISES + '[services]\ncontacts = "Contact Card"\n', "nav.odata.services.contacts", "web service name"),
    ],
)
def test_errors_name_the_key_and_the_fix(text: str, key: str, words: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse(text)
    assert err.value.key == key
    assert words in err.value.expected
    assert "hunter2" not in str(err.value)


def test_ca_file_is_taken_relative_to_the_config_file(tmp_path: object) -> None:
    from pathlib import Path

    base = Path(str(tmp_path))
    cfg = parse_odata(
        Table(tomllib.loads(ON_PREMISES + 'ca_file = "certs/nav-ca.pem"\n'), file="graphsync.toml", path="nav.odata"),
        base=base,
    )
    assert cfg.ca_file == base / "certs" / "nav-ca.pem"
    assert parse(ON_PREMISES).ca_file is None  # type: ignore[attr-defined]


def test_an_unreadable_ca_file_is_a_config_error(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    from pathlib import Path

    from graphsync.runtime.odata import http_client

    monkeypatch.setenv("NAV_PASSWORD", "x")
    cfg = parse_odata(
        Table(tomllib.loads(ON_PREMISES + 'ca_file = "missing.pem"\n'), file="graphsync.toml", path="nav.odata"),
        base=Path(str(tmp_path)),
    )
    with pytest.raises(ConfigError) as err:
        http_client(cfg)
    assert err.value.key == "nav.odata.ca_file"


def test_time_zones_and_online() -> None:
    cfg = parse(ON_PREMISES + 'server_time_zone = "Europe/Berlin"\nuser_time_zones = ["America/New_York"]\n')
    assert cfg.server_time_zone == "Europe/Berlin"  # type: ignore[attr-defined]
    assert cfg.user_time_zones == ("America/New_York",) and cfg.online is False  # type: ignore[attr-defined]
    assert parse(ON_PREMISES).user_time_zones is None  # type: ignore[attr-defined]  # any zone may occur
    assert parse(ON_PREMISES + 'stamp_time_zone = "Europe/Paris"\n').server_time_zone == "Europe/Paris"  # type: ignore[attr-defined]
    assert parse(ONLINE).online is True  # type: ignore[attr-defined]
    with pytest.raises(ConfigError) as err:
        parse(ON_PREMISES + 'stamp_time_zone = "UTC"\nserver_time_zone = "UTC"\n')
    assert err.value.key == "nav.odata.stamp_time_zone"


def test_the_config_names_every_page_the_connector_takes() -> None:
    """The config's page names and the connector's are two types (the connector knows nothing of the config);
    the runtime copies one into the other, so they must have the same fields."""
    import dataclasses

    from graphsync.config.odata import ODataFlavour, ODataServices
    from graphsync.nav.odata.binding import Flavour
    from graphsync.nav.odata.connector import ServiceNames

    assert dataclasses.asdict(ODataServices()) == dataclasses.asdict(ServiceNames())
    assert [f.value for f in ODataFlavour] == [f.value for f in Flavour]
