"""NAV's CALCDATE over a DateFormula (`graphsync.connectors.dateformula`), checked against the examples of
MicrosoftDocs dynamics365smb-devitpro-pb, dev-itpro/developer/methods-auto/system/
system-calcdate-dateformula-date-method.md and methods-auto/dateformula/dateformula-data-type.md."""

from __future__ import annotations

import datetime as dt

import pytest

from graphsync.connectors.dateformula import DateFormulaError, calc_date

D = dt.date


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        # The CALCDATE page's own example: reference date 21 May 1996 (a Tuesday).
        ("<CQ+1M-10D>", D(1996, 7, 20)),
        ("<-WD2>", D(1996, 5, 14)),
        ("<CM+30D>", D(1996, 6, 30)),
    ],
)
def test_the_documented_examples(formula: str, expected: dt.date) -> None:
    assert calc_date(formula, D(1996, 5, 21)) == expected


@pytest.mark.parametrize(
    ("formula", "base", "expected"),
    [
        ("30D", D(2030, 1, 1), D(2030, 1, 31)),
        ("2W", D(2030, 1, 7), D(2030, 1, 21)),
        ("1W", D(2030, 12, 30), D(2031, 1, 6)),
        ("-1D", D(2030, 3, 1), D(2030, 2, 28)),
        ("1M", D(2030, 1, 15), D(2030, 2, 15)),
        ("1M", D(2030, 1, 31), D(2030, 2, 28)),  # the month's last day where it lacks the 31st
        ("1M", D(2030, 2, 28), D(2030, 3, 28)),  # and no "end of month" rule the other way
        ("1Q", D(2030, 11, 30), D(2031, 2, 28)),
        ("1Y", D(2028, 2, 29), D(2029, 2, 28)),
        ("CW", D(2030, 1, 9), D(2030, 1, 13)),  # weeks run Monday to Sunday
        ("-CW", D(2030, 1, 9), D(2030, 1, 7)),
        ("CW+1W", D(2030, 1, 9), D(2030, 1, 20)),
        ("CM+10D", D(2030, 2, 3), D(2030, 3, 10)),
        ("CM+1M", D(2030, 1, 3), D(2030, 2, 28)),
        ("CQ+1M+20D", D(2030, 5, 3), D(2030, 7, 30) + dt.timedelta(days=20)),
        ("-CY", D(2030, 5, 3), D(2030, 1, 1)),
        ("CD", D(2030, 5, 3), D(2030, 5, 3)),
        ("D15", D(2030, 1, 3), D(2030, 1, 15)),
        ("D15", D(2030, 1, 15), D(2030, 2, 15)),
        ("D31", D(2030, 4, 2), D(2030, 5, 31)),  # April has no 31st
        ("-D15", D(2030, 1, 3), D(2029, 12, 15)),
        ("WD1", D(2030, 1, 9), D(2030, 1, 14)),
        ("wd3", D(2030, 1, 9), D(2030, 1, 16)),  # as typed; NAV keeps the formula language-neutral
    ],
)
def test_terms(formula: str, base: dt.date, expected: dt.date) -> None:
    assert calc_date(formula, base) == expected


@pytest.mark.parametrize(
    ("formula", "why"),
    [
        ("", "blank"),
        ("1X", "not a term"),
        ("1W1D", "not a term"),  # a second term needs its sign
        ("WD8", "names no weekday"),
        ("D0", "names no weekday or day"),
        ("2WD", "weekdays"),
        ("CWD", "names no period"),
        ("1D+1D+1D+1D", "more than three"),
    ],
)
def test_what_is_not_a_formula_says_why(formula: str, why: str) -> None:
    with pytest.raises(DateFormulaError, match=why):
        calc_date(formula, D(2030, 1, 1))


def test_leaving_the_calendar_is_an_error_not_a_crash() -> None:
    with pytest.raises(DateFormulaError, match="leaves the calendar"):
        calc_date("1Y", D(9999, 6, 1))
    with pytest.raises(DateFormulaError, match="leaves the calendar"):
        calc_date("1D", D(9999, 12, 31))
