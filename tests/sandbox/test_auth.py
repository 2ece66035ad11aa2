"""Tokens and mailbox access: delegated `sandbox:<upn>`, app-only `sandbox-app`, Graph's 401/403/400."""

from __future__ import annotations

import httpx
import pytest

from graphsync.sandbox import SandboxState
from graphsync.sandbox.access import APPLICATION_PERMISSIONS
from tests.sandbox.conftest import OTHER, USER, client_for, graph_error


async def test_missing_token_is_401_with_graph_error(state: SandboxState) -> None:
    async with client_for(state, None) as anonymous:
        response = await anonymous.get("/me/contacts")
    error = graph_error(response, 401, "InvalidAuthenticationToken")
    assert "empty" in error["message"]
    assert "WWW-Authenticate" in response.headers


async def test_unknown_token_form_is_401(state: SandboxState) -> None:
    async with client_for(state, "eyJ0eXAiOiJKV1Qi") as client:
        response = await client.get("/me")
    graph_error(response, 401, "InvalidAuthenticationToken")


async def test_delegated_me_resolves_to_the_signed_in_user(me: httpx.AsyncClient) -> None:
    response = await me.get("/me")
    assert response.status_code == 200
    body = response.json()
    assert body["userPrincipalName"] == USER
    assert body["id"]


async def test_delegated_user_reaches_own_mailbox_by_upn_and_id(me: httpx.AsyncClient) -> None:
    user_id = (await me.get("/me")).json()["id"]
    assert (await me.get(f"/users/{USER}/contacts")).status_code == 200
    assert (await me.get(f"/users/{user_id}/contacts")).status_code == 200


async def test_delegated_user_cannot_open_another_mailbox(me: httpx.AsyncClient) -> None:
    response = await me.get(f"/users/{OTHER}/contacts")
    graph_error(response, 403, "ErrorAccessDenied")


async def test_app_only_has_no_me(app_client: httpx.AsyncClient) -> None:
    response = await app_client.get("/me/contacts")
    error = graph_error(response, 400, "BadRequest")
    assert "/me request is only valid with delegated authentication flow" in error["message"]


async def test_app_only_reaches_any_users_mailbox_by_upn_and_id(
    app_client: httpx.AsyncClient, state: SandboxState
) -> None:
    assert (await app_client.get(f"/users/{OTHER}/contactFolders")).status_code == 200
    user_id = state.mailboxes[OTHER].user_id
    assert (await app_client.get(f"/users/{user_id}")).json()["userPrincipalName"] == OTHER


async def test_an_unknown_user_is_404_and_never_made(app_client: httpx.AsyncClient, state: SandboxState) -> None:
    """user-get.md, "Response": no such user, 404 (the directory's Request_ResourceNotFound on the user; Exchange's
    ErrorInvalidUser on anything in a mailbox). A request never creates a user, as in a tenant."""
    graph_error(await app_client.get("/users/nobody@contoso.com"), 404, "Request_ResourceNotFound")
    for path in ("contactFolders", "contacts", "calendar", "events", "todo/lists", "mailboxSettings/timeZone"):
        error = graph_error(await app_client.get(f"/users/nobody@contoso.com/{path}"), 404, "ErrorInvalidUser")
        assert "nobody@contoso.com" in error["message"]
    posted = await app_client.post("/users/nobody@contoso.com/contacts", json={"givenName": "A"})
    graph_error(posted, 404, "ErrorInvalidUser")
    assert sorted(state.mailboxes) == sorted([USER, OTHER])


async def test_a_batch_item_for_an_unknown_user_fails_alone(app_client: httpx.AsyncClient) -> None:
    requests = [
        {"id": "1", "method": "GET", "url": f"/users/{USER}/contactFolders"},
        {"id": "2", "method": "GET", "url": "/users/nobody@contoso.com/contactFolders"},
    ]
    answers = (await app_client.post("/$batch", json={"requests": requests})).json()["responses"]
    assert {a["id"]: a["status"] for a in answers} == {"1": 200, "2": 404}


async def test_a_delegated_token_of_a_user_the_sandbox_lacks_is_401(state: SandboxState) -> None:
    """Entra issues no token for a user who does not exist; the sandbox cannot validate one, and says how to
    make the user."""
    async with client_for(state, "sandbox:nobody@contoso.com") as client:
        error = graph_error(await client.get("/me"), 401, "InvalidAuthenticationToken")
    assert "graphsync sandbox seed nobody@contoso.com" in error["message"]
    assert "nobody@contoso.com" not in state.mailboxes


async def test_a_delegated_user_reading_an_unknown_users_mailbox_is_404(me: httpx.AsyncClient) -> None:
    graph_error(await me.get("/users/nobody@contoso.com/contacts"), 404, "ErrorInvalidUser")


async def test_unknown_user_id_is_404(app_client: httpx.AsyncClient) -> None:
    response = await app_client.get("/users/4f1c2a55-0000-4000-8000-000000000000/contacts")
    graph_error(response, 404, "ErrorInvalidUser")


