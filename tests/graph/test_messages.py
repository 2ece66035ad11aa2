from graphsync.cli import messages
from graphsync.errors import ContainerChangedError


def test_a_changed_container_message_names_it_and_the_fix() -> None:
    renamed = ContainerChangedError(container="To Do list", container_id="L1", expected="Dynamics NAV", found="Old")
    text = messages.render(renamed)
    assert "To Do list 'Dynamics NAV'" in text and "renamed to 'Old'" in text and "Restore it" in text
    deleted = ContainerChangedError(container="contact folder", container_id="F1", expected="NAV", found=None)
    assert "was deleted" in messages.render(deleted)
    assert messages.exit_code(deleted) == messages.EXIT_ITEMS


async def test_a_mailbox_graph_does_not_know_is_bad_input_naming_it() -> None:
    """Graph's 404 for /users/{upn} (user-get.md) through the identity read, against Microsoft 365 and the sandbox."""
    import httpx

    from graphsync.errors import MailboxNotFoundError
    from graphsync.graph.identity import fetch_mailbox_identity
    from graphsync.sandbox import SandboxState, create_app

    class AppToken:
        async def token(self) -> str:
            return "sandbox-app"

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(SandboxState()))) as http:
        for base_url, sandbox in (("http://sandbox/v1.0", True), ("https://graph.example/v1.0", False)):
            try:
                await fetch_mailbox_identity(http, base_url=base_url, tokens=AppToken(), user="gone@contoso.com")
            except MailboxNotFoundError as exc:
                assert exc.mailbox == "gone@contoso.com" and exc.status == 404
                text = messages.render(exc)
                assert "no mailbox 'gone@contoso.com'" in text and "--user" in text and "[mailboxes]" in text
                assert ("graphsync sandbox seed gone@contoso.com" in text) is sandbox
                assert messages.exit_code(exc) == messages.EXIT_USAGE
            else:
                raise AssertionError("a user the tenant does not have was read")
