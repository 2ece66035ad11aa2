"""Why a link was dropped while NAV's record lives on, as the state store records it (`MailboxState.unlinked`).

A link the planner drops is normally gone for good: both sides are deleted, or NAV's record is, whose key
NAV never gives again. Two cases leave a NAV record that a later run would take for one never synced (and
create in Outlook again, at the next full read: ``sync --full``, a changed map, a lost delta link), so the
link is kept aside with its reason instead, and each run reads the reasons before it pairs anything:

- the Outlook item was deleted and NAV keeps its record (delete policy ``unlink``; an entity that writes
  nothing to NAV): the record stays out of Outlook until a person asks for it back, by taking the item out
  of Outlook's Deleted Items (it still carries its NAV key, and is linked again with the values it had) or
  with ``graphsync state restore KEY``;
- the record left the entity's condition and its Outlook item was left in place (policies ``unlink`` and
  ``never``): should it meet the condition again, it is paired with that item again, not given a second one.

Only the state store remembers this: with the store lost, a record unlinked this way cannot be told from one
never synced, and a first run creates its Outlook item again (docs/engine.md, "Lost local state").
"""

from __future__ import annotations

from enum import Enum


class UnlinkReason(Enum):
    OUTLOOK_DELETED = "outlook_deleted"
    """The Outlook item was deleted and NAV keeps its record: not created in Outlook again until asked for."""
    LEFT_SCOPE = "left_scope"
    """The record no longer meets the entity's condition; its Outlook item stays, to be paired again."""