async def test_upn_case_does_not_matter(app_client: httpx.AsyncClient, state: SandboxState) -> None:
    await app_client.post("/users/EH@Contoso.com/contacts", json={"givenName": "A"})
    mailbox = state.mailboxes[USER]
    contacts = mailbox.collection(f"contacts/{mailbox.default_contacts}").items.values()
    assert [c.props["givenName"] for c in contacts] == ["A"]


# ---------------------------------------------------------------- permissions


async def test_an_app_without_user_read_all_cannot_read_users(state: SandboxState) -> None:
    """user-get.md, "Permissions": reading another user needs User.Read.All (application); without it the
    directory answers 403 Authorization_RequestDenied, "Insufficient privileges to complete the operation."
    (SupportArticles-docs, troubleshoot-authorization-requestdenied-graph-api.md). The mailbox still opens."""
    state.grant_token("APP-TOKEN", user=None, permissions={"Contacts.ReadWrite", "Calendars.ReadWrite"})
    async with client_for(state, "APP-TOKEN") as app:
        graph_error(await app.get(f"/users/{USER}"), 403, "Authorization_RequestDenied")
        graph_error(await app.get("/users/nobody@contoso.com"), 403, "Authorization_RequestDenied")
        assert (await app.get(f"/users/{USER}/contactFolders")).status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "needs"),
    [
        ("GET", "contactFolders", "Contacts.Read"),
        ("POST", "contacts", "Contacts.ReadWrite"),
        ("GET", "calendar", "Calendars.Read"),
        ("GET", "calendarView/delta", "Calendars.Read"),
        ("POST", "events", "Calendars.ReadWrite"),
        ("GET", "todo/lists", "Tasks.Read.All"),
        ("POST", "todo/lists", "Tasks.ReadWrite.All"),
        ("GET", "mailboxSettings/timeZone", "MailboxSettings.Read"),
        ("PATCH", "mailboxSettings", "MailboxSettings.ReadWrite"),
        ("GET", "outlook/masterCategories", "MailboxSettings.Read"),
        ("POST", "translateExchangeIds", "User.Read.All"),
    ],
)
async def test_an_app_needs_the_permission_each_api_page_names(
    state: SandboxState, method: str, path: str, needs: str
) -> None:
    """Each API page's "Permissions" table (graphsync.sandbox.access); a mailbox request refused is Exchange's
    403 ErrorAccessDenied (auth-limit-mailbox-access.md, "Handling API errors")."""
    everything_else = set(APPLICATION_PERMISSIONS) - {needs, needs.replace(".Read", ".ReadWrite")}
    state.grant_token("WITHOUT", user=None, permissions=everything_else)
    state.grant_token("WITH", user=None, permissions={needs})
    url = f"/users/{USER}/{path}"
    async with client_for(state, "WITHOUT") as without, client_for(state, "WITH") as granted:
        graph_error(await without.request(method, url, json={}), 403, "ErrorAccessDenied")
        assert (await granted.request(method, url, json={})).status_code != 403


async def test_a_read_permission_does_not_write(state: SandboxState) -> None:
    state.grant_token("READER", user=None, permissions={"Contacts.Read"})
    async with client_for(state, "READER") as reader:
        assert (await reader.get(f"/users/{USER}/contacts")).status_code == 200
        graph_error(await reader.post(f"/users/{USER}/contacts", json={"givenName": "A"}), 403, "ErrorAccessDenied")


async def test_a_granted_delegated_token_acts_as_its_user(state: SandboxState) -> None:
    """A token a real sign-in issued (here: granted to the sandbox), with the scopes it carries."""
    state.grant_token("SIGNED-IN", user="EH@contoso.com", permissions={"User.Read", "Contacts.Read"})
    async with client_for(state, "SIGNED-IN") as me:
        assert (await me.get("/me")).json()["userPrincipalName"] == USER
        assert (await me.get("/me/contacts")).status_code == 200
        graph_error(await me.get("/me/todo/lists"), 403, "ErrorAccessDenied")
        graph_error(await me.get(f"/users/{OTHER}"), 403, "Authorization_RequestDenied")
    state.grant_token("GONE", user="left@contoso.com", permissions={"User.Read"})
    async with client_for(state, "GONE") as gone:
        graph_error(await gone.get("/me"), 401, "InvalidAuthenticationToken")
    with pytest.raises(ValueError):
        state.grant_token("sandbox-app", user=None, permissions=())


async def test_unknown_segment_is_400(me: httpx.AsyncClient) -> None:
    graph_error(await me.get("/me/notes"), 400, "BadRequest")
    graph_error(await me.get("/groups"), 400, "BadRequest")


async def test_request_id_headers_and_client_request_id_echo(me: httpx.AsyncClient) -> None:
    response = await me.get("/me", headers={"client-request-id": "abc-123"})
    assert response.headers["request-id"] == "abc-123"
    assert response.headers["client-request-id"] == "abc-123"


async def test_other_versions_answer_in_graphs_shape(state: SandboxState) -> None:
    async with client_for(state, f"sandbox:{USER}") as client:
        response = await client.get("http://sandbox/beta/me/contacts")
    error = graph_error(response, 400, "BadRequest")
    assert "beta" in error["message"]
