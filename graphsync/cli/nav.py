"""`graphsync nav ...`: act as a NAV user on the embedded company (list, show, create, set, delete, changelog).

Tables by name (contact, salesperson, todo, attendee, territory, changelog) or NAV number (5050); fields by
NAV name or number; values as text (dates ``YYYY-MM-DD`` or ``today``, times ``HH:MM``, booleans yes/no,
durations ``1h30m``). NAV's refusals come back in NAV's words with exit code 1 and change nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click
from rich.console import Console
from rich.table import Table

from graphsync.cli.context import cli_config
from graphsync.connectors.nav import NavRecord, NavTable, TableDef
from graphsync.errors import AlreadyExistsError, ConfigError
from graphsync.nav import schema
from graphsync.nav.embedded import EmbeddedNav
from graphsync.nav.texts import not_found
from graphsync.nav.values import field_of, format_value, json_value, parse_text

_DB_META = "graphsync.nav.db"

TABLE_NAMES: dict[str, NavTable] = {
    "contact": NavTable.CONTACT,
    "contacts": NavTable.CONTACT,
    "salesperson": NavTable.SALESPERSON,
    "salespeople": NavTable.SALESPERSON,
    "salesperson/purchaser": NavTable.SALESPERSON,
    "todo": NavTable.TODO,
    "todos": NavTable.TODO,
    "to-do": NavTable.TODO,
    "task": NavTable.TODO,
    "attendee": NavTable.ATTENDEE,
    "attendees": NavTable.ATTENDEE,
    "territory": NavTable.TERRITORY,
    "territories": NavTable.TERRITORY,
    "changelog": NavTable.CHANGE_LOG_ENTRY,
    "change log entry": NavTable.CHANGE_LOG_ENTRY,
}

LIST_COLUMNS: dict[NavTable, tuple[str, ...]] = {
    NavTable.CONTACT: ("No.", "Type", "Name", "Company Name", "Phone No.", "E-Mail", "Salesperson Code"),
    NavTable.SALESPERSON: ("Code", "Name", "Job Title", "E-Mail", "Phone No."),
    NavTable.TODO: ("No.", "Type", "Date", "Start Time", "Description", "Contact No.", "Salesperson Code", "Status"),
    NavTable.ATTENDEE: ("To-do No.", "Line No.", "Attendance Type", "Attendee Type", "Attendee No.", "Attendee Name"),
    NavTable.TERRITORY: ("Code", "Name"),
}
"""What NAV's list pages show first; `show` and ``--json`` give every field."""

CHANGELOG_COLUMNS = (
    "Entry No.",
    "Date and Time",
    "User ID",
    "Table Caption",
    "Primary Key",
    "Field Caption",
    "Type of Change",
    "Old Value",
    "New Value",
)


class TableParam(click.ParamType):
    name = "table"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> NavTable:
        if isinstance(value, NavTable):
            return value
        text = str(value).strip().lower()
        if text in TABLE_NAMES:
            return TABLE_NAMES[text]
        if text.isdigit() and int(text) in set(NavTable):
            return NavTable(int(text))
        for t in schema.TABLES.values():
            if t.name.lower() == text:
                return NavTable(t.no)
        choices = "contact, salesperson, todo, attendee, territory, changelog (or a table number such as 5050)"
        self.fail(f"unknown table {value!r}; use one of: {choices}", param, ctx)


TABLE = TableParam()


# ------------------------------------------------------------------ helpers


def _company_path(ctx: click.Context) -> Path:
    db = ctx.meta.get(_DB_META)
    if isinstance(db, Path):
        return db
    config = cli_config(ctx)
    if config.nav.embedded is None:
        raise ConfigError(
            file=str(config.file) if config.file else None,
            key="nav.kind",
            expected="'embedded' for graphsync nav commands (or give --db PATH)",
            got=config.nav.kind.value,
        )
    return config.nav.embedded.path


def _open(ctx: click.Context) -> EmbeddedNav:
    return EmbeddedNav(_company_path(ctx))


def _today(ctx: click.Context) -> dt.date:
    """Today where NAV's users are (sync.time_zone), which is what a user means by ``Date=today``."""
    return dt.datetime.now(ZoneInfo(cli_config(ctx).sync.time_zone)).date()


def _assignments(ctx: click.Context, t: TableDef, items: Sequence[str]) -> dict[str, object]:
    values: dict[str, object] = {}
    today = _today(ctx)
    for item in items:
        name, sep, text = item.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(
                f'{item!r} is not FIELD=VALUE (quote names with spaces: "Phone No."=1234567)', ctx=ctx
            )
        f = field_of(t, name.strip())
        values[f.name] = parse_text(t, f, text, today=today)
    return values


