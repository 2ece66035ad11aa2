"""``POST /users/{id}/translateExchangeIds`` (api-reference/v1.0/api/user-translateexchangeids.md,
resources/convertidresult.md), and the MAPI entry id every sandbox item has.

What Graph documents, and the sandbox does:
- the body holds ``inputIds`` (at most 1000 strings), ``sourceIdType`` and ``targetIdType``, each one of
  ``entryId``, ``ewsId``, ``immutableEntryId``, ``restId``, ``restImmutableEntryId``; anything else is a 400;
- the binary formats travel URL-safe base64 with the padding replaced by its count (`graphsync.mapi.to_graph`);
- the answer is a ``convertIdResult`` per input id, in order: ``sourceId`` and ``targetId``, or ``sourceId``
  and ``errorDetails`` (a genericError: code, message) when that id could not be converted.

Inferred, not documented: the error code of a single id that is not an id of this mailbox (the sandbox says
``ErrorInvalidIdMalformed``, as Graph does for a malformed id in a path), and the status for more than 1000 ids
(400). Exchange converts formats, not items: an entry id of an item that no longer exists still converts, and
the id it converts to answers 404. Each input id is one id; an id of another mailbox's store does not convert.

An item's entry id (`graphsync.mapi.message_entry_id`) carries the mailbox's store UID, its folder's id and its
own (the first 22 bytes of its immutable id); its immutable entry id leaves the folder out, so it survives a
move. The REST-form ids of an item of the Tasks folder that these conversions give are Outlook item ids: Graph
documents no relation between them and To Do's todoTask ids, so they do not open a todoTask here either.
The sandbox can convert REST-form ids only of items it holds (Exchange decodes any well-formed one).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from graphsync import mapi
from graphsync.sandbox.handling import Ctx, method_not_allowed, ok
from graphsync.sandbox.store import IMMUTABLE_PREFIX, REST_PREFIX, Item, Mailbox
from graphsync.sandbox.wire import Reply, bad_request

FORMATS = ("entryId", "ewsId", "immutableEntryId", "restId", "restImmutableEntryId")
_ZERO_FOLDER = bytes(22)


def id_bytes(key: str) -> bytes | None:
    """The 24 bytes an immutable id (``AAkAL...``) carries, or None for an id of another form."""
    if not key.startswith(IMMUTABLE_PREFIX):
        return None
    text = key[len(IMMUTABLE_PREFIX) :]
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == 24 else None


def key_for(message: bytes) -> str:
    """The immutable id of the item whose entry id holds the 22-byte message id ``message``."""
    return IMMUTABLE_PREFIX + base64.urlsafe_b64encode(message + b"\x00\x00").decode("ascii")


def _folder_part(mailbox: Mailbox, item: Item) -> bytes:
    _, _, folder_key = item.collection.partition("/")
    raw = id_bytes(folder_key)
    return raw[:22] if raw is not None else _ZERO_FOLDER


def entry_id(mailbox: Mailbox, item: Item) -> bytes:
    """The item's MAPI entry id (binary)."""
    raw = id_bytes(item.key)
    assert raw is not None, f"item {item.key} has no immutable id of the sandbox's form"
    return mapi.message_entry_id(mapi.store_uid(mailbox.upn), _folder_part(mailbox, item), raw[:22])


@dataclass(frozen=True)
class _Unheld:
    """A well-formed id of this mailbox naming no item the sandbox holds (deleted, or never made here)."""

    message: bytes
    folder: bytes


@dataclass(frozen=True)
class _Failed:
    code: str
    message: str


_MALFORMED = _Failed("ErrorInvalidIdMalformed", "Id is malformed.")


def _by_message(mailbox: Mailbox, message: bytes) -> Item | None:
    for item in mailbox.index.values():
        raw = id_bytes(item.key)
        if raw is not None and raw[:22] == message and item.kind in ("contact", "event", "todoTask"):
            return item
    return None


