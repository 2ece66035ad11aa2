"""A property graphsync reads with the wrong JSON type is a malformedItem error; what each kind's Graph resource
does not have is not looked at (a contact has no subject)."""

from __future__ import annotations

import pytest

from graphsync.connectors.outlook import ItemKind
from graphsync.errors import GraphError
from graphsync.graph.stamping import _PROPERTIES_OF, _PROPERTY_TYPES, read_item


def test_every_checked_property_belongs_to_some_kind() -> None:
    assert set(_PROPERTY_TYPES) == set().union(*_PROPERTIES_OF.values())


@pytest.mark.parametrize(
    ("kind", "name", "value"),
    [
        (ItemKind.CONTACT, "surname", 5),
        (ItemKind.CONTACT, "emailAddresses", ["a@b"]),
        (ItemKind.CONTACT, "businessPhones", "+44 20 7946 0001"),
        (ItemKind.EVENT, "start", "2026-01-01"),
        (ItemKind.EVENT, "isAllDay", "true"),
        (ItemKind.TASK, "status", 1),
        (ItemKind.TASK, "changeKey", 1),
    ],
)
def test_a_property_of_the_kind_with_the_wrong_type_is_refused(kind: ItemKind, name: str, value: object) -> None:
    with pytest.raises(GraphError) as raised:
        read_item(kind, {"id": "X1", name: value})
    assert raised.value.code == "malformedItem" and name in raised.value.message


@pytest.mark.parametrize(
    ("kind", "name"),
    [(ItemKind.CONTACT, "subject"), (ItemKind.CONTACT, "start"), (ItemKind.EVENT, "surname"), (ItemKind.TASK, "end")],
)
def test_a_property_the_kind_does_not_have_is_not_looked_at(kind: ItemKind, name: str) -> None:
    assert read_item(kind, {"id": "X1", name: 5}).id == "X1"
