"""Items a person makes in Outlook are stamped with the NAV key of the record made from them, so that a resync
without local state (or a run whose state was lost) finds them instead of making a second NAV record."""

from __future__ import annotations

from graphsync.connectors.nav import NavTable
from graphsync.engine.state import StateStore
from tests.reliability.harness import InProcess


async def test_a_task_made_in_to_do_gets_its_nav_key_and_then_rests(inproc: InProcess) -> None:
    assert (await inproc.sync()).ok
    with inproc.outlook() as outlook:
        lst = outlook.todo_list()
        made = outlook.call("POST", f"/me/todo/lists/{lst}/tasks", {"title": "Call the printer"})
    report = await inproc.sync()
    assert report.ok, report.errors
    (todo,) = inproc.nav_connector.find(NavTable.TODO, {"Description": "Call the printer"})
    with inproc.outlook() as outlook:
        (task,) = [t for t in outlook.tasks() if t["id"] == made["id"]]
    assert task["navKey"] == f"5080:{todo.key[0]}"
    # Stamped once. (NAV's defaulted start and due dates reach To Do one run later, and then nothing is left.)
    await inproc.sync()
    rest = await inproc.sync()
    assert rest.items == (), [(i.plan.nav, i.plan.outlook) for i in rest.items]
    # A run that lost its state finds the task by its key instead of making a second to-do.
    inproc.store.close()
    (inproc.root / "state.sqlite").unlink()
    inproc.store = StateStore(inproc.root / "state.sqlite")
    report = await inproc.sync()
    assert report.ok, report.errors
    assert len(list(inproc.nav_connector.find(NavTable.TODO, {"Description": "Call the printer"}))) == 1
    with inproc.outlook() as outlook:
        assert [t["title"] for t in outlook.tasks()].count("Call the printer") == 1
