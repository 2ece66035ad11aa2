"""``graphsync entities list | show CODE`` and ``graphsync fields add | remove``: what syncs with what.

Entities and their field maps come from the config (`graphsync.config.entities`: NAV's defaults plus what
the ``[entities]`` tables change); ``fields`` edits those tables (`graphsync.runtime.fields`).
"""

from __future__ import annotations

from typing import Any

import click

from graphsync.cli import output
from graphsync.cli.context import cli_config
from graphsync.config.entities import BUILT_IN_SELECTION, EntitySpec, FieldSpec
from graphsync.connectors.nav import NavConnector, TableDef
from graphsync.errors import NavError
from graphsync.runtime import item_kind, nav_table
from graphsync.runtime.nav import open_nav


def _condition(spec: EntitySpec) -> str:
    parts = [
        f"{c.field} = {' | '.join(repr(v) for v in c.values)}"
        for c in (*BUILT_IN_SELECTION[spec.name], *spec.condition)
    ]
    return "; ".join(parts) or "all records"


def _nav_names(field: FieldSpec, table: TableDef | None) -> str:
    names = []
    for ref in field.nav:
        try:
            f = table.field(ref) if table is not None else None
        except KeyError:
            f = None
        names.append(f"{f.no} {f.name}" if f is not None else str(ref))
    return " + ".join(names)


def entity_json(spec: EntitySpec, table: TableDef | None = None) -> dict[str, Any]:
    """The entity and its map; ``outlook`` is each field's target as a run names it (with NAV reachable, a
    user-defined field configured without a name is named after its NAV field, as the run does)."""
    from graphsync.runtime.fields import resolved_target

    return {
        "code": spec.name.value,
        "nav_table": int(nav_table(spec.name)),
        "outlook": item_kind(spec.name).value,
        "enabled": spec.enabled,
        "direction": spec.direction.value,
        "conflict_policy": spec.conflict_policy.value,
        "delete_policy": spec.delete_policy.value,
        "condition": _condition(spec),
        "fields": [
            {
                "nav": _nav_names(f, table),
                "outlook": resolved_target(f, table),
                "user_defined": f.user_defined,
                "read_only": f.read_only,
                "conversion": f.conversion.value if f.conversion else None,
                "configured": f.key != "(built-in)",
            }
            for f in spec.fields
        ],
    }


@click.group()
def entities() -> None:
    """What syncs with what: NAV tables to Outlook contacts, events and tasks, field by field."""


@entities.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the entities as JSON.")
@click.pass_context
def list_entities(ctx: click.Context, as_json: bool) -> None:
    """List the entities, their direction, policies and selection."""
    config = cli_config(ctx)
    if as_json:
        output.print_json([entity_json(s) for s in config.entities])
        return
    output.show(
        output.table(
            "Entities (graphsync entities show CODE)",
            ("code", "NAV table", "Outlook", "enabled", "direction", "conflicts", "deletes", "fields", "selection"),
            [
                (
                    s.name.value,
                    f"{int(nav_table(s.name))} {nav_table(s.name).name.title()}",
                    item_kind(s.name).value,
                    "yes" if s.enabled else "no",
                    s.direction.value,
                    s.conflict_policy.value,
                    s.delete_policy.value,
                    len(s.fields),
                    _condition(s),
                )
                for s in config.entities
            ],
        )
    )


def _table_def(nav_factory: Any, spec: EntitySpec) -> TableDef | None:
    """NAV's definition of the entity's table, to show field numbers and names; None when NAV cannot be
    reached (the map is still shown, with the references as configured)."""
    try:
        nav: NavConnector = nav_factory()
    except NavError:
        return None
    try:
        return nav.table_def(nav_table(spec.name))
    except NavError:
        return None
    finally:
        nav.close()


