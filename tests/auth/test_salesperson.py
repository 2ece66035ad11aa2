from __future__ import annotations

import pytest

from graphsync.auth.salesperson import match_salesperson
from graphsync.cli.messages import exit_code, render
from graphsync.connectors.nav import NavTable
from graphsync.errors import ConfigError, SalespersonMatchError
from tests.fakes.nav import FakeNav


def salespeople(people: dict[str, tuple[str, str]]) -> FakeNav:
    """The engine tests' NAV fake holding these salespeople: code -> (E-Mail, E-Mail 2)."""
    nav = FakeNav()
    for code, (mail, mail_2) in people.items():
        nav.put(NavTable.SALESPERSON, **{"Code": code, "Name": code, "E-Mail": mail, "E-Mail 2": mail_2})
    return nav


NAV = salespeople(
    {
        "EH": ("EH@contoso.com", ""),
        "OF": ("of@contoso.com", "otis.falls@contoso.com"),
        "LT": ("", ""),
    }
)


def test_matches_e_mail_case_insensitively() -> None:
    assert match_salesperson("eh@contoso.com", None, NAV, {}) == "EH"


def test_matches_e_mail_2_through_the_primary_address() -> None:
    assert match_salesperson("otis@fabrikam.onmicrosoft.com", "Otis.Falls@contoso.com", NAV, {}) == "OF"


def test_explicit_mapping_wins() -> None:
    assert match_salesperson("eh@contoso.com", None, NAV, {"eh@contoso.com": "LT"}) == "LT"


def test_explicit_mapping_to_an_unknown_salesperson() -> None:
    with pytest.raises(ConfigError) as caught:
        match_salesperson("Someone@contoso.com", None, NAV, {"someone@contoso.com": "ZZ"}, config_file="g.toml")
    assert caught.value.got == "ZZ" and "someone@contoso.com" in caught.value.key


def test_no_match_names_the_mailbox_and_every_address_tried() -> None:
    with pytest.raises(SalespersonMatchError) as caught:
        match_salesperson("jo@contoso.com", "jim.olive@contoso.com", NAV, {}, config_file="g.toml")
    error = caught.value
    assert error.matched == ()
    assert ("EH", "EH@contoso.com") in error.tried and ("OF", "otis.falls@contoso.com") in error.tried
    message = render(error)
    for text in ("jo@contoso.com", "jim.olive@contoso.com", "EH@contoso.com", "of@contoso.com", "[mailboxes]"):
        assert text in message
    assert exit_code(error) == 2


def test_an_address_shared_by_two_salespeople_is_ambiguous() -> None:
    nav = salespeople({"EH": ("sales@contoso.com", ""), "OF": ("", "sales@contoso.com")})
    with pytest.raises(SalespersonMatchError) as caught:
        match_salesperson("sales@contoso.com", None, nav, {})
    assert caught.value.matched == ("EH", "OF")
    assert "several" in render(caught.value)
