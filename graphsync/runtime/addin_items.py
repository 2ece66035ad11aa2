"""The Outlook items NAV's Outlook add-in made for its links, as values: what `graphsync.demo.addin` puts into
the sandbox, so that the demo company's add-in links have their Outlook side to migrate.

Each link of table 5302 names a record and the entry id of its Outlook item in the user's mailbox (the user's
salesperson's mailbox: ``[mailboxes]`` or the salesperson's E-Mail). The item holds the values the add-in wrote:
the record's values as graphsync's default field maps write them (so that a migration finds them equal), the
add-in's user-defined fields as Outlook user-defined fields (`graphsync.connectors.migration.legacy_property_id`),
and nothing of graphsync's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphsync import mapi
from graphsync.config.entities import EntityName, default_entities
from graphsync.connectors.migration import legacy_property_id
from graphsync.connectors.nav import NavConnector
from graphsync.connectors.outlook import ItemKind
from graphsync.engine.context import bind_entities
from graphsync.engine.keys import key_text
from graphsync.engine.navside import NavSide
from graphsync.migrate.addin.links import parse_record_id
from graphsync.migrate.addin.setup import classify
from graphsync.migrate.addin.tables import read_setup
from graphsync.runtime.mailboxes import mailbox_of


@dataclass(frozen=True)
class AddinItem:
    """One add-in link's Outlook item."""

    nav_key: str
    """The linked record's key as graphsync writes it (``5050:CT100006``)."""
    mailbox: str
    kind: ItemKind
    body: dict[str, Any]
    """The item as Graph JSON (a POST's body), its user-defined fields as ``singleValueExtendedProperties``."""
    entry_id: bytes
    """The entry id the add-in recorded for it (`graphsync.mapi`)."""


def addin_items(nav: NavConnector, *, time_zone: str = "UTC") -> list[AddinItem]:
    """The item of every add-in link. A link whose record or user's mailbox cannot be found, or whose record no
    default entity selects, is left out (a migration reports it)."""
    setup = read_setup(nav)
    # NAV's own defaults (the add-in's), whatever a config says: this is what the add-in wrote.
    bound = bind_entities(default_entities(), nav, time_zone=time_zone)
    user_defined = {
        f.entity_code: [(f.outlook_property, f.field_no) for f in setup.fields_of(f.entity_code) if f.user_defined]
        for f in setup.fields
    }
    kinds = {e.code: e for e in setup.entities}
    items: list[AddinItem] = []
    for link in setup.links:
        parsed = parse_record_id(link.record_id)
        salesperson = setup.salesperson_of(link.user_id)
        if parsed is None or salesperson is None:
            continue
        mailbox = mailbox_of(salesperson, nav, {})
        record = nav.get(*parsed)
        if mailbox is None or record is None:
            continue
        navside = NavSide(nav, salesperson)
        entity = navside.route(list(bound), record)
        if entity is None:
            continue
        body, _ = entity.map.outlook_body(entity.map.nav_norm(navside.values(entity, record)), None)
        body = {k: v for k, v in body.items() if v not in (None, "")}
        table = nav.table_def(entity.table)
        codes = [c for c, e in kinds.items() if classify(e, setup, nav.table_def) is entity.name]
        props = []
        for code in codes:
            for name, field_no in user_defined.get(code, []):
                value = record.fields.get(table.field(field_no).name)
                if value and entity.name is not EntityName.TASK:
                    props.append({"id": legacy_property_id(name), "value": str(value)})
        if props:
            body["singleValueExtendedProperties"] = list({p["id"]: p for p in props}.values())
        nav_key = key_text(parsed[0], parsed[1])
        items.append(AddinItem(nav_key, mailbox, entity.kind, body, mapi.from_hex(link.entry_id)))
    return items