def _split_key(
    ctx: click.Context, t: TableDef, args: Sequence[str], *, rest: bool
) -> tuple[tuple[str, ...], list[str]]:
    n = len(t.key)
    key = tuple(args[:n])
    extra = list(args[n:])
    if len(key) < n or any("=" in part for part in key) or (extra and not rest):
        raise click.UsageError(f"{t.name} records are named by {n} key value(s): {' '.join(t.key)}", ctx=ctx)
    return key, extra


def _record_json(record: NavRecord, t: TableDef) -> dict[str, object]:
    return {f.name: json_value(f, record.fields[f.name]) for f in t.fields}


def _console() -> Console:
    console = Console(highlight=False)
    if not console.is_terminal:
        console = Console(highlight=False, width=200)
    return console


def _print_table(t: TableDef, records: Iterable[NavRecord], columns: Sequence[str]) -> int:
    table = Table(show_edge=False, pad_edge=False)
    for name in columns:
        table.add_column(name, overflow="fold")
    count = 0
    for record in records:
        table.add_row(*(format_value(t.field(name), record.fields[name]) for name in columns))
        count += 1
    _console().print(table)
    return count


def _print_record(t: TableDef, record: NavRecord) -> None:
    width = max(len(f.name) for f in t.fields)
    for f in t.fields:
        click.echo(f"{f.name.ljust(width)}  {format_value(f, record.fields[f.name])}")
    click.echo(f"{'ETag'.ljust(width)}  {record.etag}")


def _emit(t: TableDef, record: NavRecord, *, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(_record_json(record, t), indent=2, ensure_ascii=False))
    else:
        _print_record(t, record)


# ------------------------------------------------------------------ commands

_DB_HELP = "The embedded company's file (default: nav.embedded.path from the config, ./nav.sqlite)."


def _remember_db(ctx: click.Context, _param: click.Parameter, value: Path | None) -> None:
    if value is not None:
        ctx.meta[_DB_META] = value  # ctx.meta is shared by the group's context and the command's


def db_option(command: Any) -> Any:
    """``--db PATH`` on a nav command: accepted after the command as well as before it (``graphsync nav --db
    x.sqlite list contact`` and ``graphsync nav list contact --db x.sqlite`` mean the same)."""
    return click.option(
        "--db",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        expose_value=False,
        callback=_remember_db,
        help=_DB_HELP,
    )(command)


@click.group()
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), default=None, help=_DB_HELP)
@click.pass_context
def nav(ctx: click.Context, db: Path | None) -> None:
    """Act as a NAV user on the embedded NAV company."""
    if db is not None:
        ctx.meta[_DB_META] = db


@nav.command("init")
@db_option
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--empty", is_flag=True, help="No demo data: only the tables and number series.")
@click.pass_context
def init_cmd(ctx: click.Context, path: Path | None, empty: bool) -> None:
    """Create a NAV company file at PATH (default: the configured one), with the CRONUS demo data."""
    target = path or _company_path(ctx)
    if target.exists():
        raise AlreadyExistsError(
            what="NAV company" if target.is_file() else "folder",
            path=str(target),
            alternative="give graphsync nav init another PATH",
        )
    with EmbeddedNav.create(target, demo=not empty) as company:
        contacts = sum(1 for _ in company.keys(NavTable.CONTACT))
        todos = sum(1 for _ in company.keys(NavTable.TODO))
        people = sum(1 for _ in company.keys(NavTable.SALESPERSON))
        click.echo(
            f"Created NAV company {company.company_name} at {target}: "
            f"{contacts} contacts, {people} salespeople, {todos} to-dos."
        )


@nav.command("list")
@db_option
@click.argument("table", type=TABLE)
@click.option("--where", "where", multiple=True, metavar="FIELD=VALUE", help="Only records with this value.")
@click.option("--json", "as_json", is_flag=True, help="Every field of every record, as JSON.")
@click.pass_context
def list_cmd(ctx: click.Context, table: NavTable, where: tuple[str, ...], as_json: bool) -> None:
    """List the records of TABLE."""
    t = schema.table_def(table)
    filters = _assignments(ctx, t, where)
    with _open(ctx) as company:
        records = company.find(table, filters)
        if as_json:
            click.echo(json.dumps([_record_json(r, t) for r in records], indent=2, ensure_ascii=False))
            return
        columns = CHANGELOG_COLUMNS if table is NavTable.CHANGE_LOG_ENTRY else LIST_COLUMNS.get(table, t.key)
        count = _print_table(t, records, columns)
        click.echo(f"{count} record(s)")


@nav.command("show")
@db_option
@click.argument("table", type=TABLE)
@click.argument("key", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="The record as JSON, by NAV field name.")
@click.pass_context
def show_cmd(ctx: click.Context, table: NavTable, key: tuple[str, ...], as_json: bool) -> None:
    """Show one record of TABLE by its KEY (an attendee: TO-DO-NO LINE-NO)."""
    t = schema.table_def(table)
    nav_key, _ = _split_key(ctx, t, key, rest=False)
    with _open(ctx) as company:
        record = company.get(table, nav_key)
        if record is None:
            raise not_found(t, nav_key)
        _emit(t, record, as_json=as_json)


