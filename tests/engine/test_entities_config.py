from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from graphsync.config import parse_config
from graphsync.config.entities import OWNER, ConflictPolicy, DeletePolicy, Direction, EntityName, default_entities
from graphsync.connectors.nav import NavTable
from graphsync.engine.binding import bind_entity
from graphsync.engine.entities import nav_table
from graphsync.errors import ConfigError
from graphsync.mapping.convert import CountryConverter, DateTimeConverter, OptionConverter
from graphsync.nav.schema import TABLES

ROOT = Path(__file__).resolve().parents[2]


def parse(text: str):  # type: ignore[no-untyped-def]
    return parse_config(text, file="g.toml", base=Path("/cfg"))


def test_empty_config_gives_navs_defaults() -> None:
    entities = parse("").entities
    assert [e.name for e in entities] == list(EntityName)
    comp = entities.get(EntityName.CONT_COMP)
    assert comp.direction is Direction.BIDIRECTIONAL and comp.conflict_policy is ConflictPolicy.MANUAL
    assert "user:Salesperson Code" in {f.target for f in comp.fields}
    assert entities.get(EntityName.TASK).condition[0].values == (OWNER,)


def test_example_config_entities_are_the_defaults() -> None:
    text = (ROOT / "config.example.toml").read_text()
    assert parse(text).entities == default_entities()


def test_entity_settings_fields_added_replaced_and_removed() -> None:
    cfg = parse(
        """
[entities.CONT_COMP]
direction = "nav-to-outlook"
conflict_policy = "nav-wins"
delete_policy = "unlink"
condition = { "Salesperson Code" = "@owner", "Territory Code" = ["EANG", "LND"] }
remove = ["businessHomePage", "Salesperson Code"]

[[entities.CONT_COMP.fields]]
nav = 15
user_defined = true

[[entities.CONT_COMP.fields]]
nav = "Phone No."
outlook = "businessPhones[0]"
read_only = true
"""
    )
    comp = cfg.entities.get(EntityName.CONT_COMP)
    assert comp.direction is Direction.NAV_TO_OUTLOOK and comp.delete_policy is DeletePolicy.UNLINK
    assert [(c.field, c.values) for c in comp.condition] == [
        ("Salesperson Code", ("@owner",)),
        ("Territory Code", ("EANG", "LND")),
    ]
    targets = [f.target for f in comp.fields]
    assert "businessHomePage" not in targets and "user:Salesperson Code" not in targets
    assert targets[-2:] == ["user:15", "businessPhones[0]"]
    assert comp.fields[-1].read_only and targets.count("businessPhones[0]") == 1
    bound = bind_entity(comp, TABLES[nav_table(comp.name)], time_zone="UTC")
    assert bound.map.field("user:Territory Code").user_field == "Territory Code"


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        ("[entities.CONT_XX]\n", "entities.CONT_XX", "entity name"),
        ('[entities.TASK]\ndirection = "both"\n', "entities.TASK.direction", "'bidirectional'"),
        ("[entities.TASK]\ncolour = 1\n", "entities.TASK.colour", "known key"),
        ('[entities.TASK]\nremove = ["nothing"]\n', "entities.TASK.remove[0]", "Outlook target"),
        (
            '[[entities.TASK.fields]]\nnav = "Description"\noutlook = "a..b"\n',
            "entities.TASK.fields[0].outlook",
            "property path",
        ),
        ("[[entities.TASK.fields]]\nnav = true\noutlook = 'x'\n", "entities.TASK.fields[0].nav", "field name"),
        ("[[entities.TASK.fields]]\nnav = [1, 2, 3]\noutlook = 'x'\n", "entities.TASK.fields[0].nav", "two"),
        ("[[entities.TASK.fields]]\nnav = 'Description'\n", "entities.TASK.fields[0].outlook", "set"),
        ("[[entities.TASK.fields]]\nnav = 'X'\noutlook = 'x'\nwhat = 1\n", "entities.TASK.fields[0].what", "known key"),
    ],
)
def test_bad_entity_config_names_key_and_expectation(text: str, key: str, expected: str) -> None:
    with pytest.raises(ConfigError) as e:
        parse(text)
    assert e.value.file == "g.toml" and e.value.key == key and expected in e.value.expected


def test_binding_resolves_numbers_and_names_and_chooses_converters() -> None:
    for spec in default_entities():
        bind_entity(spec, TABLES[nav_table(spec.name)], time_zone="Europe/London")
    meeting = bind_entity(
        default_entities().get(EntityName.MEETING), TABLES[EntityName.MEETING and 5080], time_zone="UTC"
    )  # type: ignore[index]
    assert isinstance(meeting.map.field("start").converter, DateTimeConverter)
    assert isinstance(meeting.map.field("importance").converter, OptionConverter)
    assert not meeting.map.field("attendees").to_nav
    comp = bind_entity(default_entities().get(EntityName.CONT_COMP), TABLES[NavTable.CONTACT], time_zone="UTC")
    assert isinstance(comp.map.field("businessAddress.countryOrRegion").converter, CountryConverter)
    assert comp.matches({"Type": "Company"}, "EH") and not comp.matches({"Type": "Person"}, "EH")
    task = bind_entity(default_entities().get(EntityName.TASK), TABLES[NavTable.TODO], time_zone="UTC")
    assert task.matches({"Type": "", "System To-do Type": "Organizer", "Salesperson Code": "EH"}, "eh")
    assert not task.matches({"Type": "", "System To-do Type": "Organizer", "Salesperson Code": "OF"}, "EH")
    assert task.insert_defaults("eh")["Salesperson Code"] == "EH"


def test_binding_errors_name_the_field_key() -> None:
    cfg = parse('[[entities.CONT_COMP.fields]]\nnav = 9999\noutlook = "nickName"\n')
    with pytest.raises(ConfigError) as e:
        bind_entity(cfg.entities.get(EntityName.CONT_COMP), TABLES[NavTable.CONTACT], time_zone="UTC")
    assert e.value.key == "entities.CONT_COMP.fields[0].nav" and "5050" in e.value.expected
    cfg = parse('[[entities.TASK.fields]]\nnav = "Priority"\noutlook = "importance"\nvalues = { Urgent = "high" }\n')
    with pytest.raises(ConfigError) as e:
        bind_entity(cfg.entities.get(EntityName.TASK), TABLES[NavTable.TODO], time_zone="UTC")
    assert e.value.key.endswith("fields[0].values") and e.value.got == "Urgent"


def test_binding_a_programmatic_spec_with_a_bad_path_is_a_config_error() -> None:
    from graphsync.config.entities import FieldSpec

    spec = default_entities().get(EntityName.TASK)
    bad = FieldSpec(nav=("Description",), outlook="title..x", key="entities.TASK.fields[9]")
    with pytest.raises(ConfigError) as e:
        bind_entity(replace(spec, fields=(bad,)), TABLES[NavTable.TODO], time_zone="UTC")
    assert e.value.key == "entities.TASK.fields[9].outlook"
