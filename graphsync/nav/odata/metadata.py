"""The service's ``$metadata``: which pages are published and which properties each one exposes.

Read once per connection. Only what graphsync needs is kept: per entity set, its key and its properties
with their Edm type and MaxLength.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from graphsync.errors import NavConnectionError

EDMX = "{http://docs.oasis-open.org/odata/ns/edmx}"
EDM = "{http://docs.oasis-open.org/odata/ns/edm}"


@dataclass(frozen=True)
class PropertyInfo:
    name: str
    edm_type: str
    max_length: int = 0


@dataclass(frozen=True)
class EntitySetInfo:
    name: str
    key: tuple[str, ...]
    properties: Mapping[str, PropertyInfo]


@dataclass(frozen=True)
class ServiceMetadata:
    entity_sets: Mapping[str, EntitySetInfo]

    def published(self) -> list[str]:
        return sorted(self.entity_sets)


def parse_metadata(text: bytes, *, url: str) -> ServiceMetadata:
    """The entity sets of an OData V4 EDMX document; NavConnectionError when it is not one."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise NavConnectionError(f"{url} is not an OData V4 metadata document ({exc})") from None
    if root.tag != f"{EDMX}Edmx":
        raise NavConnectionError(
            f"{url} is not an OData V4 metadata document (root element {root.tag}; is base_url the ODataV4 root?)"
        )
    types: dict[str, tuple[tuple[str, ...], dict[str, PropertyInfo]]] = {}
    sets: dict[str, str] = {}
    for schema in root.iter(f"{EDM}Schema"):
        namespace = schema.get("Namespace", "")
        alias = schema.get("Alias")
        for entity_type in schema.findall(f"{EDM}EntityType"):
            name = entity_type.get("Name", "")
            key = tuple(ref.get("Name", "") for ref in entity_type.iterfind(f"{EDM}Key/{EDM}PropertyRef"))
            props = {}
            for prop in entity_type.findall(f"{EDM}Property"):
                pname = prop.get("Name", "")
                length = prop.get("MaxLength", "")
                props[pname] = PropertyInfo(pname, prop.get("Type", ""), int(length) if length.isdigit() else 0)
            for prefix in filter(None, (namespace, alias)):
                types[f"{prefix}.{name}"] = (key, props)
        for container in schema.findall(f"{EDM}EntityContainer"):
            for entity_set in container.findall(f"{EDM}EntitySet"):
                sets[entity_set.get("Name", "")] = entity_set.get("EntityType", "")
    entity_sets = {}
    for set_name, type_name in sets.items():
        if type_name in types:
            key, props = types[type_name]
            entity_sets[set_name] = EntitySetInfo(set_name, key, MappingProxyType(props))
    return ServiceMetadata(MappingProxyType(entity_sets))
