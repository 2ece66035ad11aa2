"""A run reports what happened: a write is counted only when it was done, and an item error names the side
that refused the write (or whose value could not be converted). Issue 20: "errors 1, nav_delete 1" for a
refused delete; "errors 4, outlook_update 4" when all four updates failed; "nav_update 3, errors 2" when
one of three NAV updates succeeded; a conversion error in NAV's value reported as Outlook's."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from graphsync.config.entities import EntityName
from graphsync.connectors.nav import NavTable
from graphsync.connectors.outlook import ItemKind, WriteAction, WriteOp, WriteResult
from graphsync.engine.plan import Side
from graphsync.engine.status import mailbox_status
from graphsync.errors import GraphError, PreconditionFailedError
from graphsync.runtime.summary import report_json, summarize
from tests.engine.conftest import World

BOX = "eh@contoso.com"


def _contact_id(world: World, no: str) -> str:
    (item_id,) = world.box.by_nav_key(ItemKind.CONTACT)[f"5050:{no}"]
    return item_id


async def test_a_refused_nav_delete_is_an_error_and_no_delete(world: World) -> None:
    busy = world.company("Busy")
    world.meeting(busy)  # an open to-do: NAV refuses to delete the contact
    await world.sync()
    world.box.user_delete(ItemKind.CONTACT, _contact_id(world, busy))
    report = await world.sync()
    (error,) = report.errors
    assert error.side is Side.NAV and error.error == "NavRefusedError"
    assert report.counts == {"errors": 1}
    assert report.done == {} and report.items == ()
    (comp,) = [s for s in summarize(report) if s.entity is EntityName.CONT_COMP]
    assert (comp.nav.deleted, comp.nav.errors, comp.outlook.errors) == (0, 1, 0)
    assert mailbox_status(world.store, BOX).runs[0].counts == {"errors": 1}  # what `graphsync status` shows


async def test_outlook_updates_that_all_fail_count_as_errors_only(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    companies = [world.company(f"Company {n}") for n in range(4)]
    await world.sync()
    for no in companies:
        world.nav.edit(NavTable.CONTACT, (no,), **{"Phone No.": "555"})
    real = world.box.write

    async def refusing(ops: Sequence[WriteOp]) -> list[WriteResult]:
        refused = [op for op in ops if op.action is WriteAction.UPDATE]
        done = await real([op for op in ops if op.action is not WriteAction.UPDATE])
        errors = {op.op_id: PreconditionFailedError("changed meanwhile", status=412) for op in refused}
        by_id = {r.op_id: r for r in done}
        return [WriteResult(op.op_id, error=errors[op.op_id]) if op.op_id in errors else by_id[op.op_id] for op in ops]

    monkeypatch.setattr(world.box, "write", refusing)
    report = await world.sync()
    assert report.counts == {"errors": 4}
    assert {e.side for e in report.errors} == {Side.OUTLOOK}
    assert report_json(report, salesperson="EH", exit_code=1)["errors"][0]["side"] == "outlook"


async def test_of_three_nav_updates_one_done_and_two_refused(world: World) -> None:
    companies = [world.company(f"Company {n}") for n in range(3)]
    await world.sync()
    for n, no in enumerate(companies):
        # Name is 100 characters in NAV's Contact table: 120 are refused (NavValidationError), 10 are taken.
        name = "x" * (10 if n == 0 else 120)
        world.box.user_edit(ItemKind.CONTACT, _contact_id(world, no), {"displayName": name})
    report = await world.sync()
    assert report.counts == {"nav_update": 1, "errors": 2}
    assert [e.side for e in report.errors] == [Side.NAV, Side.NAV]
    assert [i.nav_key for i in report.items] == [f"5050:{companies[0]}"]


async def test_a_nav_write_done_before_outlook_refused_is_counted(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A NAV create done, then its Outlook stamp refused: the create counts (it happened), the error is Outlook's."""
    world.box.user_create(ItemKind.TASK, {"title": "Call back"})
    real = world.box.write

    async def refusing(ops: Sequence[WriteOp]) -> list[WriteResult]:
        return [WriteResult(op.op_id, error=GraphError("no", status=500)) for op in ops]

    monkeypatch.setattr(world.box, "write", refusing)
    report = await world.sync()
    monkeypatch.setattr(world.box, "write", real)
    assert report.counts["nav_create"] == 1 and report.counts["errors"] >= 1
    assert report.errors[0].side is Side.OUTLOOK


async def test_a_nav_value_that_does_not_convert_is_navs_error(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The failing side was guessed from the exception's class, and a ConversionError (not one of graphsync's
    error classes by name) was reported as Outlook's even when NAV's value was at fault."""
    from graphsync.mapping.convert import ConversionError
    from graphsync.mapping.fieldmap import EntityMap

    no = world.company("Gibson")
    real = EntityMap.nav_norm

    def failing(self: EntityMap, values: Any) -> Any:
        if values.get("Name") == "Gibson":
            raise ConversionError("NAV's value does not convert")
        return real(self, values)

    real_each = EntityMap.nav_norm_each

    def failing_each(self: EntityMap, values: Any) -> Any:  # the field by field read that follows
        if values.get("Name") == "Gibson":
            return {}, {"displayName": ConversionError("NAV's value does not convert")}
        return real_each(self, values)

    monkeypatch.setattr(EntityMap, "nav_norm", failing)
    monkeypatch.setattr(EntityMap, "nav_norm_each", failing_each)
    report = await world.sync()
    (error,) = [e for e in report.errors if e.nav_key == f"5050:{no}"]
    assert error.side is Side.NAV and error.error == "ConversionError"
    assert report_json(report, salesperson="EH", exit_code=1)["errors"][0]["side"] == "nav"


async def test_an_outlook_value_that_does_not_convert_is_outlooks_error(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from graphsync.mapping.convert import ConversionError
    from graphsync.mapping.fieldmap import EntityMap

    world.box.user_create(ItemKind.CONTACT, {"displayName": "From Outlook"})

    def failing(self: EntityMap, data: Any, user_fields: Any = None) -> Any:
        raise ConversionError("Outlook's value does not convert")

    monkeypatch.setattr(EntityMap, "outlook_norm", failing)
    report = await world.sync()
    assert [e.side for e in report.errors] == [Side.OUTLOOK]
    assert report.counts["errors"] == 1 and "nav_create" not in report.counts
