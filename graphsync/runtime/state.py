"""The state store for commands that only read or annotate it (status, conflicts), and which mailbox
they mean."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from graphsync.config import Config
from graphsync.errors import ConfigError

if TYPE_CHECKING:  # SQLAlchemy is slow to import; commands that find no store never need it
    import sqlalchemy as sa

    from graphsync.engine.state import StateStore


def store_url(config: Config) -> str | Path | sa.URL:
    """What `StateStore` opens for ``config``: the SQLite file, or the database URL with its password
    (resolved from its reference only now, and kept out of the URL's text: SQLAlchemy hides it)."""
    state = config.state
    if state.url is None:
        return state.path
    import sqlalchemy as sa

    url = sa.make_url(state.url)
    if state.password is not None:
        url = url.set(password=state.password.resolve())
    return url


def open_store(config: Config) -> StateStore:
    """The config's state store, created (or migrated) if need be. StateError when it cannot be opened."""
    from graphsync.engine.state import StateStore

    return StateStore(store_url(config))


def existing_store(config: Config) -> StateStore | None:
    """The config's state store, or None when no run has made it yet (reading must not create an SQLite
    file; a database server's store is opened, which creates its tables if it has none)."""
    if config.state.url is None and not config.state.path.exists():
        return None
    return open_store(config)


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
