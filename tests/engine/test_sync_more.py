"""More runner behaviours: stale versions on either side, retries of unlinked failures, progress,
resolving at once, status, partial runs, map edits reaching linked items."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from graphsync.config.entities import EntityName, default_entities
from graphsync.connectors.nav import NavTable
from graphsync.connectors.outlook import ItemKind, WriteOp, WriteResult
from graphsync.engine.conflicts import resolve_now
from graphsync.engine.plan import Side
from graphsync.engine.report import ProgressEvent
from graphsync.engine.status import mailbox_status
from tests.engine.conftest import World

BOX = "eh@contoso.com"


def _item(world: World, no: str) -> str:
    return world.box.by_nav_key(ItemKind.CONTACT)[f"5050:{no}"][0]


async def test_outlook_edit_racing_a_write_is_not_lost(world: World) -> None:
    no = world.company(**{"Phone No.": "1"})
    await world.sync()
    item_id = _item(world, no)
    world.nav.edit(NavTable.CONTACT, (no,), City="Leeds")
    real_write = world.box.write

    async def racing_write(ops: Sequence[WriteOp]) -> list[WriteResult]:
        # A person edits the item between graphsync's read and its write: If-Match must refuse the write.
        world.box.user_edit(ItemKind.CONTACT, item_id, {"mobilePhone": "999"})
        world.box.write = real_write  # type: ignore[method-assign]
        return await real_write(ops)

    world.box.write = racing_write  # type: ignore[method-assign]
    report = await world.sync()
    assert [e.error for e in report.errors] == ["PreconditionFailedError"]
    report = await world.sync()
    assert report.ok, report.errors
    record = world.nav.get(NavTable.CONTACT, (no,))
    assert record is not None and record.fields["Mobile Phone No."] == "999"
    assert world.box.items[ItemKind.CONTACT][item_id].data["businessAddress"]["city"] == "Leeds"


async def test_nav_edit_racing_a_write_is_not_lost(world: World) -> None:
    no = world.company()
    await world.sync()
    world.box.user_edit(ItemKind.CONTACT, _item(world, no), {"mobilePhone": "5"})
    real_modify = world.nav.modify

    def racing_modify(*args: object, **kw: object):  # type: ignore[no-untyped-def]
        world.nav.modify = real_modify  # type: ignore[method-assign]
        real_modify(NavTable.CONTACT, (no,), {"City": "York"}, if_match="*")
        return real_modify(*args, **kw)  # type: ignore[arg-type]

    world.nav.modify = racing_modify  # type: ignore[method-assign]
    report = await world.sync()
    assert [e.error for e in report.errors] == ["NavConcurrencyError"]
    assert (await world.sync()).ok
    record = world.nav.get(NavTable.CONTACT, (no,))
    assert record is not None and (record.fields["Mobile Phone No."], record.fields["City"]) == ("5", "York")
    assert world.box.items[ItemKind.CONTACT][_item(world, no)].data["businessAddress"]["city"] == "York"


async def test_an_outlook_item_nav_refuses_is_retried_until_fixed(world: World) -> None:
    item_id = world.box.user_create(ItemKind.CONTACT, {"displayName": "X" * 60})
    report = await world.sync()
    assert [e.error for e in report.errors] == ["NavValidationError"]
    report = await world.sync()  # not in any delta any more, but remembered
    assert [e.outlook_id for e in report.errors] == [item_id]
    world.box.user_edit(ItemKind.CONTACT, item_id, {"displayName": "Shorter"})
    assert (await world.sync()).ok
    assert [r.fields["Name"] for r in world.nav.find(NavTable.CONTACT, {"Type": "Company"})] == ["Shorter"]


async def test_progress_events_cover_every_kind(world: World) -> None:
    world.company()
    seen: list[ProgressEvent] = []
    await world.sync(progress=seen.append)
    assert {e.kind for e in seen} == {"contact", "event", "task"}
    assert {e.phase for e in seen} == {"read", "plan", "apply"}


async def test_resolve_now_applies_without_reading_changes(world: World) -> None:
    no = world.company(**{"Phone No.": "1"})
    await world.sync()
    world.nav.edit(NavTable.CONTACT, (no,), **{"Phone No.": "2"})
    world.box.user_edit(ItemKind.CONTACT, _item(world, no), {"businessPhones": ["3"]})
    await world.sync()
    other = world.company("Unrelated")  # a change the immediate resolution must not pick up
    report = await resolve_now(world.context(), keep=Side.OUTLOOK)
    assert report.ok and [i.nav_key for i in report.items] == [f"5050:{no}"]
    assert report.resolved == (f"5050:{no}",)
    assert world.nav.get(NavTable.CONTACT, (no,)).fields["Phone No."] == "3"  # type: ignore[union-attr]
    assert f"5050:{other}" not in world.box.by_nav_key(ItemKind.CONTACT)
    await world.sync()
    assert f"5050:{other}" in world.box.by_nav_key(ItemKind.CONTACT)


async def test_status_reports_runs_links_conflicts(world: World) -> None:
    world.company()
    await world.sync()
    status = mailbox_status(world.store, BOX)
    assert status.links == {"CONT_COMP": 1, "CONT_SP": 1}
    assert [r.status for r in status.runs] == ["ok"] and status.runs[0].counts["outlook_create"] == 2
    assert status.open_conflicts == 0 and status.last_errors == ()


async def test_a_partial_run_does_not_advance_shared_cursors(world: World) -> None:
    comp = world.company()
    world.nav.insert(NavTable.CONTACT, {"Type": "Person", "Name": "Ann Lee", "Company No.": comp})
    await world.sync(entities=frozenset({EntityName.CONT_COMP}))
    assert [k for k in world.box.by_nav_key(ItemKind.CONTACT)] == [f"5050:{comp}"]
    await world.sync()
    assert len(world.box.by_nav_key(ItemKind.CONTACT)) == 3  # company, person, salesperson


async def test_removing_a_user_field_from_the_map_removes_it_from_linked_items(world: World) -> None:
    no = world.company()
    await world.sync()
    assert world.box.items[ItemKind.CONTACT][_item(world, no)].user_fields == {"Salesperson Code": "EH"}
    world.entities = replace(
        default_entities(),
        entities=tuple(
            replace(s, fields=tuple(f for f in s.fields if not f.user_defined)) if s.name is EntityName.CONT_COMP else s
            for s in default_entities()
        ),
    )
    assert (await world.sync()).ok
    assert world.box.items[ItemKind.CONTACT][_item(world, no)].user_fields == {}


async def test_never_policy_recreates_in_nav_under_a_new_number(world: World) -> None:
    from graphsync.config.entities import DeletePolicy

    world.entities = replace(
        world.entities,
        entities=tuple(
            replace(s, delete_policy=DeletePolicy.NEVER) if s.name is EntityName.CONT_COMP else s
            for s in world.entities
        ),
    )
    no = world.company("Keep Me")
    await world.sync()
    item_id = _item(world, no)
    world.nav.delete(NavTable.CONTACT, (no,), if_match="*")
    assert (await world.sync()).ok
    (again,) = list(world.nav.find(NavTable.CONTACT, {"Name": "Keep Me"}))
    assert again.key != (no,)
    assert world.box.items[ItemKind.CONTACT][item_id].nav_key == f"5050:{again.key[0]}"
    assert mailbox_status(world.store, BOX).links["CONT_COMP"] == 1
    assert (await world.sync()).items == ()


async def test_event_with_the_category_becomes_a_meeting_and_others_are_left_alone(world: World) -> None:
    when = {
        "start": {"dateTime": "2026-12-01T09:00:00.0000000", "timeZone": "UTC"},
        "end": {"dateTime": "2026-12-01T10:00:00.0000000", "timeZone": "UTC"},
    }
    world.box.user_create(ItemKind.EVENT, {"subject": "Lunch", **when})
    world.box.user_create(ItemKind.EVENT, {"subject": "Demo for Gibson", "categories": ["Dynamics NAV"], **when})
    assert (await world.sync()).ok
    (todo,) = list(world.nav.find(NavTable.TODO, {}))
    assert todo.fields["Type"] == "Meeting" and todo.fields["Description"] == "Demo for Gibson"
    assert str(todo.fields["Date"]) == "2026-12-01" and str(todo.fields["Start Time"]) == "09:00:00"
    assert (await world.sync()).items == ()


async def test_a_full_outlook_round_does_not_read_unchanged_records_from_nav(world: World) -> None:
    numbers = [world.company(f"C{i}") for i in range(20)]
    await world.sync()
    await world.sync()  # the echoes of the creates
    world.box.expire_delta(ItemKind.CONTACT)
    world.box.user_edit(ItemKind.CONTACT, _item(world, numbers[3]), {"mobilePhone": "42"})
    gets = world.nav.gets
    report = await world.sync()
    assert [i.nav_key for i in report.items] == [f"5050:{numbers[3]}"]
    assert world.nav.gets - gets == 1


async def test_meetings_outside_the_window_are_not_created_and_aged_ones_are_left_alone(world: World) -> None:
    import datetime as dt

    contact = world.company(**{"E-Mail": "info@gibson.example"})
    old = world.meeting(contact, "long ago", Date=dt.date.today() - dt.timedelta(days=100))
    await world.sync()
    assert f"5080:{old}" not in world.box.by_nav_key(ItemKind.EVENT)

    await world.sync(window_past_days=None)  # a run with no past limit links it
    (event_id,) = world.box.by_nav_key(ItemKind.EVENT)[f"5080:{old}"]
    world.nav.edit(NavTable.TODO, (old,), Location="Archive")
    report = await world.sync()  # back to the default window: aged, so neither changed nor deleted
    assert report.items == () and event_id in world.box.items[ItemKind.EVENT]
    assert world.box.items[ItemKind.EVENT][event_id].data["location"] == {"displayName": ""}


def test_options_from_config() -> None:
    from pathlib import Path

    from graphsync.config import parse_config

    cfg = parse_config(
        '[sync]\ntime_zone = "Europe/London"\ncategory = "CRM"\nmass_delete_min = 3\n', file=None, base=Path("/")
    )
    from graphsync.graph.identity import MailboxIdentity
    from graphsync.runtime import MailboxTarget, RunSettings, Runtime
    from graphsync.runtime.graph import mailbox_options

    target = MailboxTarget(MailboxIdentity("eh@contoso.com", None), "EH", None)
    opts = Runtime(cfg).sync_options(target, RunSettings(dry_run=True))
    assert (opts.time_zone, opts.mass_delete_min, opts.dry_run, opts.salesperson_code) == (
        "Europe/London",
        3,
        True,
        "EH",
    )
    # The meeting window and category are the mailbox's: one place, which the engine asks (`MeetingScope`).
    graph = mailbox_options(cfg.sync)
    assert (graph.category, graph.window_past_days, graph.window_future_days) == ("CRM", 30, 365)


async def test_a_far_future_meeting_is_created_once_the_window_reaches_it(world: World) -> None:
    import datetime as dt

    contact = world.company()
    far = world.meeting(contact, "next year", Date=dt.date.today() + dt.timedelta(days=40))
    await world.sync(window_future_days=30)
    assert f"5080:{far}" not in world.box.by_nav_key(ItemKind.EVENT)
    gets = world.nav.gets
    await world.sync(window_future_days=30)  # not changed, but still looked at: the window's edge moves daily
    assert world.nav.gets > gets and f"5080:{far}" not in world.box.by_nav_key(ItemKind.EVENT)
    await world.sync(window_future_days=60)
    assert f"5080:{far}" in world.box.by_nav_key(ItemKind.EVENT)
