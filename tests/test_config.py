from dataclasses import replace
from pathlib import Path

import pytest

from graphsync.config import load_config, parse_config
from graphsync.config.entities import DEFAULT_FIELDS, EntityName
from graphsync.config.entities import RESOURCES as RESOURCES_OF
from graphsync.config.model import GraphKind, NavKind
from graphsync.config.outlook import RESOURCES, Resource, path_problem
from graphsync.config.secrets import SecretRef, SecretSource
from graphsync.connectors.outlook import ItemKind
from graphsync.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


def parse(text: str, base: Path = Path("/cfg")):  # type: ignore[no-untyped-def]
    return parse_config(text, file="g.toml", base=base)


def test_example_config_loads_with_documented_defaults() -> None:
    cfg = load_config(ROOT / "config.example.toml")
    assert cfg.nav.kind is NavKind.EMBEDDED
    assert cfg.nav.embedded is not None and cfg.nav.embedded.path == ROOT / "nav.sqlite"
    assert cfg.graph.kind is GraphKind.SANDBOX
    assert cfg.sync.contact_folder == "Dynamics NAV"
    assert cfg.sync.window_past_days == 30 and cfg.sync.window_future_days == 365


def test_empty_config_is_all_defaults() -> None:
    cfg = parse("")
    assert cfg.state.path == Path("/cfg/graphsync-state.sqlite")
    assert cfg.graph.base_url == "http://127.0.0.1:8765/v1.0"


def test_unknown_key_names_file_key_and_known_keys() -> None:
    with pytest.raises(ConfigError) as e:
        parse('[sync]\ncontact_foldr = "X"\n')
    assert e.value.file == "g.toml"
    assert e.value.key == "sync.contact_foldr"
    assert "contact_folder" in e.value.expected


def test_unknown_top_level_table() -> None:
    with pytest.raises(ConfigError) as e:
        parse("[sinc]\n")
    assert e.value.key == "sinc"


def test_wrong_type_names_expected_kind() -> None:
    with pytest.raises(ConfigError) as e:
        parse('[sync]\nwindow_past_days = "thirty"\n')
    assert e.value.key == "sync.window_past_days"
    assert "integer" in e.value.expected


def test_bad_enum_lists_choices() -> None:
    with pytest.raises(ConfigError) as e:
        parse('[graph]\nkind = "google"\n')
    assert "'sandbox'" in e.value.expected and "'microsoft'" in e.value.expected


def test_bad_time_zone() -> None:
    with pytest.raises(ConfigError) as e:
        parse('[sync]\ntime_zone = "Mars/Olympus"\n')
    assert e.value.key == "sync.time_zone"


def test_toml_syntax_error() -> None:
    with pytest.raises(ConfigError) as e:
        parse("[sync\n")
    assert e.value.key == "(syntax)"


