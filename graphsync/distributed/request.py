"""What a task carries: a mailbox and the run's choices, as plain JSON values, and nothing secret."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphsync.config.entities import EntityName
from graphsync.errors import ConfigError
from graphsync.runtime.mailboxes import MailboxSource, TenantMailbox
from graphsync.runtime.wiring import RunSettings

SYNC_TASK = "graphsync.sync_mailbox"
"""One mailbox's run."""
TICK_TASK = "graphsync.tenant_tick"
"""A tenant-wide run as beat asks for it: a worker lists the mailboxes and queues one `SYNC_TASK` each."""


@dataclass(frozen=True)
class SyncRequest:
    upn: str
    salesperson: str | None = None
    source: MailboxSource = MailboxSource.COMMAND_LINE
    dry_run: bool = False
    full: bool = False
    allow_mass_delete: bool = False
    entities: tuple[EntityName, ...] | None = None

    @classmethod
    def of(cls, mailbox: TenantMailbox, settings: RunSettings) -> SyncRequest:
        return cls(
            upn=mailbox.upn,
            salesperson=mailbox.salesperson,
            source=mailbox.source,
            dry_run=settings.dry_run,
            full=settings.full,
            allow_mass_delete=settings.allow_mass_delete,
            entities=None if settings.entities is None else tuple(sorted(settings.entities, key=lambda e: e.value)),
        )

    @property
    def mailbox(self) -> TenantMailbox:
        return TenantMailbox(self.upn, self.salesperson, self.source)

    def settings(self) -> RunSettings:
        return RunSettings(
            entities=None if self.entities is None else frozenset(self.entities),
            dry_run=self.dry_run,
            full=self.full,
            allow_mass_delete=self.allow_mass_delete,
        )

    def to_message(self) -> dict[str, Any]:
        return {
            "mailbox": self.upn,
            "salesperson": self.salesperson,
            "source": self.source.value,
            "dry_run": self.dry_run,
            "full": self.full,
            "allow_mass_delete": self.allow_mass_delete,
            "entities": None if self.entities is None else [e.value for e in self.entities],
        }

    @classmethod
    def from_message(cls, data: Mapping[str, Any]) -> SyncRequest:
        """A request from a task's argument; ConfigError naming what is wrong (a task sent by another
        version, or by hand)."""
        try:
            upn = str(data["mailbox"]).strip().lower()
            if "@" not in upn:
                raise ValueError("mailbox")
            salesperson = data.get("salesperson")
            entities = data.get("entities")
            return cls(
                upn=upn,
                salesperson=None if salesperson is None else str(salesperson),
                source=MailboxSource(data.get("source", MailboxSource.COMMAND_LINE.value)),
                dry_run=bool(data.get("dry_run", False)),
                full=bool(data.get("full", False)),
                allow_mass_delete=bool(data.get("allow_mass_delete", False)),
                entities=None if entities is None else tuple(EntityName(e) for e in entities),
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            raise ConfigError(
                file=None,
                key=f"task {SYNC_TASK}",
                expected="a mailbox request as `graphsync enqueue` sends it",
                got=dict(data) if isinstance(data, Mapping) else data,
            ) from None


def settings_message(settings: RunSettings) -> dict[str, Any]:
    """A tenant tick's run choices (the same keys as a request, without a mailbox)."""
    message = SyncRequest.of(TenantMailbox("-@-", None, MailboxSource.NAV), settings).to_message()
    for key in ("mailbox", "salesperson", "source"):
        del message[key]
    return message


def settings_of(message: Mapping[str, Any]) -> RunSettings:
    return SyncRequest.from_message({**message, "mailbox": "-@-"}).settings()