@nav.command("create")
@db_option
@click.argument("table", type=TABLE)
@click.argument("assignments", nargs=-1, metavar="FIELD=VALUE...")
@click.option(
    "--attendee",
    "attendees",
    multiple=True,
    metavar="NO",
    help="To-dos: one more attendee, a contact or salesperson number (contact:NO / salesperson:CODE to choose).",
)
@click.option("--json", "as_json", is_flag=True, help="The new record as JSON.")
@click.pass_context
def create_cmd(
    ctx: click.Context, table: NavTable, assignments: tuple[str, ...], attendees: tuple[str, ...], as_json: bool
) -> None:
    """Create a record in TABLE; a blank key takes NAV's number series (CT000001, TD000001).

    A meeting to-do gets its salesperson as organizer and its contact as attendee, as NAV's wizard does:

    \b
        graphsync nav create todo Type=Meeting "Contact No."=CT100006 \\
            Date=today "Start Time"=14:00 Description="discuss proposal" \\
            --attendee CT200116
    """
    t = schema.table_def(table)
    values = _assignments(ctx, t, assignments)
    if attendees and table is not NavTable.TODO:
        raise click.UsageError("--attendee is only for to-dos", ctx=ctx)
    with _open(ctx) as company:
        if table is NavTable.TODO:
            lines = [_attendee_line(ctx, company, a) for a in attendees]
            record = company.insert_todo(values, attendees=lines)
        else:
            record = company.insert(table, values)
        if not as_json:
            click.echo(f"Created {t.name} {' '.join(record.key)}.")
        _emit(t, record, as_json=as_json)


def _attendee_line(ctx: click.Context, company: EmbeddedNav, text: str) -> dict[str, object]:
    kind, sep, no = text.partition(":")
    if sep:
        if kind.lower() not in ("contact", "salesperson"):
            raise click.BadParameter(f"{text!r}: use contact:NO or salesperson:CODE", ctx=ctx)
        return {"Attendee Type": kind.capitalize(), "Attendee No.": no}
    if company.get(NavTable.CONTACT, (text.upper(),)) is not None:
        return {"Attendee Type": "Contact", "Attendee No.": text}
    return {"Attendee Type": "Salesperson", "Attendee No.": text}


@nav.command("set")
@db_option
@click.argument("table", type=TABLE)
@click.argument("args", nargs=-1, required=True, metavar="KEY... FIELD=VALUE...")
@click.option("--json", "as_json", is_flag=True, help="The changed record as JSON.")
@click.pass_context
def set_cmd(ctx: click.Context, table: NavTable, args: tuple[str, ...], as_json: bool) -> None:
    """Change fields of one record, by NAV field name or number.

    \b
        graphsync nav set contact CT100006 "Phone No."=1234567
        graphsync nav set todo TD000003 Status=Completed
    """
    t = schema.table_def(table)
    key, items = _split_key(ctx, t, args, rest=True)
    if not items:
        raise click.UsageError("give at least one FIELD=VALUE to change", ctx=ctx)
    values = _assignments(ctx, t, items)
    with _open(ctx) as company:
        # A person at the keyboard changes the record as it is now: NAV's own locking, not an older read.
        record = company.modify(table, key, values, if_match="*")
        _emit(t, record, as_json=as_json)


@nav.command("delete")
@db_option
@click.argument("table", type=TABLE)
@click.argument("key", nargs=-1, required=True)
@click.pass_context
def delete_cmd(ctx: click.Context, table: NavTable, key: tuple[str, ...]) -> None:
    """Delete one record of TABLE by its KEY."""
    t = schema.table_def(table)
    nav_key, _ = _split_key(ctx, t, key, rest=False)
    with _open(ctx) as company:
        company.delete(table, nav_key, if_match="*")
    click.echo(f"Deleted {t.name} {' '.join(nav_key)}.")


@nav.command("changelog")
@db_option
@click.option("--table", "table", type=TABLE, default=None, help="Only entries for this table.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True, help="The newest N entries.")
@click.option("--json", "as_json", is_flag=True, help="The entries as JSON.")
@click.pass_context
def changelog_cmd(ctx: click.Context, table: NavTable | None, limit: int, as_json: bool) -> None:
    """Show the Change Log Entries (table 405), oldest of the newest LIMIT first."""
    t = schema.CHANGE_LOG_ENTRY
    with _open(ctx) as company:
        entries = company.change_log(table, newest=limit)
        if as_json:
            click.echo(json.dumps([_record_json(e, t) for e in entries], indent=2, ensure_ascii=False))
            return
        _print_table(t, entries, CHANGELOG_COLUMNS)
        click.echo(f"{len(entries)} entr{'y' if len(entries) == 1 else 'ies'}")
