"""What NAV (or whatever stands in front of it) can answer instead of data, and the errors that follow."""

from __future__ import annotations

import httpx
import pytest
import respx

from graphsync.connectors.nav import NavTable
from graphsync.errors import (
    NavAuthError,
    NavConcurrencyError,
    NavConnectionError,
    NavNotFoundError,
    NavRefusedError,
    NavValidationError,
)
from graphsync.nav.odata.connector import ODataNav
from tests.nav_odata.fake_root import mock_root

ROOT = "https://nav.contoso.local:7048/NAV/ODataV4"
CONTACTS = f"{ROOT}/Company('CRONUS%20UK%20Ltd.')/ContactCard"
IIS_PAGE = (
    "<!DOCTYPE html><html><head><title>500 - Internal server error.</title></head>"
    "<body><h2>There is a problem with the resource you are looking for.</h2></body></html>"
)


def nav_error(status: int, code: str, message: str) -> httpx.Response:
    return httpx.Response(status, json={"error": {"code": code, "message": message}})


@pytest.fixture
def nav() -> ODataNav:
    with respx.mock(assert_all_called=False) as mock:
        mock_root(mock, ROOT)
        connector = ODataNav(httpx.Client(), base_url=ROOT, company="CRONUS UK Ltd.")
    return connector


def test_nav_validation_message_is_passed_verbatim_and_names_the_field(nav: ODataNav) -> None:
    text = "The length of the string is 35, but it must be less than or equal to 30 characters. Value: XXX"
    with respx.mock:
        respx.patch(f"{CONTACTS}('CT100006')").mock(return_value=nav_error(400, "Application_DialogException", text))
        with pytest.raises(NavValidationError) as err:
            nav.modify(NavTable.CONTACT, ("CT100006",), {"City": "X" * 35}, if_match='W/"1"')
    assert err.value.message == text
    assert err.value.field == "City"
    assert err.value.table == 5050 and err.value.key == ("CT100006",)


def test_refused_delete_is_a_rule_not_a_value(nav: ODataNav) -> None:
    text = "You cannot delete the CT100006 record of the Contact because there are one or more to-dos open."
    with respx.mock:
        respx.delete(f"{CONTACTS}('CT100006')").mock(return_value=nav_error(400, "Application_DialogException", text))
        with pytest.raises(NavRefusedError) as err:
            nav.delete(NavTable.CONTACT, ("CT100006",), if_match='W/"1"')
    assert err.value.message == text


@pytest.mark.parametrize(
    ("status", "code", "message"),
    [
        (412, "Request_EntityChanged", "The record changed."),
        (409, "Request_EntityChanged", "Another user has already changed the record."),
        (400, "Application_DialogException", "Another user has already changed the record."),
    ],
)
def test_stale_etag_answers_are_concurrency_errors(nav: ODataNav, status: int, code: str, message: str) -> None:
    with respx.mock:
        route = respx.patch(f"{CONTACTS}('CT100006')").mock(return_value=nav_error(status, code, message))
        with pytest.raises(NavConcurrencyError) as err:
            nav.modify(NavTable.CONTACT, ("CT100006",), {"City": "York"}, if_match='W/"stale"')
    assert err.value.message == message
    assert route.calls.last.request.headers["if-match"] == 'W/"stale"'


def test_duplicate_key_is_refused(nav: ODataNav) -> None:
    text = "The record in table Contact already exists. Identification fields and values: No.='CT100006'"
    with respx.mock:
        respx.post(CONTACTS).mock(return_value=nav_error(409, "Internal_EntityWithSameKeyExists", text))
        with pytest.raises(NavRefusedError):
            nav.insert(NavTable.CONTACT, {"No.": "CT100006", "Name": "Dup"})


def test_not_found_on_modify(nav: ODataNav) -> None:
    with respx.mock:
        respx.patch(f"{CONTACTS}('CT999999')").mock(
            return_value=nav_error(404, "Internal_RecordNotFound", "The Contact does not exist.")
        )
        with pytest.raises(NavNotFoundError):
            nav.modify(NavTable.CONTACT, ("CT999999",), {"City": "York"}, if_match="*")


def test_iis_html_error_page_is_a_connection_error_naming_its_title(nav: ODataNav) -> None:
    with respx.mock:
        respx.get(f"{CONTACTS}('CT100006')").mock(
            return_value=httpx.Response(500, text=IIS_PAGE, headers={"Content-Type": "text/html"})
        )
        with pytest.raises(NavConnectionError) as err:
            nav.get(NavTable.CONTACT, ("CT100006",))
    assert "500 - Internal server error." in err.value.message
    assert "<" not in err.value.message


def test_html_with_status_200_is_not_taken_for_data(nav: ODataNav) -> None:
    with respx.mock:
        respx.get(url__startswith=CONTACTS).mock(
            return_value=httpx.Response(200, text="<html><title>Sign in to your proxy</title></html>")
        )
        with pytest.raises(NavConnectionError) as err:
            list(nav.find(NavTable.CONTACT, {}))
    assert "Sign in to your proxy" in err.value.message


def test_401_challenge_is_an_auth_error(nav: ODataNav) -> None:
    with respx.mock:
        respx.get(f"{CONTACTS}('CT100006')").mock(
            return_value=httpx.Response(401, headers={"WWW-Authenticate": "Negotiate"})
        )
        with pytest.raises(NavAuthError) as err:
            nav.get(NavTable.CONTACT, ("CT100006",))
    assert "Negotiate" in err.value.message


