"""`graphsync doctor`: every check ok on a working setup; each failure names its fix and sets the exit code."""

from __future__ import annotations

import httpx
import keyring
import keyring.backends.fail
import pytest

from graphsync.auth.connections import Connections
from graphsync.cli import auth as cli_auth
from graphsync.sandbox import create_app
from tests.cli.conftest import USER, World, config_text


def _by_name(checks: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {c["check"]: c for c in checks}


def test_all_checks_pass_and_missing_folders_are_notes(world: World) -> None:
    checks = _by_name(world.run_json("doctor"))
    assert checks["NAV"]["status"] == "ok" and "5050 Contact" in checks["NAV"]["detail"]
    assert checks["sign-in"]["detail"] == f"signed in as {USER}, primary address {USER}"
    assert checks["salesperson"]["detail"].endswith("salesperson EH")
    assert checks["permission Contacts.ReadWrite"]["status"] == "ok"
    assert checks["contact folder"]["status"] == "note"  # the first sync creates it; doctor does not
    world.run("sync")
    after = _by_name(world.run_json("doctor"))
    assert after["contact folder"]["status"] == "ok" and after["To Do list"]["status"] == "ok"
    assert USER in after["state store"]["detail"]
    assert "All checks passed." in world.run("doctor").output


def test_missing_nav_company_is_reported_with_how_to_create_it(world: World) -> None:
    world.nav_path.unlink()
    result = world.run("doctor", expect=1)
    assert "graphsync nav init" in result.output
    checks = _by_name(world.run_json("doctor", expect=1))
    assert checks["NAV"]["status"] == "failed" and checks["salesperson"]["status"] == "skipped"
    assert checks["sign-in"]["status"] == "ok"


def test_sandbox_down(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    world.config.write_text(config_text(base_url="http://127.0.0.1:9/v1.0"), encoding="utf-8")
    monkeypatch.setattr(cli_auth, "connections", lambda: Connections(state_dir=world.root / "state"))
    checks = _by_name(world.run_json("doctor", expect=1))
    assert checks["Graph"]["status"] == "failed" and "graphsync sandbox serve" in checks["Graph"]["fix"]
    assert checks["sign-in"]["status"] == "skipped"


def test_permission_refused_names_the_permission(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    inner = httpx.ASGITransport(app=create_app(world.sandbox))

    async def deny_tasks(request: httpx.Request) -> httpx.Response:
        if "/todo/" in request.url.path:
            body = {"error": {"code": "ErrorAccessDenied", "message": "Access is denied."}}
            return httpx.Response(403, json=body)
        return await inner.handle_async_request(request)

    transport = httpx.MockTransport(deny_tasks)
    monkeypatch.setattr(cli_auth, "connections", lambda: Connections(graph_transport=transport))
    result = world.run("doctor", expect=3)
    assert "permission Tasks.ReadWrite" in result.output and "admin consent" in result.output


def test_app_only_check_for_a_named_mailbox(world: World) -> None:
    checks = _by_name(world.run_json("doctor", "--user", "of@contoso.com"))
    assert checks["sign-in"]["detail"].startswith("app-only for of@contoso.com")
    assert checks["salesperson"]["detail"].endswith("salesperson OF")
    assert "permission Tasks.ReadWrite.All" in checks


def test_no_sign_in_possible_exits_3_with_the_remedies(world: World) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())  # the fixture restores the previous backend
    world.config.write_text(config_text().replace(f'sandbox_user = "{USER}"', 'sandbox_user = ""'), encoding="utf-8")
    checks = _by_name(world.run_json("doctor", expect=3))
    assert checks["sign-in"]["status"] == "failed" and "PYTHON_KEYRING_BACKEND" in checks["sign-in"]["fix"]
    assert checks["permissions"]["status"] == "skipped"
