"""A recurring NAV to-do and the Outlook series it is linked to, one occurrence at a time. Pure: no I/O.

NAV holds a recurrence one to-do at a time: closing (or canceling) a Recurring to-do makes the next one, a copy
dated by the Recurring Date Interval (Table 5080, CreateRecurringTask). Outlook holds the whole series. So
the series stays linked to the open to-do, whichever occurrence that is: the link's base records which one
(`OCCURRENCE`, absent for the first), and the to-do's start and end are compared with that occurrence's, the
master's start and end moved on by as many steps of the series (in the series' own time zone, as Outlook
places an occurrence: the master's time of day that day). A change of the to-do's time of day or length in
NAV is moved back by the same steps when written, so it changes the series as a whole (its master), the way
NAV carries it into every next to-do; a move to another day cannot be written (`settle`): the series' days
are its recurrence's, which Outlook owns.

When NAV has made the next to-do (`follows`), it takes the link over (`successor_base`): the occurrence its
date falls on, or else the one after its predecessor's, whose date and time it then takes from Outlook (which
owns the recurrence). The closed to-do keeps nothing in Outlook: the series' past occurrence is its meeting,
and a closed recurring to-do without a link is never created as a meeting of its own (`past_occurrence`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graphsync.connectors.dateformula import DateFormulaError, add_months, calc_date, terms
from graphsync.connectors.nav import NavRecord
from graphsync.connectors.outlook import OutlookItem
from graphsync.engine.binding import BoundEntity
from graphsync.engine.plan import FieldChange, ItemPlan, SidePlan
from graphsync.mapping.convert import DateTimeConverter, RecurrenceConverter
from graphsync.mapping.fieldmap import EntityMap
from graphsync.timezones import zone_of

OCCURRENCE = "series:occurrence"
"""The base key of a link to a series: which occurrence its to-do stands for (0, the first, when absent)."""

MASTER = "seriesMaster"


@dataclass(frozen=True)
class SeriesFields:
    """Where a map holds an event's start, end and recurrence (field ids), and the zone of its NAV times."""

    start: str
    end: str
    recurrence: str
    nav_zone: str


def series_fields(entity_map: EntityMap) -> SeriesFields | None:
    start = end = recurrence = None
    zone = "UTC"
    for f in entity_map.fields:
        if isinstance(f.converter, RecurrenceConverter):
            recurrence = f.id
        elif isinstance(f.converter, DateTimeConverter) and f.path is not None and f.path.text in ("start", "end"):
            if f.path.text == "start":
                start, zone = f.id, f.converter.time_zone
            else:
                end = f.id
    if start is None or end is None or recurrence is None:
        return None
    return SeriesFields(start, end, recurrence, zone)


def _zone(name: object, fallback: dt.tzinfo) -> dt.tzinfo:
    return (zone_of(name) if isinstance(name, str) else None) or fallback


@dataclass(frozen=True)
class Series:
    """One Outlook series as a NAV to-do's map sees it: its step (``1W``: unit and count), its master's start
    (normalised, in NAV's zone) and the zone its occurrences keep their time of day in."""

    fields: SeriesFields
    unit: str
    count: int
    master_start: str
    zone: dt.tzinfo
    nav_zone: dt.tzinfo
    all_day: bool

    def _move(self, day: dt.date, steps: int) -> dt.date:
        if self.unit == "D":
            return day + dt.timedelta(days=self.count * steps)
        if self.unit == "W":
            return day + dt.timedelta(weeks=self.count * steps)
        return add_months(day, self.count * steps * (12 if self.unit == "Y" else 1))

    def _wall(self, norm: str) -> dt.datetime:
        """A normalised NAV time as the wall clock of the series' zone (an all-day date as it is)."""
        moment = dt.datetime.fromisoformat(norm)
        if self.all_day:
            return moment
        return moment.replace(tzinfo=self.nav_zone).astimezone(self.zone).replace(tzinfo=None)

    def _norm(self, wall: dt.datetime) -> str:
        if self.all_day:
            return wall.isoformat()
        return wall.replace(tzinfo=self.zone).astimezone(self.nav_zone).replace(tzinfo=None).isoformat()

    def shift(self, norm: str | None, steps: int, *, as_nav: bool = False) -> str | None:
        """A start or end moved by ``steps`` occurrences (back, when negative), at the same time of day in the
        series' zone, as Outlook moves an occurrence; ``as_nav``: at the same time of day in NAV's zone, as
        CreateRecurringTask dates the next to-do. Blank and unknown (None) values as they are."""
        if not norm or steps == 0:
            return norm
        if as_nav:
            moment = dt.datetime.fromisoformat(norm)
            return dt.datetime.combine(self._move(moment.date(), steps), moment.time()).isoformat()
        wall = self._wall(norm)
        return self._norm(dt.datetime.combine(self._move(wall.date(), steps), wall.time()))

    def moves_days(self, master_start: str) -> bool:
        """Whether a new start for the master falls on another day than its start now (in the series' zone)."""
        if not master_start or not self.master_start:
            return False
        return self._wall(master_start).date() != self._wall(self.master_start).date()

    def index_of(self, norm: str) -> int | None:
        """Which occurrence falls on the day of ``norm`` (a start), or None when none does."""
        if not norm or not self.master_start:
            return None
        first, day = self._wall(self.master_start).date(), self._wall(norm).date()
        if self.unit in ("D", "W"):
            size = self.count * (7 if self.unit == "W" else 1)
            days = (day - first).days
            return days // size if days >= 0 and days % size == 0 else None
        size = self.count * (12 if self.unit == "Y" else 1)
        months = (day.year - first.year) * 12 + day.month - first.month
        if months < 0 or months % size or add_months(first, months) != day:
            return None
        return months // size