def test_403_is_an_auth_error_about_permissions(nav: ODataNav) -> None:
    with respx.mock:
        respx.get(f"{CONTACTS}('CT100006')").mock(
            return_value=nav_error(
                403, "Authorization_Failed", "You do not have the following permissions on TableData Contact: Read"
            )
        )
        with pytest.raises(NavAuthError) as err:
            nav.get(NavTable.CONTACT, ("CT100006",))
    assert "TableData Contact" in err.value.message


def test_timeout_is_a_connection_error_with_the_remedy(nav: ODataNav) -> None:
    with respx.mock:
        respx.get(f"{CONTACTS}('CT100006')").mock(side_effect=httpx.ReadTimeout("timed out"))
        with pytest.raises(NavConnectionError) as err:
            nav.get(NavTable.CONTACT, ("CT100006",))
    assert "timed out" in err.value.message and "timeout" in err.value.message


def test_connection_refused_is_a_connection_error() -> None:
    with respx.mock:
        respx.get(f"{ROOT}/$metadata").mock(side_effect=httpx.ConnectError("[Errno 111] Connection refused"))
        with pytest.raises(NavConnectionError) as err:
            ODataNav(httpx.Client(), base_url=ROOT, company="CRONUS UK Ltd.")
    assert "Connection refused" in err.value.message


def test_metadata_that_is_not_edmx_is_a_connection_error() -> None:
    with respx.mock:
        respx.get(f"{ROOT}/$metadata").mock(return_value=httpx.Response(200, json={"value": []}))
        with pytest.raises(NavConnectionError) as err:
            ODataNav(httpx.Client(), base_url=ROOT, company="CRONUS UK Ltd.")
    assert "metadata" in err.value.message


def test_truncated_entity_is_a_connection_error_not_a_crash(nav: ODataNav) -> None:
    with respx.mock:
        respx.get(f"{CONTACTS}('CT100006')").mock(
            return_value=httpx.Response(200, json={"@odata.etag": 'W/"1"', "No": "CT100006"})
        )
        with pytest.raises(NavConnectionError) as err:
            nav.get(NavTable.CONTACT, ("CT100006",))
    assert "lacks the property" in err.value.message


def test_company_name_quote_is_doubled_and_percent_encoded() -> None:
    with respx.mock:
        mock_root(respx, ROOT, company="O'Neil & Sons")
        nav = ODataNav(httpx.Client(), base_url=ROOT, company="O'Neil & Sons")
        route = respx.get(url__startswith=ROOT).mock(return_value=httpx.Response(200, json={"value": []}))
        assert list(nav.keys(NavTable.CONTACT)) == []
    raw = route.calls.last.request.url.raw_path.decode()
    assert "/Company('O%27%27Neil%20%26%20Sons')/ContactCard" in raw


def test_throttling_is_waited_out_as_retry_after_says(nav: ODataNav) -> None:
    with respx.mock:
        route = respx.get(f"{CONTACTS}('CT100006')").mock(
            side_effect=[
                httpx.Response(
                    429, headers={"Retry-After": "0"}, json={"error": {"code": "TooMany", "message": "slow down"}}
                ),
                httpx.Response(404, json={"error": {"code": "Internal_RecordNotFound", "message": "gone"}}),
            ]
        )
        assert nav.get(NavTable.CONTACT, ("CT100006",)) is None
    assert route.call_count == 2


def test_throttling_that_does_not_end_is_a_connection_error(nav: ODataNav) -> None:
    with respx.mock:
        route = respx.patch(f"{CONTACTS}('CT100006')").mock(
            return_value=httpx.Response(
                429, headers={"Retry-After": "0"}, json={"error": {"code": "TooMany", "message": "slow down"}}
            )
        )
        with pytest.raises(NavConnectionError) as err:
            nav.modify(NavTable.CONTACT, ("CT100006",), {"City": "York"}, if_match="*")
    assert route.call_count == 4
    assert "429" in err.value.message and "slow down" in err.value.message


def test_a_503_on_a_write_is_not_repeated(nav: ODataNav) -> None:
    with respx.mock:
        route = respx.post(CONTACTS).mock(return_value=httpx.Response(503, text="Service Unavailable"))
        with pytest.raises(NavConnectionError):
            nav.insert(NavTable.CONTACT, {"Name": "Once only"})
    assert route.call_count == 1


def test_a_404_page_that_is_not_navs_is_not_taken_for_a_deleted_record(nav: ODataNav) -> None:
    with respx.mock:
        respx.get(f"{CONTACTS}('CT100006')").mock(
            return_value=httpx.Response(404, text="<html><title>404 - File or directory not found.</title></html>")
        )
        with pytest.raises(NavConnectionError) as err:
            nav.get(NavTable.CONTACT, ("CT100006",))
    assert "404 - File or directory not found." in err.value.message


def test_navs_own_404_is_a_missing_record(nav: ODataNav) -> None:
    with respx.mock:
        respx.get(f"{CONTACTS}('CT999999')").mock(
            return_value=nav_error(404, "Internal_RecordNotFound", "The Contact does not exist.")
        )
        assert nav.get(NavTable.CONTACT, ("CT999999",)) is None


def test_an_untrusted_certificate_names_the_setting_that_fixes_it() -> None:
    with respx.mock:
        respx.get(f"{ROOT}/$metadata").mock(
            side_effect=httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed")
        )
        with pytest.raises(NavConnectionError) as err:
            ODataNav(httpx.Client(), base_url=ROOT, company="CRONUS UK Ltd.")
    assert "nav.odata.ca_file" in err.value.message