def test_missing_file_suggests_init(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as e:
        load_config(tmp_path / "none.toml")
    assert "graphsync init" in e.value.expected


def test_microsoft_requires_tenant_and_client() -> None:
    with pytest.raises(ConfigError) as e:
        parse('[graph]\nkind = "microsoft"\n')
    assert e.value.key == "graph.tenant_id"


def test_literal_secret_refused_and_hidden() -> None:
    with pytest.raises(ConfigError) as e:
        parse('[graph]\nclient_secret = "s3cr3t-value"\n')
    assert e.value.key == "graph.client_secret"
    assert "s3cr3t" not in str(e.value.got)


def test_secret_refs_resolve_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = parse('[graph]\nclient_secret = "env:GS_TEST_SECRET"\n')
    ref = cfg.graph.client_secret
    assert ref == SecretRef(SecretSource.ENV, "GS_TEST_SECRET")
    monkeypatch.setenv("GS_TEST_SECRET", "abc")
    assert ref.resolve() == "abc"
    monkeypatch.delenv("GS_TEST_SECRET")
    with pytest.raises(ConfigError):
        ref.resolve()


def test_mailbox_map_normalised() -> None:
    cfg = parse('[mailboxes]\n"Ester@Contoso.com" = "eh"\n')
    assert cfg.mailboxes == {"ester@contoso.com": "EH"}
    with pytest.raises(ConfigError):
        parse('[mailboxes]\n"nobody" = "EH"\n')


def test_config_is_frozen() -> None:
    cfg = parse("")
    with pytest.raises(AttributeError):
        cfg.sync = None  # type: ignore[misc]


ODATA = """
[nav]
kind = "odata"
[nav.odata]
base_url = "https://nav.contoso.local:7048/NAV/ODataV4"
company = "CRONUS UK Ltd."
auth = "basic"
username = "SYNC"
password = "env:NAV_PASSWORD"
"""


def test_odata_nav_config() -> None:
    cfg = parse(ODATA)
    assert cfg.nav.kind is NavKind.ODATA
    assert cfg.nav.odata is not None and cfg.nav.odata.company == "CRONUS UK Ltd."
    assert cfg.nav.embedded is None


def test_odata_kind_needs_its_table_and_no_path() -> None:
    with pytest.raises(ConfigError) as e:
        parse('[nav]\nkind = "odata"\n')
    assert e.value.key == "nav.odata"
    with pytest.raises(ConfigError) as e:
        parse(ODATA.replace('kind = "odata"', 'kind = "odata"\npath = "nav.sqlite"'))
    assert e.value.key == "nav.path"


def test_odata_table_with_embedded_kind_is_refused() -> None:
    with pytest.raises(ConfigError) as e:
        parse(ODATA.replace('kind = "odata"', 'kind = "embedded"'))
    assert e.value.key == "nav.odata"


def test_example_odata_block_loads_when_uncommented(monkeypatch: pytest.MonkeyPatch) -> None:
    """The commented [nav.odata] example in config.example.toml is itself a valid config."""
    text = (ROOT / "config.example.toml").read_text()
    block = text[text.index("# [nav.odata]") : text.index("[graph]")]
    lines = [ln[2:] if ln.startswith("# ") else "" for ln in block.splitlines()]
    cfg = parse('[nav]\nkind = "odata"\n' + "\n".join(lines))
    assert cfg.nav.odata is not None and cfg.nav.odata.page_size == 1000


def test_graph_request_budget_defaults_to_graphs_limit_and_reads_both_keys() -> None:
    assert (parse("").graph.request_budget, parse("").graph.request_budget_seconds) == (10_000, 600.0)
    cfg = parse("[graph]\nrequest_budget = 600\nrequest_budget_seconds = 10\n")
    assert (cfg.graph.request_budget, cfg.graph.request_budget_seconds) == (600, 10.0)
    assert parse("[graph]\nrequest_budget = 0\n").graph.request_budget == 0  # pacing off


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("request_budget = 5", "graph.request_budget"),  # below a $batch's 20
        ("request_budget = -1", "graph.request_budget"),
        ('request_budget = "lots"', "graph.request_budget"),
        ("request_budget_seconds = 0", "graph.request_budget_seconds"),
        ('request_budget_seconds = "10m"', "graph.request_budget_seconds"),
    ],
)
def test_bad_graph_request_budget_names_the_key(text: str, key: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse(f"[graph]\n{text}\n")
    assert info.value.key == key and info.value.file == "g.toml"


def test_example_config_documents_the_request_budget_at_its_defaults() -> None:
    cfg = load_config(ROOT / "config.example.toml")
    assert (cfg.graph.request_budget, cfg.graph.request_budget_seconds) == (10_000, 600.0)


def test_every_value_the_example_config_shows_is_the_default() -> None:
    """config.example.toml says "the value shown is the default": an empty config must read the same (it said
    sandbox_user defaulted to eh@contoso.com while an empty config had none)."""
    example = load_config(ROOT / "config.example.toml")
    empty = parse_config("", file=None, base=ROOT)
    # The one value marked "no default": the file graphsync init writes.
    assert example.graph.sandbox_data == ROOT / "sandbox.sqlite" and empty.graph.sandbox_data is None
    assert replace(example, file=None, graph=replace(example.graph, sandbox_data=None)) == empty


def test_sandbox_user_defaults_to_the_demo_companys_salesperson_only_for_the_sandbox() -> None:
    assert parse("").graph.sandbox_user == "eh@contoso.com"
    assert parse('[graph]\nsandbox_user = ""\n').graph.sandbox_user == ""
    microsoft = parse('[graph]\nkind = "microsoft"\ntenant_id = "contoso.com"\nclient_id = "x"\n')
    assert microsoft.graph.sandbox_user == ""


def test_sandbox_data_is_a_path_next_to_the_config_and_only_for_the_sandbox() -> None:
    cfg = parse('[graph]\nsandbox_data = "sandbox.sqlite"\n')
    assert cfg.graph.sandbox_data == Path("/cfg/sandbox.sqlite")
    assert parse("").graph.sandbox_data is None
    with pytest.raises(ConfigError) as e:
        parse('[graph]\nkind = "microsoft"\ntenant_id = "t.com"\nclient_id = "x"\nsandbox_data = "s.sqlite"\n')
    assert e.value.key == "graph.sandbox_data"


@pytest.mark.parametrize(
    ("entity", "path", "expected"),
    [
        ("CONT_COMP", "businessPhonez[0]", "did you mean businessPhones[0]?"),
        ("CONT_COMP", "subject", "a property of Outlook contacts"),
        ("CONT_COMP", "businessPhones", "one entry of the collection businessPhones"),
        ("CONT_COMP", "jobTitle[1]", "jobTitle without an index"),
        ("CONT_COMP", "businessAddress", "businessAddress.city"),
        ("CONT_COMP", "emailAddresses[0].adress", "did you mean emailAddresses[0].address?"),
        ("CONT_COMP", "lastModifiedDateTime", "Graph sets lastModifiedDateTime itself"),
        ("TASK", "recurrence", "no NAV field can hold"),
        ("MEETING", "businessPhones[0]", "a property of Outlook events"),
        ("TASK", "dueDateTime.dateTime.x", "a path that ends at dueDateTime.dateTime"),
        ("TASK", "not a path", "a Graph property path"),
    ],
)
def test_an_outlook_path_is_checked_against_the_entitys_graph_resource(entity: str, path: str, expected: str) -> None:
    with pytest.raises(ConfigError) as e:
        parse(f'[[entities.{entity}.fields]]\nnav = "Name"\noutlook = "{path}"\n')
    assert e.value.key == f"entities.{entity}.fields[0].outlook" and expected in e.value.expected


def test_outlook_paths_the_resources_have_are_taken() -> None:
    cfg = parse(
        '[[entities.MEETING.fields]]\nnav = "Location"\noutlook = "location.address.city"\n'
        '[[entities.CONT_PERS.fields]]\nnav = "Pager"\noutlook = "homePhones[1]"\n'
        '[entities.CONT_SP]\ndirection = "outlook-to-nav"\n'
        '[[entities.CONT_SP.fields]]\nnav = "Job Title"\noutlook = "lastModifiedDateTime"\n'
    )
    assert cfg.entities.get(EntityName.MEETING).fields[-1].outlook == "location.address.city"


def test_every_default_path_and_every_property_the_sandbox_takes_is_in_the_catalogue() -> None:
    """The catalogue (Graph's resource pages) and the sandbox (the double, citing the same pages) agree: what
    the sandbox lets a client write, the config lets a field map; and NAV's default maps all pass."""
    from graphsync.sandbox import schema

    for name, fields in DEFAULT_FIELDS.items():
        kind = RESOURCES_OF[name]
        for f in fields:
            if not f.user_defined and f.outlook != "attendees":  # the computed attendees field is built in
                assert path_problem(kind, f.outlook) is None, (name, f.outlook)
    for kind, resource in (
        (Resource.CONTACT, schema.CONTACT),
        (Resource.EVENT, schema.EVENT),
        (Resource.TASK, schema.TODO_TASK),
    ):
        missing = set(resource.writable) - set(RESOURCES[kind])
        assert not missing, (kind, missing)


def test_each_entity_is_checked_against_the_resource_the_engine_makes_of_it() -> None:
    """The config knows no connector: its resource of an entity and the engine's item kind are two names, kept
    alike by this test."""
    from graphsync.engine.entities import item_kind

    for name in EntityName:
        assert RESOURCES_OF[name].value == item_kind(name).value, name
    assert [r.value for r in Resource] == [k.value for k in ItemKind]


def test_time_zone_given_or_not() -> None:
    """A To Do date is a day in the mailbox's own zone unless the config names time_zone (docs/graph-client.md)."""
    assert parse("[sync]\n").sync.time_zone_configured is False
    given = parse('[sync]\ntime_zone = "Europe/Berlin"\n').sync
    assert (given.time_zone, given.time_zone_configured) == ("Europe/Berlin", True)
