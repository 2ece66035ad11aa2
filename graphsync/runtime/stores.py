"""The state store for commands that only read or annotate it (status, conflicts), and which mailbox
they mean."""

from __future__ import annotations

from typing import TYPE_CHECKING

from graphsync.config import Config
from graphsync.errors import ConfigError

if TYPE_CHECKING:  # SQLAlchemy is slow to import; commands that find no store never need it
    from graphsync.engine.state import StateStore


def existing_store(config: Config) -> StateStore | None:
    """The config's state store, or None when no run has made it yet (reading must not create it)."""
    path = config.state.path
    if not path.exists():
        return None
    from graphsync.engine.state import StateStore

    return StateStore(path)


def chosen_mailboxes(store: StateStore, user: str | None, *, one: bool) -> list[str]:
    """The mailbox ``user`` names, or every mailbox the store has runs of. With ``one``, a store that
    knows several mailboxes needs ``--user``: a person must not act on the wrong mailbox's conflicts."""
    known = store.mailboxes()
    if user is not None:
        upn = user.strip().lower()
        if upn not in known:
            raise ConfigError(
                file=None,
                key="--user",
                expected="a mailbox this state store has synced (" + (", ".join(known) or "none yet") + ")",
                got=user,
            )
        return [upn]
    if one and len(known) > 1:
        raise ConfigError(
            file=None, key="--user", expected="one of the mailboxes synced here: " + ", ".join(known), got=None
        )
    return known
