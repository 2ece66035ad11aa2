"""The sandbox driven by msgraph-sdk's own request builders: the SDK's URLs, headers and bodies, unchanged
except for the base URL (an injected httpx client on the sandbox's ASGI app)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from kiota_abstractions.authentication import (
    AccessTokenProvider,
    AllowedHostsValidator,
    BaseBearerTokenAuthenticationProvider,
)
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_http.middleware.options import UrlReplaceHandlerOption
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.generated.models.contact import Contact
from msgraph.generated.models.contact_folder import ContactFolder
from msgraph.generated.models.date_time_time_zone import DateTimeTimeZone
from msgraph.generated.models.email_address import EmailAddress
from msgraph.generated.models.event import Event
from msgraph.generated.models.linked_resource import LinkedResource
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.single_value_legacy_extended_property import SingleValueLegacyExtendedProperty
from msgraph.generated.models.todo_task import TodoTask
from msgraph.generated.models.todo_task_list import TodoTaskList
from msgraph.generated.users.item.contacts.item.contact_item_request_builder import ContactItemRequestBuilder
from msgraph_core import GraphClientFactory

from graphsync.sandbox import SandboxState, create_app
from tests.sandbox.conftest import NAV_KEY, USER

BASE = "http://sandbox/v1.0"

# The SDK warns about its own deprecated request-configuration classes on every call.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


class SandboxToken(AccessTokenProvider):
    """Hands the SDK a sandbox token, as graphsync's token source would."""

    def __init__(self, token: str) -> None:
        self.token = token

    async def get_authorization_token(self, uri: str, additional_authentication_context: dict[str, Any] = {}) -> str:  # noqa: B006
        return self.token

    def get_allowed_hosts_validator(self) -> AllowedHostsValidator:
        return AllowedHostsValidator(["sandbox"])


@pytest.fixture
async def sdk(state: SandboxState) -> AsyncIterator[GraphServiceClient]:
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(state)), base_url=BASE)
    client = GraphClientFactory.create_with_default_middleware(client=http)
    adapter = GraphRequestAdapter(BaseBearerTokenAuthenticationProvider(SandboxToken(f"sandbox:{USER}")), client)
    adapter.base_url = BASE
    yield GraphServiceClient(request_adapter=adapter)
    await http.aclose()


async def test_contact_in_a_folder_with_an_extended_property(sdk: GraphServiceClient) -> None:
    user = sdk.users.by_user_id(USER)
    folder = await user.contact_folders.post(ContactFolder(display_name="Dynamics NAV"))
    assert folder is not None and folder.id
    contact = Contact(
        given_name="Pavel",
        surname="Bansky",
        email_addresses=[EmailAddress(address="pavelb@contoso.com", name="Pavel Bansky")],
        single_value_extended_properties=[SingleValueLegacyExtendedProperty(id=NAV_KEY, value="CT000042")],
    )
    made = await user.contact_folders.by_contact_folder_id(folder.id).contacts.post(contact)
    assert made is not None and made.id and made.display_name == "Pavel Bansky"
    assert made.parent_folder_id == folder.id

    query = ContactItemRequestBuilder.ContactItemRequestBuilderGetQueryParameters(
        expand=[f"singleValueExtendedProperties($filter=id eq '{NAV_KEY}')"]
    )
    read = await user.contacts.by_contact_id(made.id).get(RequestConfiguration(query_parameters=query))
    assert read is not None and read.single_value_extended_properties is not None
    assert [(p.id, p.value) for p in read.single_value_extended_properties] == [(NAV_KEY, "CT000042")]


async def test_a_delta_round(sdk: GraphServiceClient) -> None:
    user = sdk.users.by_user_id(USER)
    folder = await user.contact_folders.post(ContactFolder(display_name="NAV"))
    assert folder is not None and folder.id
    contacts = user.contact_folders.by_contact_folder_id(folder.id).contacts
    for n in range(5):
        await contacts.post(Contact(given_name=f"P{n}"))

    config = RequestConfiguration()
    config.headers.add("Prefer", "odata.maxpagesize=2")
    page = await contacts.delta.get(config)
    seen: list[str] = []
    pages = 0
    while page is not None:
        pages += 1
        seen += [c.given_name or "" for c in page.value or []]
        if page.odata_delta_link:
            break
        assert page.odata_next_link
        page = await contacts.delta.with_url(page.odata_next_link).get(config)
    assert page is not None and page.odata_delta_link
    assert pages == 3 and sorted(seen) == [f"P{n}" for n in range(5)]

    await contacts.post(Contact(given_name="late"))
    following = await contacts.delta.with_url(page.odata_delta_link).get()
    assert following is not None and [c.given_name for c in following.value or []] == ["late"]


