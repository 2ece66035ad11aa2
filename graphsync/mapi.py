"""MAPI entry ids: as Outlook's object model (and so NAV's Outlook add-in) wrote them, and as Microsoft Graph's
``translateExchangeIds`` takes them.

NAV's add-in kept each link's Outlook entry id in the BLOB "Outlook Entry ID" of table 5302 Outlook Synch. Link,
writing the text Outlook's object model gives for ``EntryID``: the binary id in hexadecimal
(``Outlook Synch. Link.PutEntryID``/``FillEntryID`` write it with ``OutStream.WriteText``). Graph's
``translateExchangeIds`` takes the binary formats ``entryId`` and ``immutableEntryId`` "URL-safe base64
encoded": ``+`` -> ``-``, ``/`` -> ``_``, the trailing ``=`` removed and their number (0, 1 or 2) appended
(api-reference/v1.0/api/user-translateexchangeids.md).

A message-store entry id (MS-OXCDATA 2.2.4.2, Message EntryID) is 70 bytes: Flags (4, zero), the store's
Provider UID (16), the object type (2, 0x0007 for a private-store message), the folder's database GUID (16) and
global counter (6) with 2 zero bytes, and the message's database GUID (16) and global counter (6) with 2 zero
bytes. `message_entry_id` builds that layout (the sandbox gives its items such ids; the demo company's add-in
links hold them); `parse_message_entry_id` reads it back.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass

ENTRY_ID_LENGTH = 70
MESSAGE_TYPE = 0x0007
"""eitLTPrivateMessage: an item of a private (mailbox) store."""
MAX_TRANSLATE_IDS = 1000
"""translateExchangeIds: "Maximum size of this collection is 1000 strings" (inputIds)."""

_SANDBOX_STORES = uuid.UUID("5f0c2a8e-9b8e-4f55-a7a4-2f1d6b3c1e00")


class EntryIdError(ValueError):
    """Text that is not an entry id in the form expected; the message says what is wrong with it."""


def from_hex(text: str) -> bytes:
    """The binary entry id from the hexadecimal text Outlook's object model gives (any case, no separators);
    EntryIdError when it is not whole bytes of hexadecimal digits."""
    cleaned = text.strip()
    if not cleaned:
        raise EntryIdError("the entry id is empty")
    if len(cleaned) % 2:
        raise EntryIdError(f"an odd number of hexadecimal digits ({len(cleaned)})")
    try:
        return binascii.unhexlify(cleaned)
    except binascii.Error:
        raise EntryIdError("not hexadecimal digits only") from None


def to_hex(raw: bytes) -> str:
    """Upper-case hexadecimal, as Outlook's ``EntryID`` property gives it."""
    return binascii.hexlify(raw).decode("ascii").upper()


def to_graph(raw: bytes) -> str:
    """The binary id in translateExchangeIds' URL-safe base64 form (padding replaced by its count)."""
    text = base64.urlsafe_b64encode(raw).decode("ascii")
    stripped = text.rstrip("=")
    return stripped + str(len(text) - len(stripped))


def from_graph(text: str) -> bytes:
    """The binary id from translateExchangeIds' URL-safe base64 form; EntryIdError when it is not one."""
    if len(text) < 2 or text[-1] not in "012":
        raise EntryIdError("not URL-safe base64 ending in the count of padding characters (0, 1 or 2)")
    body = text[:-1] + "=" * int(text[-1])
    if len(body) % 4:
        raise EntryIdError("URL-safe base64 of the wrong length for its padding count")
    try:
        return base64.b64decode(body, altchars=b"-_", validate=True)
    except binascii.Error:
        raise EntryIdError("not URL-safe base64") from None


def store_uid(mailbox: str) -> bytes:
    """The sandbox's Provider UID for a mailbox's store (stable for its user principal name)."""
    return uuid.uuid5(_SANDBOX_STORES, mailbox.strip().lower()).bytes


@dataclass(frozen=True)
class MessageEntryId:
    """The parts of a message entry id (MS-OXCDATA 2.2.4.2)."""

    provider_uid: bytes
    folder: bytes
    """The folder's database GUID and global counter (22 bytes)."""
    message: bytes
    """The message's database GUID and global counter (22 bytes)."""


def message_entry_id(provider_uid: bytes, folder: bytes, message: bytes) -> bytes:
    """A 70-byte message entry id from a store's Provider UID and 22-byte folder and message ids."""
    if len(provider_uid) != 16 or len(folder) != 22 or len(message) != 22:
        raise ValueError("a Provider UID of 16 bytes and folder and message ids of 22 bytes each")
    pad = b"\x00\x00"
    return b"\x00\x00\x00\x00" + provider_uid + MESSAGE_TYPE.to_bytes(2, "little") + folder + pad + message + pad


def parse_message_entry_id(raw: bytes) -> MessageEntryId:
    """The parts of a message entry id; EntryIdError naming what does not fit the layout."""
    if len(raw) != ENTRY_ID_LENGTH:
        raise EntryIdError(f"{len(raw)} bytes, where a message entry id has {ENTRY_ID_LENGTH}")
    if raw[:4] != b"\x00\x00\x00\x00":
        raise EntryIdError("flags that are not zero (a short-term entry id, which no store keeps)")
    if int.from_bytes(raw[20:22], "little") != MESSAGE_TYPE:
        raise EntryIdError("not the entry id of a mailbox item (object type is not a private-store message)")
    return MessageEntryId(provider_uid=raw[4:20], folder=raw[22:44], message=raw[46:68])