def series_of(entity: BoundEntity, item: OutlookItem | None, outlook_norm: Mapping[str, str] | None) -> Series | None:
    """The series an Outlook item is the master of, as NAV can repeat it; None for any other item."""
    if item is None or outlook_norm is None or item.data.get("type") != MASTER:
        return None
    fields = series_fields(entity.map)
    if fields is None:
        return None
    try:
        [(sign, form, unit, count)] = terms(outlook_norm.get(fields.recurrence) or "")
    except (DateFormulaError, ValueError):
        return None
    if sign < 0 or form != "n" or unit not in ("D", "W", "M", "Y"):
        return None
    data: Mapping[str, Any] = item.data
    nav_zone = _zone(fields.nav_zone, dt.UTC)
    rng = (data.get("recurrence") or {}).get("range") or {}
    raw_start = data.get("start")
    start: Mapping[str, Any] = raw_start if isinstance(raw_start, Mapping) else {}
    zone = _zone(rng.get("recurrenceTimeZone") or data.get("originalStartTimeZone") or start.get("timeZone"), nav_zone)
    return Series(
        fields,
        unit,
        count,
        outlook_norm.get(fields.start, ""),
        zone,
        nav_zone,
        data.get("isAllDay") is True,
    )


def occurrence(base: Mapping[str, str | None] | None, series: Series, nav_norm: Mapping[str, str] | None) -> int:
    """Which occurrence a to-do stands for: as its link records it; without a link (rebuilt from the NAV key
    stamped on the master), the one its start falls on, else the first."""
    if base is not None:
        try:
            return max(0, int(base.get(OCCURRENCE) or 0))
        except ValueError:
            return 0
    found = series.index_of((nav_norm or {}).get(series.fields.start, ""))
    return found or 0


def project(series: Series, outlook_norm: Mapping[str, str], index: int) -> dict[str, str]:
    """Outlook's values with the start and end of occurrence ``index`` instead of the master's."""
    f = series.fields
    moved = dict(outlook_norm)
    for field_id in (f.start, f.end):
        moved[field_id] = series.shift(moved.get(field_id, ""), index) or ""
    return moved


def settle(
    series: Series, index: int, plan: ItemPlan, nav_norm: Mapping[str, str] | None
) -> tuple[ItemPlan, Mapping[str, str] | None, str | None]:
    """The plan for occurrence ``index`` as it is carried out on the series: a start or end written to Outlook
    moved back to the master's (the series moves as a whole), and the occurrence recorded in the base (from the
    second on). The third value says why the plan cannot be carried out, or None: a to-do moved in NAV to
    another day than its occurrence's would move the master off the days its recurrence gives (Outlook keeps
    placing occurrences by the pattern and its start date, which graphsync never writes)."""
    f = series.fields
    timing = (f.start, f.end)
    changes = plan.outlook.changes
    if any(c.field in timing for c in changes):
        moved = []
        for c in changes:
            if c.field not in timing:
                moved.append(c)
                continue
            master = series.shift(c.new, -index) or ""
            if c.field == f.start and series.moves_days(master):
                return ItemPlan(), nav_norm, _moved_off(c)
            moved.append(FieldChange(c.field, c.old, master))
        plan = ItemPlan(plan.nav, SidePlan(plan.outlook.op, tuple(moved)), plan.conflicts, plan.base, plan.link)
    if nav_norm is not None and index:
        nav_norm = {k: (series.shift(v, -index) or "") if k in timing else v for k, v in nav_norm.items()}
    if plan.base is not None and index:
        plan = ItemPlan(plan.nav, plan.outlook, plan.conflicts, {**plan.base, OCCURRENCE: str(index)}, plan.link)
    return plan, nav_norm, None