async def test_event_with_a_transaction_id_twice(sdk: GraphServiceClient, state: SandboxState) -> None:
    user = sdk.users.by_user_id(USER)
    event = Event(
        subject="Meeting TD000123",
        start=DateTimeTimeZone(date_time="2024-05-01T10:00:00", time_zone="W. Europe Standard Time"),
        end=DateTimeTimeZone(date_time="2024-05-01T11:00:00", time_zone="W. Europe Standard Time"),
        transaction_id="nav-TD000123-create",
    )
    first = await user.events.post(event)
    second = await user.events.post(event)
    assert first is not None and second is not None and first.id == second.id
    listed = await user.events.get()
    assert listed is not None and [e.id for e in listed.value or []] == [first.id]
    assert first.start is not None and first.start.date_time == "2024-05-01T08:00:00.0000000"


async def test_event_with_an_attendee_records_the_invitation(sdk: GraphServiceClient, state: SandboxState) -> None:
    from msgraph.generated.models.attendee import Attendee

    event = Event(
        subject="Review",
        start=DateTimeTimeZone(date_time="2024-05-01T10:00:00", time_zone="UTC"),
        end=DateTimeTimeZone(date_time="2024-05-01T11:00:00", time_zone="UTC"),
        attendees=[Attendee(email_address=EmailAddress(address="dana@contoso.com"))],
    )
    await sdk.users.by_user_id(USER).events.post(event)
    assert [m.attendee for m in state.meeting_requests] == ["dana@contoso.com"]


async def test_todo_task_with_a_linked_resource(sdk: GraphServiceClient) -> None:
    todo = sdk.users.by_user_id(USER).todo
    made_list = await todo.lists.post(TodoTaskList(display_name="Dynamics NAV"))
    assert made_list is not None and made_list.id
    task = TodoTask(
        title="Call Pavel",
        linked_resources=[
            LinkedResource(
                application_name="Dynamics NAV",
                display_name="To-do TD000123",
                external_id="TD000123",
                web_url="https://nav.contoso.com/todo/TD000123",
            )
        ],
    )
    tasks = todo.lists.by_todo_task_list_id(made_list.id).tasks
    made = await tasks.post(task)
    assert made is not None and made.id and made.title == "Call Pavel"
    resources = await tasks.by_todo_task_id(made.id).linked_resources.get()
    assert resources is not None
    assert [(r.external_id, r.application_name) for r in resources.value or []] == [("TD000123", "Dynamics NAV")]


async def test_me_builder_needs_the_url_replace_option_as_with_graph(state: SandboxState) -> None:
    # The SDK's `.me` builders address /users/me-token-to-replace; its URL-replace middleware turns that
    # into /me only when the option is passed. Without it the sandbox answers as Graph: no such user.
    option = UrlReplaceHandlerOption(enabled=True, replacement_pairs={"/users/me-token-to-replace": "/me"})
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(state)), base_url=BASE)
    for options, works in (({}, False), ({option.get_key(): option}, True)):
        client = GraphClientFactory.create_with_default_middleware(client=http, options=options)
        adapter = GraphRequestAdapter(BaseBearerTokenAuthenticationProvider(SandboxToken(f"sandbox:{USER}")), client)
        adapter.base_url = BASE
        sdk = GraphServiceClient(request_adapter=adapter)
        if works:
            await sdk.me.contacts.post(Contact(given_name="Mine"))
        else:
            with pytest.raises(ODataError) as failure:
                await sdk.me.contacts.post(Contact(given_name="Mine"))
            assert failure.value.response_status_code == 404
    await http.aclose()
    assert [
        c.props["givenName"] for c in state.mailboxes[USER].collection(_default_contacts(state)).items.values()
    ] == ["Mine"]


def _default_contacts(state: SandboxState) -> str:
    return f"contacts/{state.mailboxes[USER].default_contacts}"
