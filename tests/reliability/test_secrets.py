"""Nothing secret in any output, against the sandbox: full runs (text and JSON logs, verbose), delegated and
app-only (``--user``), and failing runs (Graph rejecting the token, no salesperson for the mailbox) are
scanned, stdout and stderr, for the sandbox tokens they sent.

The sandbox's tokens are fixed strings and no secret is resolved on the way to them (an app-only run against
the sandbox never reads a client secret), so real credentials (client secrets, MSAL's refresh token, access
tokens from Entra ID, NAV's passwords) are searched for in `test_secrets_real_auth`, which goes through the
code that resolves and sends them."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from graphsync.sandbox import SandboxState
from tests.reliability.harness import TOKEN, USER, World, config_text, serve_sandbox, subprocess_env

SECRETS = (TOKEN, "sandbox:nobody@contoso.com", "sandbox-app", "Bearer ")


@pytest.fixture
def world(tmp_path: Path, company: Path) -> Iterator[World]:
    shutil.copyfile(company, tmp_path / "nav.sqlite")
    state = SandboxState.seeded(USER)
    with serve_sandbox(state) as (url, switch):
        w = World(tmp_path, url, switch, state, subprocess_env(tmp_path))
        w.config.write_text(config_text(url), encoding="utf-8")
        yield w


def test_no_token_or_secret_in_any_output(world: World) -> None:
    outputs: list[str] = []

    def run(*args: str, expect: int) -> None:
        result = world.run(*args)
        assert result.code == expect, (args, result.code, result.stdout[-2000:], result.stderr[-2000:])
        assert "Traceback" not in result.stderr, result.stderr
        outputs.extend([result.stdout, result.stderr])

    run("--log-format", "json", "-v", "sync", "--json", expect=0)
    with world.nav() as nav:
        from graphsync.connectors.nav import NavTable

        nav.modify(NavTable.CONTACT, ("CT100006",), {"Phone No.": "+44 1234"}, if_match="*")
    run("-v", "sync", expect=0)
    run("--log-format", "json", "-v", "sync", "--user", "eh@contoso.com", expect=0)
    run("-v", "whoami", expect=0)
    # Graph rejects every token: exit 3, and the rejected token is not shown.
    world.switch.fail_with = 401
    try:
        run("-v", "sync", expect=3)
        run("--log-format", "json", "-v", "sync", "--user", "eh@contoso.com", expect=3)
    finally:
        world.switch.fail_with = None
    # A mailbox no salesperson has: exit 2, naming the mailbox but not its token.
    world.sandbox.seed_user("nobody@contoso.com")  # a user of the tenant who is no salesperson
    world.config.write_text(world.config.read_text().replace("eh@contoso.com", "nobody@contoso.com"))
    run("--log-format", "json", "-v", "sync", expect=2)
    everything = "\n".join(outputs)
    assert "sync of eh@contoso.com finished" in everything  # the scan covered real log lines
    assert "nobody@contoso.com" in everything
    for secret in SECRETS:
        assert secret not in everything, secret
