"""What ``graphsync sync`` prints for people: what changed, one line per item, and a summary; nothing at all when
nothing changed (as gh, az and vdirsyncer do), so that a scheduled ``--every`` loop is quiet between edits.

A dry run lists each planned change with its values (``old -> new``, as ``--json`` has them). Conflicts and item
errors are always listed in full. Machines read ``--json`` (`graphsync.runtime.summary.report_json`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from rich.markup import escape

from graphsync.cli import messages, output

if TYPE_CHECKING:
    from graphsync.config.entities import EntityName
    from graphsync.runtime import MailboxTarget, PlannedItem, RunReport, SidePlan
    from graphsync.runtime.summary import EntitySummary

MAX_ITEM_LINES = 50
"""Changed items listed one per line in a real run's output; a larger run ends the list with a count."""
VALUE_WIDTH = 60
"""Characters of a value shown in a dry run's change (``--json`` has them whole)."""

Labels = Mapping["EntityName", Mapping[str, str]]
"""Per entity, a field's id (its Outlook target) -> the name a person knows it by in NAV (``Phone No.``)."""


def render(
    report: RunReport, target: MailboxTarget, entities: Sequence[EntityName], *, labels: Labels | None = None
) -> list[str]:
    """The lines to print (rich markup), none when a real run changed nothing and found nothing to report."""
    from graphsync.runtime.summary import summarize

    labels = labels or {}
    summaries = summarize(report, entities)
    lines: list[str] = []
    if report.dry_run:
        lines.extend(_planned(report, labels))
    else:
        lines.extend(_done(report, labels))
    lines.extend(_conflicts(report))
    lines.extend(_errors(report))
    summary = _summary(summaries, planned=report.dry_run)
    if report.dry_run:
        head = f"Dry run for {report.mailbox} (salesperson {target.salesperson}; nothing was written)"
        lines.append(f"{head}: {summary}." if summary else f"{head}: nothing would change.")
    elif lines or summary or report.stopped:
        lines.append(f"Synced {report.mailbox}: {summary or 'no changes'}.")
    if report.stopped:
        lines.append("Stopped early: the next run goes on from here.")
    return lines


def _key(item: PlannedItem) -> str:
    name = f" {item.title!r}" if item.title else ""
    return escape(f"{item.entity.value} {item.nav_key or item.outlook_id}{name}")


def _fields(plan: SidePlan, labels: Mapping[str, str]) -> str:
    return ", ".join(labels.get(c.field, c.field) for c in plan.changes)


def _sides(item: PlannedItem) -> list[tuple[str, SidePlan]]:
    from graphsync.runtime import Op

    sides = (("NAV", item.plan.nav), ("Outlook", item.plan.outlook))
    return [(side, plan) for side, plan in sides if plan.op is not Op.NONE]


def _done(report: RunReport, labels: Labels) -> list[str]:
    from graphsync.runtime import Op

    lines = []
    # The report lists what happened (an item whose write failed: the part that was done, if any).
    done = [i for i in report.items if not i.plan.conflicts]
    for item in done[:MAX_ITEM_LINES]:
        names = labels.get(item.entity, {})
        parts = []
        for side, plan in _sides(item):
            fields = f" {escape(_fields(plan, names if side == 'NAV' else {}))}" if plan.op is Op.UPDATE else ""
            parts.append(f"{side} {plan.op.value}d{fields}")
        lines.append(f"{_key(item)}: {'; '.join(parts)}")
    more = len(done) - MAX_ITEM_LINES + report.omitted
    if more > 0:
        lines.append(f"... and {more:,} more (graphsync sync --json lists up to 1,000 items)")
    return lines


def _shown(value: str | None) -> str:
    if value is None or value == "":
        return "(empty)"
    text = value if len(value) <= VALUE_WIDTH else value[: VALUE_WIDTH - 1] + "…"
    return escape(repr(text))


def _planned(report: RunReport, labels: Labels) -> list[str]:
    from graphsync.runtime import Op

    lines = []
    for item in report.items:
        if item.plan.conflicts:
            continue
        names = labels.get(item.entity, {})
        sides = _sides(item)
        lines.append(f"{_key(item)}: " + "; ".join(f"{side} {plan.op.value}" for side, plan in sides))
        for side, plan in sides:
            if plan.op is Op.DELETE:
                continue
            for change in plan.changes:
                name = escape(names.get(change.field, change.field) if side == "NAV" else change.field)
                if plan.op is Op.CREATE:
                    lines.append(f"    {side} {name}: {_shown(change.new)}")
                else:
                    lines.append(f"    {side} {name}: {_shown(change.old)} -> {_shown(change.new)}")
    if report.omitted:
        lines.append(escape(messages.items_omitted(report.omitted)))
    return lines


def _conflicts(report: RunReport) -> list[str]:
    lines = []
    for item in report.conflicts:
        fields = ", ".join(f"{c.field} (NAV {_shown(c.nav)}, Outlook {_shown(c.outlook)})" for c in item.plan.conflicts)
        lines.append(f"{_key(item)}: [red]conflict[/red] on {escape(fields)}")
    if lines:
        lines.append("Review: graphsync conflicts show KEY; then graphsync conflicts resolve KEY --keep nav|outlook")
    return lines


def _errors(report: RunReport) -> list[str]:
    from graphsync.runtime import Side
    from graphsync.runtime.summary import fix_for

    lines = []
    for e in report.errors:
        side = "NAV" if e.side is Side.NAV else "Outlook"
        name = f"{e.entity.value} {e.nav_key or e.outlook_id or ''}" + (f" {e.title!r}" if e.title else "")
        lines.append(f"{escape(name)}: [red]{side} refused[/red]: {escape(e.message)}")
        note = messages.item_error_note(e.message)
        if note:
            lines.append(f"    {escape(note)}")
        fix = fix_for(e)
        if fix:
            lines.append(f"    {escape(messages.item_error_fix(fix, e))}")
    return lines


_PLANNED = {"created": "to create", "updated": "to update", "deleted": "to delete"}


def _summary(summaries: Sequence[EntitySummary], *, planned: bool) -> str:
    """``NAV 1 updated; Outlook 15 created; 1 conflict`` (a dry run: ``Outlook 15 to create``)."""
    parts = []
    for side in ("nav", "outlook"):
        counts = {"created": 0, "updated": 0, "deleted": 0}
        for s in summaries:
            got = getattr(s, side)
            counts["created"] += got.created
            counts["updated"] += got.updated
            counts["deleted"] += got.deleted
        said = ", ".join(f"{n} {_PLANNED[what] if planned else what}" for what, n in counts.items() if n)
        if said:
            parts.append(f"{'NAV' if side == 'nav' else 'Outlook'} {said}")
    conflicts = sum(s.conflicts for s in summaries)
    errors = sum(s.nav.errors + s.outlook.errors for s in summaries)
    if conflicts:
        parts.append(f"[red]{conflicts} conflict{'s' if conflicts != 1 else ''}[/red]")
    if errors:
        parts.append(f"[red]{errors} item error{'s' if errors != 1 else ''}[/red]")
    return "; ".join(parts)


def show(lines: Sequence[str]) -> None:
    """Each line whole (a terminal folds it; a pipe or a log keeps commands in it on one line)."""
    if lines:
        out = output.console()
        for line in lines:
            out.print(line, soft_wrap=True)
