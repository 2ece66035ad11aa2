"""Everything the migrations ask of the state store, in one module (through its mailbox views,
`StateStore.mailbox`), so that a change of the store's API is followed here alone.

    linked(store, mailbox)            the mailbox's links, by NAV key
    record_adopted(store, mailbox, links)  links for items that existed, with their origin, in one transaction
    created_keys(store, mailbox)      NAV keys whose Outlook item graphsync created (origins, pending creates)
    forget(store, mailbox)            everything the store holds for the mailbox
    known_mailboxes(store)            every mailbox with runs or links
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from graphsync.engine.creates import CREATES
from graphsync.engine.origins import Origin
from graphsync.engine.plan import Side
from graphsync.engine.state import Link, StateStore


def linked(store: StateStore, mailbox: str) -> dict[str, Link]:
    return {link.nav_key: link for link in store.mailbox(mailbox).links.iter_all()}


@contextmanager
def locked(store: StateStore, mailbox: str) -> Iterator[None]:
    """The mailbox's lock (a sync of it must not run while a migration writes): LockHeldError when held."""
    with store.mailbox(mailbox).lock.held():
        yield


def record_adopted(store: StateStore, mailbox: str, links: Sequence[Link]) -> None:
    """Links to items that existed before graphsync linked them (never deleted by a rollback), with their
    origin, in one transaction."""
    if not links:
        return
    box = store.mailbox(mailbox)
    with box.transaction():
        box.links.save(links)
        box.origins.set(dict.fromkeys((link.nav_key for link in links), Origin.ADOPTED))


def origins(store: StateStore, mailbox: str) -> dict[str, Origin]:
    """Every recorded origin of the mailbox (one written by a newer graphsync is left out: not known to be
    created, so kept)."""
    return store.mailbox(mailbox).origins.all()


def created_keys(store: StateStore, mailbox: str) -> set[str]:
    """NAV keys whose Outlook item graphsync created: recorded as created, or a create an interrupted run
    journaled (it may exist without a link)."""
    keys = {key for key, origin in origins(store, mailbox).items() if origin is Origin.CREATED}
    for entry in store.mailbox(mailbox).journal.pending():
        if entry.target != Side.OUTLOOK.value:
            continue
        creates = entry.payload.get(CREATES)
        if creates is None and entry.nav_key:
            keys.add(entry.nav_key)
        for create in creates or ():
            key = create.get("nav_key") if isinstance(create, dict) else None
            if isinstance(key, str) and key:
                keys.add(key)
    return keys


def forget(store: StateStore, mailbox: str) -> None:
    store.mailbox(mailbox).forget(history=True)


def known_mailboxes(store: StateStore) -> list[str]:
    """Every mailbox the store has runs or links of."""
    return sorted({*store.mailboxes(), *store.linked_mailboxes()})
