"""NAV's DateFormula and what CALCDATE makes of it: the next date of a recurring to-do (Table 5080 field 25
Recurring Date Interval, read by CreateRecurringTask), computed alike by the embedded company, which makes
that to-do, and by the engine, which recognises it.

The syntax is CALCDATE's (MicrosoftDocs dynamics365smb-devitpro-pb, dev-itpro/developer/methods-auto/system/
system-calcdate-dateformula-date-method.md): up to three subexpressions, each an optional sign and a term,
a term being ``<Number><Unit>`` (``30D``), ``<Unit><Number>`` (``WD2``) or ``C<Unit>`` (``CW``), the units D,
WD, W, M, Q and Y; weeks run Monday (weekday 1) to Sunday (7). Worked from left to right:

- ``nD``, ``nW``, ``nM``, ``nQ``, ``nY``: that many days, weeks, months, quarters or years on (back, with -). A
  month later than the 31st January is the last day of February (the day kept where the month has it).
- ``C<Unit>``: the end of the current week, month, quarter or year (``-C<Unit>``: its start); ``CD`` the day.
- ``WDn``: the next day that is weekday n (``-WDn``: the last one before); ``Dn``: the next n-th of a month.
  The reference date itself is not the next one: the page's example ``-WD2`` from Tuesday 21 May 1996 gives
  Tuesday 14 May (by symmetry the next is taken as strictly after too).

A formula stored with NAV's language-neutral delimiters (``<1W>``) is read the same. ``nWD`` and the other
forms CALCDATE's page leaves unexplained are refused with `DateFormulaError` rather than guessed.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

_TERM = re.compile(r"([+-]?)(?:(\d+)(WD|D|W|M|Q|Y)|C(WD|D|W|M|Q|Y)|(WD|D)(\d+))")
_PERIOD_MONTHS = {"M": 1, "Q": 3, "Y": 12}


class DateFormulaError(ValueError):
    """A text that is not a date formula CALCDATE computes here; ``formula`` is the text."""

    def __init__(self, formula: str, why: str) -> None:
        self.formula = formula
        super().__init__(f"{formula!r} is not a date formula: {why}")


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` that many months on (or back), on the same day of the month, or the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise OverflowError(f"{months} months from {day} leaves the calendar")
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _period(day: dt.date, unit: str, *, start: bool) -> dt.date:
    if unit == "D":
        return day
    if unit == "W":
        monday = day - dt.timedelta(days=day.weekday())
        return monday if start else monday + dt.timedelta(days=6)
    months = _PERIOD_MONTHS[unit]
    first_month = (day.month - 1) // months * months + 1
    first = dt.date(day.year, first_month, 1)
    return first if start else add_months(first, months) - dt.timedelta(days=1)


def _next_weekday(day: dt.date, weekday: int, sign: int) -> dt.date:
    step = dt.timedelta(days=sign)
    day += step
    while day.isoweekday() != weekday:
        day += step
    return day


def _next_day_of_month(day: dt.date, number: int, sign: int) -> dt.date:
    month = dt.date(day.year, day.month, 1)
    for _ in range(14):  # the 29th to 31st is missing from some months, never from two months running
        last = calendar.monthrange(month.year, month.month)[1]
        if number <= last:
            candidate = month.replace(day=number)
            if (candidate > day) if sign > 0 else (candidate < day):
                return candidate
        month = add_months(month, sign)
    raise AssertionError("unreachable: every day number up to 31 comes round within a year")


def terms(formula: str) -> list[tuple[int, str, str, int]]:
    """The formula's subexpressions as (sign, form, unit, number): form ``n`` (``30D``), ``C`` (``CM``) or
    ``u`` (``WD2``). DateFormulaError when the text is not one."""
    text = formula.strip().removeprefix("<").removesuffix(">").replace(" ", "").upper()
    if not text:
        raise DateFormulaError(formula, "it is blank")
    found: list[tuple[int, str, str, int]] = []
    at = 0
    while at < len(text):
        m = _TERM.match(text, at)
        if m is None or (found and not m.group(1)):
            raise DateFormulaError(formula, f"{text[at:]!r} is not a term such as 1W, CM or WD2 (after + or -)")
        sign = -1 if m.group(1) == "-" else 1
        if m.group(2):
            if m.group(3) == "WD":
                raise DateFormulaError(formula, "a number of weekdays (nWD) is not computed here; use WDn or nD")
            found.append((sign, "n", m.group(3), int(m.group(2))))
        elif m.group(4):
            if m.group(4) == "WD":
                raise DateFormulaError(formula, "CWD names no period; use CW")
            found.append((sign, "C", m.group(4), 0))
        else:
            number = int(m.group(6))
            if not (1 <= number <= (7 if m.group(5) == "WD" else 31)):
                raise DateFormulaError(formula, f"{m.group(5)}{number} names no weekday or day of the month")
            found.append((sign, "u", m.group(5), number))
        at = m.end()
    if len(found) > 3:
        raise DateFormulaError(formula, "it has more than three subexpressions")
    return found


def calc_date(formula: str, base: dt.date) -> dt.date:
    """CALCDATE(formula, base). DateFormulaError when ``formula`` is not a date formula (or leaves the
    calendar)."""
    day = base
    try:
        for sign, form, unit, number in terms(formula):
            if form == "C":
                day = _period(day, unit, start=sign < 0)
            elif form == "u":
                day = _next_weekday(day, number, sign) if unit == "WD" else _next_day_of_month(day, number, sign)
            elif unit == "D":
                day += dt.timedelta(days=sign * number)
            elif unit == "W":
                day += dt.timedelta(weeks=sign * number)
            else:
                day = add_months(day, sign * number * _PERIOD_MONTHS[unit])
    except OverflowError:
        raise DateFormulaError(formula, f"from {base} it leaves the calendar") from None
    return day
