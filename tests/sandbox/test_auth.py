"""Tokens and mailbox access: delegated `sandbox:<upn>`, app-only `sandbox-app`, Graph's 401/403/400."""

from __future__ import annotations

import httpx

from graphsync.sandbox import SandboxState
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


async def test_app_only_reaches_any_mailbox_and_creates_users_on_first_use(
    app_client: httpx.AsyncClient, state: SandboxState
) -> None:
    response = await app_client.get(f"/users/{OTHER}/contactFolders")
    assert response.status_code == 200
    assert OTHER in state.mailboxes
    user_id = state.mailboxes[OTHER].user_id
    assert (await app_client.get(f"/users/{user_id}")).json()["userPrincipalName"] == OTHER


async def test_unknown_user_id_is_404(app_client: httpx.AsyncClient) -> None:
    response = await app_client.get("/users/4f1c2a55-0000-4000-8000-000000000000/contacts")
    graph_error(response, 404, "ErrorInvalidUser")


async def test_upn_case_does_not_matter(app_client: httpx.AsyncClient, state: SandboxState) -> None:
    await app_client.post("/users/EH@Contoso.com/contacts", json={"givenName": "A"})
    assert list(state.mailboxes) == [USER]


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
