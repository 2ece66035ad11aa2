"""Who made a linked item's Outlook side, as the state store records it (`MailboxState.origins`).

A rollback deletes only the Outlook items graphsync created; an item a person made (and graphsync adopted, or
created a NAV record from) is kept, with graphsync's stamps removed. A link without a recorded origin (made
before graphsync recorded them, or rebuilt from the NAV keys stamped in Outlook after the state was lost) is
treated as one a person made: kept, never deleted.
"""

from __future__ import annotations

from enum import Enum


class Origin(Enum):
    CREATED = "created"
    """graphsync created the Outlook item from a NAV record."""
    ADOPTED = "adopted"
    """The Outlook item existed (NAV's add-in or a person made it) and a migration linked it."""
    OUTLOOK = "outlook"
    """A person made the item in Outlook and graphsync created the NAV record from it."""