def _resolve(mailbox: Mailbox, kind: str, text: str) -> Item | _Unheld | _Failed:
    if kind in ("entryId", "immutableEntryId"):
        try:
            parts = mapi.parse_message_entry_id(mapi.from_graph(text))
        except mapi.EntryIdError:
            return _MALFORMED
        if parts.provider_uid != mapi.store_uid(mailbox.upn):
            return _MALFORMED  # "MUST be for items in the same mailbox"
        found = _by_message(mailbox, parts.message)
        return found if found is not None else _Unheld(parts.message, parts.folder)
    if kind == "ewsId":
        text = text.replace("+", "-").replace("/", "_")
    found = mailbox.lookup(text)
    if found is not None and found.kind == "todoTask":
        return _MALFORMED  # a To Do id is no Outlook REST id (see the module docstring)
    if found is None or found.kind not in ("contact", "event") or id_bytes(found.key) is None:
        return _Failed("ErrorItemNotFound", "The specified object was not found in the store.")
    if kind == "restImmutableEntryId" and text != found.key:
        return _MALFORMED
    return found


def _outlook_rest_id(message: bytes) -> str:
    """A REST-form id for an item the sandbox does not serve under it (see the module docstring)."""
    return REST_PREFIX + base64.urlsafe_b64encode(b"\x01\x00" + message).decode("ascii")


def _target(mailbox: Mailbox, kind: str, source: Item | _Unheld) -> str:
    store = mapi.store_uid(mailbox.upn)
    if isinstance(source, _Unheld):
        message, folder, item = source.message, source.folder, None
    else:
        raw = id_bytes(source.key)
        assert raw is not None
        message, folder, item = raw[:22], _folder_part(mailbox, source), source
    if kind == "entryId":
        return mapi.to_graph(mapi.message_entry_id(store, folder, message))
    if kind == "immutableEntryId":
        return mapi.to_graph(mapi.message_entry_id(store, _ZERO_FOLDER, message))
    task = item is not None and item.kind == "todoTask"
    if kind == "restImmutableEntryId":
        return item.key if item is not None and not task else IMMUTABLE_PREFIX + _outlook_rest_id(message)[5:]
    rest = item.rest_id if item is not None and not task else _outlook_rest_id(message)
    return rest.replace("-", "+").replace("_", "/") if kind == "ewsId" else rest


def translate(ctx: Ctx) -> Reply:
    if ctx.call.method != "POST":
        raise method_not_allowed()
    body = ctx.call.body
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.", code="RequestBodyRead")
    unknown = sorted(set(body) - {"inputIds", "sourceIdType", "targetIdType"})
    if unknown:
        raise bad_request(f"The property '{unknown[0]}' does not exist on this action.", code="RequestBodyRead")
    ids: Any = body.get("inputIds")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise bad_request("'inputIds' must be a collection of strings.", code="RequestBodyRead")
    if len(ids) > mapi.MAX_TRANSLATE_IDS:
        raise bad_request(
            f"inputIds holds {len(ids)} identifiers; the maximum is {mapi.MAX_TRANSLATE_IDS}.", code="invalidRequest"
        )
    kinds = {}
    for name in ("sourceIdType", "targetIdType"):
        value = body.get(name)
        if value not in FORMATS:
            raise bad_request(f"'{name}' must be one of {', '.join(FORMATS)} (got {value!r}).", code="RequestBodyRead")
        kinds[name] = str(value)
    results: list[dict[str, Any]] = []
    for text in ids:
        source = _resolve(ctx.mailbox, kinds["sourceIdType"], text)
        if isinstance(source, _Failed):
            results.append({"sourceId": text, "errorDetails": {"code": source.code, "message": source.message}})
        else:
            results.append({"sourceId": text, "targetId": _target(ctx.mailbox, kinds["targetIdType"], source)})
    context = f"{ctx.call.base_url}/v1.0/$metadata#Collection(microsoft.graph.convertIdResult)"
    return ok({"@odata.context": context, "value": results})
