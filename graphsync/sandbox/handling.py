"""What every resource handler starts from: the request context, replies, finding an item by id, If-Match.

Reading (`graphsync.sandbox.reading`), delta rounds (`graphsync.sandbox.delta`) and what items carry besides
their properties (`graphsync.sandbox.attached`) build on it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from graphsync.sandbox.state import SandboxState
from graphsync.sandbox.store import Item, Mailbox, looks_like_id
from graphsync.sandbox.wire import JSON_CONTENT_TYPE, Call, Reply, bad_request, fail, iso_z, not_found, now_utc

DEFAULT_PAGE = 10
"""Graph's default page size for Outlook and To Do collections when no $top or maxpagesize is given."""

JSON_HEADERS = {"Content-Type": JSON_CONTENT_TYPE}


@dataclass
class Ctx:
    """One request being handled against one mailbox."""

    state: SandboxState
    call: Call
    mailbox: Mailbox
    prefer: dict[str, str]
    path: str
    """The request path after ``/v1.0/`` as received (used to build nextLink and deltaLink)."""

    @property
    def immutable(self) -> bool:
        return self.prefer.get("idtype", "").lower() == "immutableid"

    def item_id(self, item: Item) -> str:
        return item.key if self.immutable else item.rest_id

    def link(self, **query: str) -> str:
        params = "&".join(f"{k}={quote(v, safe='')}" for k, v in query.items())
        return f"{self.call.base_url}/v1.0/{self.path}?{params}"

    def now(self) -> str:
        return iso_z(now_utc())


def ok(body: Any, status: int = 200) -> Reply:
    return Reply(status, body, dict(JSON_HEADERS))


def no_content() -> Reply:
    return Reply(204, None, {})


def method_not_allowed() -> Exception:
    return fail(405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.")


def find(ctx: Ctx, item_id: str, kind: str, collection: str | None = None) -> Item:
    """The item ``item_id`` of ``kind`` (and, if given, in ``collection``), or Graph's 400/404."""
    if not looks_like_id(item_id):
        raise bad_request("Id is malformed.", code="ErrorInvalidIdMalformed")
    item = ctx.mailbox.lookup(item_id)
    if item is None or item.kind != kind or (collection is not None and item.collection != collection):
        raise not_found()
    return item


def check_if_match(ctx: Ctx, item: Item) -> None:
    wanted = ctx.call.header("if-match")
    if wanted is None or wanted.strip() == "*":
        return
    if _bare_etag(wanted) != item.change_key:
        raise fail(
            412,
            "ErrorIrresolvableConflict",
            "The change key passed in the request does not match the current change key for the item.",
        )


def _bare_etag(text: str) -> str:
    text = text.strip()
    if text.startswith("W/"):
        text = text[2:]
    return text.strip('"')


def touch(ctx: Ctx, item: Item) -> None:
    if "lastModifiedDateTime" in item.props:
        item.props["lastModifiedDateTime"] = ctx.now()