@entities.command("show")
@click.argument("code")
@click.option("--json", "as_json", is_flag=True, help="Print the entity and its field map as JSON.")
@click.pass_context
def show_entity(ctx: click.Context, code: str, as_json: bool) -> None:
    """Show one entity's field map: NAV field, Outlook property, user-defined, read-only, conversion."""
    from graphsync.runtime.fields import entity_code

    config = cli_config(ctx)
    spec = config.entities.get(entity_code(code))
    table = _table_def(lambda: open_nav(config), spec)
    if as_json:
        output.print_json(entity_json(spec, table))
        return
    data = entity_json(spec, table)
    output.show(
        f"{spec.name.value}: NAV table {int(nav_table(spec.name))} -> Outlook {item_kind(spec.name).value}s, "
        f"{spec.direction.value}, "
        f"conflicts {spec.conflict_policy.value}, deletes {spec.delete_policy.value}"
        + ("" if spec.enabled else " (disabled)"),
        f"Selection: {data['condition']}",
        output.table(
            None,
            ("NAV field", "Outlook", "user-defined", "read-only", "conversion", "from"),
            [
                (
                    f["nav"],
                    f["outlook"].removeprefix("user:"),
                    "yes" if f["user_defined"] else "",
                    "yes" if f["read_only"] else "",
                    f["conversion"] or "",
                    "config" if f["configured"] else "default",
                )
                for f in data["fields"]
            ],
        ),
    )


@click.group()
def fields() -> None:
    """Add or remove fields of an entity's map (edits the config file, keeping its comments)."""


@fields.command("add")
@click.argument("code")
@click.argument("field_no", metavar="FIELD_NO")
@click.option("--user-defined", is_flag=True, help="Keep the value in a user-defined field named after the NAV field.")
@click.option(
    "--outlook", metavar="PROPERTY", help="The Graph property (businessPhones[0]); with --user-defined, its name."
)
@click.option("--read-only", is_flag=True, help="NAV -> Outlook only: Outlook edits of the field are not taken.")
@click.pass_context
def add_command(
    ctx: click.Context, code: str, field_no: str, user_defined: bool, outlook: str | None, read_only: bool
) -> None:
    """Map NAV field FIELD_NO (number or name) of entity CODE, and log its changes in NAV."""
    from graphsync.runtime.fields import ChangeLogging, add_field, entity_code

    config = cli_config(ctx)
    entity = entity_code(code)
    nav = open_nav(config)
    try:
        added = add_field(
            config, nav, entity=entity, field=field_no, outlook=outlook, user_defined=user_defined, read_only=read_only
        )
    finally:
        nav.close()
    target = added.field.target.removeprefix("user:")
    kind = "user-defined field" if added.field.user_defined else "Outlook property"
    click.echo(
        f"{entity.value}: NAV field {added.nav_field.no} {added.nav_field.name} now syncs with the {kind} {target} "
        f"(written to {config.file})."
    )
    if added.change_logging is ChangeLogging.ENABLED:
        click.echo(f"NAV change logging is on for {added.table.name}.{added.nav_field.name}.")
    else:
        click.echo(
            f"This NAV cannot be set up from graphsync. Ask an administrator to open Change Log Setup, Tables, "
            f"table {added.table.no} {added.table.name}, set Log Insertion, Log Modification and Log Deletion to "
            f"'Some Fields', and tick field {added.nav_field.no} {added.nav_field.name} for all three."
        )
    click.echo("Items synced before get the field's value at the next sync.")


@fields.command("remove")
@click.argument("code")
@click.argument("field")
@click.pass_context
def remove_command(ctx: click.Context, code: str, field: str) -> None:
    """Unmap FIELD (its Outlook property, user-defined name, or NAV field number) from entity CODE."""
    from graphsync.runtime.fields import entity_code, remove_field

    config = cli_config(ctx)
    entity = entity_code(code)
    nav = open_nav(config)
    try:
        removed = remove_field(config, nav, entity=entity, field=field)
    finally:
        nav.close()
    name = removed.target.removeprefix("user:")
    kind = "user-defined field" if removed.target.startswith("user:") else "Outlook property"
    fields = " + ".join(f"{f.no} {f.name}" for f in removed.nav_fields) or "its NAV field"
    click.echo(f"{entity.value}: the {kind} {name} is removed from the map (written to {config.file}).")
    if removed.still:
        others = ", ".join(t.removeprefix("user:") for t in removed.still)
        click.echo(f"NAV field {fields} still syncs with {others}.")
    else:
        click.echo(f"NAV field {fields} is no longer synced with Outlook.")
    # NAV's change logging is left on: other entities may map the field, and logging is what tells graphsync
    # about deletions.
    if removed.target.startswith("user:"):
        click.echo(f"The next sync removes the user-defined field {name} from the Outlook items.")
