"""The config's state store (an SQLite file, or a database server's: ``[state] url``), for every command, and
which mailbox the commands that only read or annotate it (status, conflicts, state) mean.

    open_store(config)             the store, created or migrated: what runs write to
    existing_store(config)         the store, or None when no run has made its SQLite file yet
    forget_mailbox(config, user)   ``graphsync state forget --user UPN``: start a mailbox over, on purpose
    restore_items(config, keys)    ``graphsync state restore KEY``: the next run creates the Outlook item again
    unlinked_records(config)       ``graphsync state unlinked``: records no run creates in Outlook again
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from graphsync.config import Config
from graphsync.config.entities import EntityName
from graphsync.engine.entities import item_kind
from graphsync.engine.keys import retry_ref
from graphsync.engine.plan import Side
from graphsync.errors import ConfigError

if TYPE_CHECKING:  # SQLAlchemy is slow to import; commands that find no store never need it
    import sqlalchemy as sa

    from graphsync.engine.state import StateStore


def check_state_folder(config: Config) -> None:
    """ConfigError naming ``state.path`` when the folder it is in does not exist: the first run would fail to
    create the store there (SQLite's "unable to open database file"), and a folder is not made behind the
    person's back (a typo would scatter state stores). Nothing to check for a database server's store."""
    if config.state.url is not None:
        return
    folder = config.state.path.parent
    if not folder.is_dir():
        raise ConfigError(
            file=str(config.file) if config.file else None,
            key="state.path",
            expected=f"a file in an existing folder ({folder} does not exist: create it, or change state.path)",
            got=str(config.state.path),
        )


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


def store_exists(config: Config) -> bool:
    """Whether a run has made the config's store: its SQLite file exists. A database server's store always
    counts as made (opening it creates its tables if it has none: nothing is left behind on a disk)."""
    return config.state.url is not None or config.state.path.exists()


def open_store(config: Config) -> StateStore:
    """The config's state store, created (or migrated) if need be. ConfigError when its SQLite file's folder
    does not exist (`check_state_folder`), StateError when it cannot be opened."""
    from graphsync.engine.state import StateStore

    check_state_folder(config)
    return StateStore(store_url(config))


def existing_store(config: Config) -> StateStore | None:
    """The config's state store, or None when no run has made it yet (reading must not create an SQLite
    file; a database server's store is opened, which creates its tables if it has none)."""
    if not store_exists(config):
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


def _required_store(config: Config) -> StateStore:
    store = existing_store(config)
    if store is None:
        raise ConfigError(
            file=None,
            key="--user",
            expected=f"a mailbox synced with this config; none is: no sync has run yet (no state store at "
            f"{config.state.location})",
        )
    return store


def forget_mailbox(config: Config, user: str) -> dict[str, int]:
    """Forget what the next run of ``user``'s mailbox would build on: its links, delta links and watermarks, the
    container ids remembered, conflicts, retries and journaled creates (its run history stays). The next run
    starts as a first one: the folder and list are looked up by name (made when missing), and items already in
    Outlook are paired with NAV by the key stamped on them, so nothing is duplicated. LockHeldError while a
    run holds the mailbox. Returns the rows removed per kind."""
    with _required_store(config) as store:
        (mailbox,) = chosen_mailboxes(store, user, one=True)
        box = store.mailbox(mailbox)
        with box.lock.held():
            return box.forget()


@dataclass(frozen=True)
class Restored:
    mailbox: str
    nav_key: str
    entity: EntityName


def _restorable(store: StateStore, mailbox: str, key: str) -> EntityName | None:
    """The entity of ``key``'s item in ``mailbox`` when it can be restored: linked (NAV refused to delete it),
    or unlinked after its Outlook item was deleted (delete policy unlink)."""
    from graphsync.engine.unlinks import UnlinkReason

    box = store.mailbox(mailbox)
    link = box.links.get(key)
    if link is not None:
        return EntityName(link.entity)
    kept = box.unlinked.get_many([key]).get(key)
    if kept is not None and kept.reason is UnlinkReason.OUTLOOK_DELETED:
        return EntityName(kept.link.entity)
    return None


def restore_items(config: Config, keys: Sequence[str], *, user: str | None = None) -> list[Restored]:
    """For NAV records whose Outlook item was deleted but which NAV keeps (it refused the deletion: a contact
    with open to-dos; or the entity's delete policy is unlink): forget each one's link (or unlinked item) and
    ask the next run to read the record again, which then creates its Outlook item anew (or pairs it with the
    item, should that still carry the key). ConfigError for a key with neither; nothing is changed then."""
    with _required_store(config) as store:
        known = chosen_mailboxes(store, user, one=False)
        found = []
        for key in keys:
            entities = {m: e for m in known if (e := _restorable(store, m, key)) is not None}
            if len(entities) != 1:
                expected = (
                    "the NAV key of an item graphsync syncs, or unlinked after its Outlook item was deleted "
                    "(5050:CT100006; graphsync status lists item errors, graphsync state unlinked the unlinked)"
                    if not entities
                    else f"one mailbox's item: {key} is synced by {', '.join(entities)} (name one with --user)"
                )
                raise ConfigError(file=None, key="KEY", expected=expected, got=key)
            ((mailbox, entity),) = entities.items()
            found.append(Restored(mailbox, key, entity))
        for mailbox in sorted({r.mailbox for r in found}):
            box = store.mailbox(mailbox)
            with box.lock.held(), box.transaction():
                for r in found:
                    if r.mailbox == mailbox:
                        box.links.drop([r.nav_key])
                        box.unlinked.drop([r.nav_key])
                        box.retries.add(item_kind(r.entity).value, [retry_ref(Side.NAV, r.nav_key)])
        return found


@dataclass(frozen=True)
class UnlinkedRecord:
    mailbox: str
    nav_key: str
    entity: EntityName
    outlook_deleted: bool
    """True: its Outlook item was deleted (``graphsync state restore`` brings it back); False: the record left
    its entity's condition, and its Outlook item stays, to be paired again if it meets the condition again."""
    unlinked_at: str


def unlinked_records(config: Config, *, user: str | None = None) -> list[UnlinkedRecord]:
    """The records unlinked in each mailbox (or ``user``'s), which no sync creates in Outlook again."""
    from graphsync.engine.unlinks import UnlinkReason

    store = existing_store(config)
    if store is None:
        return []
    with store:
        return [
            UnlinkedRecord(
                mailbox,
                item.link.nav_key,
                EntityName(item.link.entity),
                item.reason is UnlinkReason.OUTLOOK_DELETED,
                item.unlinked_at,
            )
            for mailbox in chosen_mailboxes(store, user, one=False)
            for item in store.mailbox(mailbox).unlinked.all()
        ]
