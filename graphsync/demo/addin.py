"""The Outlook side of the demo company's add-in links: the items NAV's Outlook add-in made, put into the sandbox.

Each link of table 5302 names a record and the entry id of its Outlook item in the user's mailbox (the user's
salesperson's E-Mail, as the demo sets it up). `stage_addin_items` creates those items in the sandbox's default
folders under those entry ids, with the values the add-in wrote: the record's values as graphsync's default
field maps write them (so that a migration finds them equal), the add-in's user-defined fields as Outlook
user-defined fields (`graphsync.connectors.migration.legacy_property_id`), and nothing of graphsync's.
"""

from __future__ import annotations

from graphsync import mapi
from graphsync.config.entities import EntityName, default_entity
from graphsync.connectors.migration import legacy_property_id
from graphsync.connectors.nav import NavConnector, NavTable
from graphsync.connectors.outlook import ItemKind
from graphsync.engine.binding import bind_entity
from graphsync.engine.navside import NavSide
from graphsync.migrate.addin.links import parse_record_id
from graphsync.migrate.addin.setup import classify
from graphsync.migrate.addin.tables import read_setup
from graphsync.runtime.mailboxes import mailbox_of
from graphsync.sandbox.legacy import LegacyKind, put_legacy_item
from graphsync.sandbox.state import SandboxState

_KINDS = {ItemKind.CONTACT: LegacyKind.CONTACT, ItemKind.EVENT: LegacyKind.EVENT, ItemKind.TASK: LegacyKind.TASK}


def stage_addin_items(nav: NavConnector, sandbox: SandboxState, *, time_zone: str = "UTC") -> dict[str, str]:
    """Put every add-in link's item into the sandbox; returns NAV key -> the item's id. A link whose record or
    user's mailbox cannot be found is skipped (a migration reports it)."""
    setup = read_setup(nav)
    bound = {
        name: bind_entity(default_entity(name), nav.table_def(default_entity(name).table), time_zone=time_zone)
        for name in EntityName
    }
    user_defined = {
        f.entity_code: [(f.outlook_property, f.field_no) for f in setup.fields_of(f.entity_code) if f.user_defined]
        for f in setup.fields
    }
    kinds = {e.code: e for e in setup.entities}
    made: dict[str, str] = {}
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
        entity = navside.route(list(bound.values()), record)
        if entity is None:
            continue
        body, _ = entity.map.outlook_body(entity.map.nav_norm(navside.values(entity, record)), None)
        body = {k: v for k, v in body.items() if v not in (None, "")}
        table = nav.table_def(NavTable(entity.table))
        codes = [c for c, e in kinds.items() if classify(e, setup, nav.table_def) is entity.name]
        props = []
        for code in codes:
            for name, field_no in user_defined.get(code, []):
                value = record.fields.get(table.field(field_no).name)
                if value and entity.name is not EntityName.TASK:
                    props.append({"id": legacy_property_id(name), "value": str(value)})
        if props:
            body["singleValueExtendedProperties"] = list({p["id"]: p for p in props}.values())
        entry = mapi.from_hex(link.entry_id)
        made[f"{int(parsed[0])}:{','.join(parsed[1])}"] = put_legacy_item(
            sandbox, mailbox, _KINDS[entity.kind], body, entry
        )
    return made