def _moved_off(change: FieldChange) -> str:
    day, occurrence_day = change.new[:10], (change.old or "")[:10]
    return (
        f"the to-do was moved in NAV to {day}, but it stands for the occurrence of its Outlook series on "
        f"{occurrence_day}, and the series' days are its recurrence's, which Outlook owns: graphsync moves a "
        f"series by its time of day and length only. Move the meeting in Outlook (the one occurrence, or the "
        f"series), or set the to-do's Date back to {occurrence_day}"
    )


def successor_base(
    series: Series, base: Mapping[str, str | None], successor: Mapping[str, str]
) -> dict[str, str | None]:
    """The base of the link the next to-do (normalised ``successor``) takes over from the to-do NAV closed.

    It stands for the occurrence its date falls on, when that comes after its predecessor's: the base's start
    and end are moved on to it as NAV moves them (the same time of day in NAV's zone), so that what NAV copied
    is no change, a change the successor already holds (a time a person moved) is one, and where the series'
    zone and NAV's change to or from daylight saving time apart, the occurrence's time is Outlook's change.
    Otherwise (NAV dated it from the closing day, or by an interval the series
    does not have) it stands for the occurrence after its predecessor's, and its own start and end become the
    base: Outlook's, which differ, then count as the change, and NAV's to-do is moved onto the series."""
    f = series.fields
    before = occurrence(base, series, None)
    new = dict(base)
    found = series.index_of(successor.get(f.start, ""))
    if found is not None and found > before:
        for field_id in (f.start, f.end):
            new[field_id] = series.shift(base.get(field_id), found - before, as_nav=True)
        index = found
    else:
        index = before + 1
        for field_id in (f.start, f.end):
            new[field_id] = successor.get(field_id, "")
    new[OCCURRENCE] = str(index)
    return new


# ----------------------------------------------------------------------------- which to-do follows which

_SAME = ("Description", "Start Time", "Contact No.", "Recurring Date Interval", "Location")
"""What NAV copies into the next to-do, used to tell apart two predecessors the dates alone do not."""


def follows(before: Mapping[str, object], after: Mapping[str, object]) -> bool:
    """Whether ``after`` is dated as the to-do NAV makes when ``before`` is closed: its Recurring Date
    Interval on from ``before``'s Date or from the day it was closed (Calc. Due Date From "Due Date" or
    "Closing Date"; NAV 2018 Table_5_080_To_do.al, CreateRecurringTask@4), of the same salesperson."""
    interval = before.get("Recurring Date Interval")
    date = after.get("Date")
    if not interval or not isinstance(date, dt.date) or before.get("Salesperson Code") != after.get("Salesperson Code"):
        return False
    for since in (before.get("Date"), before.get("Date Closed")):
        if isinstance(since, dt.date):
            try:
                if calc_date(str(interval), since) == date:
                    return True
            except DateFormulaError:
                return False
    return False


def closest(candidates: Sequence[NavRecord], to: Mapping[str, object]) -> NavRecord | None:
    """The one record of ``candidates`` (each `follows`-matched) meant, or None when none is or several are
    equally: narrowed by what NAV copies from one to-do into the next."""
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    scored = sorted(((sum(r.fields.get(n) == to.get(n) for n in _SAME), r) for r in candidates), key=lambda p: -p[0])
    if scored[0][0] == scored[1][0]:
        return None
    return scored[0][1]


def recurring(fields: Mapping[str, object]) -> bool:
    return fields.get("Recurring") is True


def past_occurrence(linked: bool, has_outlook: bool, fields: Mapping[str, object] | None) -> bool:
    """A closed recurring meeting to-do without a link or an Outlook item: the past occurrence of a series (its
    next to-do holds the link), or of a recurrence NAV made and closed before it was synced. Nothing is created
    for it: the to-do after it carries the recurrence on."""
    return not linked and not has_outlook and fields is not None and recurring(fields) and fields.get("Closed") is True
