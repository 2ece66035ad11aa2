"""Properties Graph always sends, left out of an answer: the item is partial, never read as cleared."""

from __future__ import annotations

from graphsync.connectors.outlook import ItemKind
from graphsync.graph.stamping import read_item

CONTACT = {
    "id": "C1",
    "changeKey": "k1",
    "givenName": "Ann",
    "middleName": None,
    "surname": "Lee",
    "displayName": "Ann Lee",
    "companyName": None,
    "jobTitle": "Buyer",
    "mobilePhone": None,
    "businessHomePage": None,
    "businessAddress": {},
    "businessPhones": [],
    "emailAddresses": [],
}


def test_a_whole_contact_is_not_partial_and_nulls_count_as_sent() -> None:
    item = read_item(ItemKind.CONTACT, CONTACT, user_fields=())
    assert not item.partial and item.missing == ()


def test_a_contact_without_its_job_title_is_partial_naming_it() -> None:
    data = {k: v for k, v in CONTACT.items() if k != "jobTitle"}
    for user_fields in (None, ()):  # a delta page's item and a whole read alike
        item = read_item(ItemKind.CONTACT, data, user_fields=user_fields)
        assert item.partial and item.missing == ("jobTitle",)


def test_a_recurring_occurrence_stub_from_a_calendar_view_delta_page_is_partial() -> None:
    stub = {"id": "E1", "changeKey": "k", "start": {}, "end": {}, "seriesMasterId": "M1", "type": "occurrence"}
    item = read_item(ItemKind.EVENT, stub)
    assert item.partial and "subject" in item.missing and "location" in item.missing


def test_a_task_without_dates_is_whole_to_do_leaves_out_what_a_task_does_not_have() -> None:
    task = {
        "id": "T1",
        "@odata.etag": 'W/"1"',
        "title": "Call",
        "status": "notStarted",
        "importance": "normal",
        "body": {"content": "", "contentType": "text"},
    }
    assert not read_item(ItemKind.TASK, task).partial
    assert read_item(ItemKind.TASK, {k: v for k, v in task.items() if k != "title"}).missing == ("title",)
