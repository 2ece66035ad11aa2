from graphsync.cli import messages
from graphsync.errors import ContainerChangedError


def test_a_changed_container_message_names_it_and_the_fix() -> None:
    renamed = ContainerChangedError(container="To Do list", container_id="L1", expected="Dynamics NAV", found="Old")
    text = messages.render(renamed)
    assert "To Do list 'Dynamics NAV'" in text and "renamed to 'Old'" in text and "Restore it" in text
    deleted = ContainerChangedError(container="contact folder", container_id="F1", expected="NAV", found=None)
    assert "was deleted" in messages.render(deleted)
    assert messages.exit_code(deleted) == messages.EXIT_ITEMS
