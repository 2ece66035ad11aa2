"""What every resource handler shares: the request context, rendering an item as Graph JSON, list paging,
delta rounds, If-Match, and the pieces items carry besides their properties (extended properties, open
extensions)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from graphsync.sandbox.defaults import UNSET_DEFAULTS
from graphsync.sandbox.query import DeltaToken, Filter, page_size, parse_expand, parse_filter, parse_select, scope_of
from graphsync.sandbox.schema import Resource
from graphsync.sandbox.state import SandboxState
from graphsync.sandbox.store import Collection, Item, Mailbox, looks_like_id
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


# --------------------------------------------------------------------------- rendering


_NOTHING: Mapping[str, Any] = {}

Renderer = Callable[[Ctx, Item, "list[str] | None"], dict[str, Any]]


def render(ctx: Ctx, item: Item, select: list[str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"@odata.etag": item.etag, "id": ctx.item_id(item)}
    unset = UNSET_DEFAULTS.get(item.kind, _NOTHING)
    props = item.props
    if select is None:
        out.update(unset)
        out.update(props)
    else:
        for name in select:
            if name in props:
                out[name] = props[name]
            elif name in unset:
                out[name] = unset[name]
    if "parentFolderId" in item.props and (select is None or "parentFolderId" in select):
        parent = ctx.mailbox.lookup(item.props["parentFolderId"])
        if parent is not None:
            out["parentFolderId"] = ctx.item_id(parent)
    return out


def add_expansions(ctx: Ctx, item: Item, out: dict[str, Any], expand: dict[str, list[str] | None]) -> None:
    """Fill ``singleValueExtendedProperties``, ``extensions`` and ``linkedResources`` as ``$expand`` asked.
    An expanded extended property the item lacks is simply absent, as in Graph."""
    wanted = expand.get("singleValueExtendedProperties", [])
    if "singleValueExtendedProperties" in expand:
        values = (
            list(item.ext_props.values())
            if wanted is None
            else [item.ext_props[w.lower()] for w in wanted if w.lower() in item.ext_props]
        )
        if values:
            out["singleValueExtendedProperties"] = [{"id": pid, "value": value} for pid, value in values]
    if "extensions" in expand:
        names = expand["extensions"]
        exts = [
            ext
            for ext in item.extensions.values()
            if names is None or any(n.lower() in (ext["id"].lower(), ext["extensionName"].lower()) for n in names)
        ]
        out["extensions"] = exts
        out["extensions@odata.context"] = f"{ctx.call.base_url}/v1.0/$metadata#extensions"
    if "linkedResources" in expand:
        out["linkedResources"] = list(item.linked.values())


# --------------------------------------------------------------------------- lists and delta


@dataclass(frozen=True)
class ReadOptions:
    select: list[str] | None
    expand: dict[str, list[str] | None]
    filter: Filter | None


def read_options(ctx: Ctx, resource: Resource) -> ReadOptions:
    q = ctx.call.query
    select = parse_select(q.get("$select"), resource.selectable(), resource.odata_type)
    expand = parse_expand(q.get("$expand"), resource.navigation)
    text = q.get("$filter")
    return ReadOptions(select, expand, parse_filter(text) if text else None)


def get_one(ctx: Ctx, item: Item, resource: Resource, renderer: Renderer = render) -> Reply:
    options = read_options(ctx, resource)
    out = renderer(ctx, item, options.select)
    add_expansions(ctx, item, out, options.expand)
    return ok(out)


def list_page(
    ctx: Ctx,
    coll: Collection,
    resource: Resource,
    *,
    renderer: Renderer = render,
    items: Iterable[Item] | None = None,
) -> Reply:
    """A page of ``items`` (default: the whole collection), filtered, with ``$skip`` paging."""
    q = ctx.call.query
    options = read_options(ctx, resource)
    size = page_size(q.get("$top"), ctx.prefer, DEFAULT_PAGE)
    try:
        skip = int(q.get("$skip", "0"))
    except ValueError:
        raise bad_request(f"Invalid $skip value {q.get('$skip')!r}: a whole number is expected.") from None
    source: Iterable[Item]
    if items is not None:
        source = items
    elif options.filter is not None and options.filter.extended and options.filter.extended[0][1] is not None:
        pid, value = options.filter.extended[0]
        source = coll.find(pid, value or "")
    else:
        source = coll.items.values()
    flt = options.filter
    matched = [
        i for i in source if flt is None or flt.matches(i.props, i.ext_props, UNSET_DEFAULTS.get(i.kind, _NOTHING))
    ]
    order = q.get("$orderby")
    if order:
        _sort(matched, order, resource)
    page = matched[skip : skip + size]
    values = []
    for item in page:
        out = renderer(ctx, item, options.select)
        add_expansions(ctx, item, out, options.expand)
        values.append(out)
    body: dict[str, Any] = {"@odata.context": f"{ctx.call.base_url}/v1.0/$metadata#{resource.name}s", "value": values}
    if skip + size < len(matched):
        params = {k: v for k, v in q.items() if k != "$skip"}
        params["$skip"] = str(skip + size)
        body["@odata.nextLink"] = ctx.link(**params)
    return ok(body)


def _sort(items: list[Item], order: str, resource: Resource) -> None:
    """``$orderby`` of one property (``start/dateTime`` style paths allowed), ``asc`` or ``desc``."""
    path, _, direction = order.strip().partition(" ")
    names = path.split("/")
    if names[0] not in resource.selectable() or direction.strip().lower() not in ("", "asc", "desc"):
        raise bad_request(
            f"The $orderby option {order!r} is not supported: one property of {resource.odata_type}, then asc or desc.",
            code="ErrorInvalidUrlQuery",
        )

    def key(item: Item) -> tuple[bool, str]:
        value: Any = {**UNSET_DEFAULTS.get(item.kind, _NOTHING), **item.props}
        for name in names:
            value = value.get(name) if isinstance(value, dict) else None
        return value is None, "" if value is None else str(value).lower()

    items.sort(key=key, reverse=direction.strip().lower() == "desc")


InScope = Callable[[Item, tuple[int, int]], bool]


def delta_page(
    ctx: Ctx,
    coll: Collection,
    resource: Resource,
    *,
    renderer: Renderer = render,
    window: tuple[int, int] | None = None,
    in_window: InScope | None = None,
    default_page: int = DEFAULT_PAGE,
) -> Reply:
    """One page of a delta round over ``coll`` (see `graphsync.sandbox.store` for how positions work).

    A first request (no token) starts a full round; ``$deltatoken`` starts a round of the changes since
    that token's round; ``$skiptoken`` continues a round. With ``window`` (calendarView), items outside
    the window are left out of a full round and reported ``@removed`` in later rounds.
    """
    q = ctx.call.query
    mailbox = ctx.mailbox
    scope = scope_of(coll.key)
    skip_text, delta_text = q.get("$skiptoken"), q.get("$deltatoken")
    if skip_text is not None or delta_text is not None:
        token = DeltaToken.decode(skip_text if skip_text is not None else delta_text or "")
        if token.scope != scope:
            raise fail(410, "syncStateInvalid", "The sync state token belongs to another collection.")
        if token.epoch != mailbox.epoch:
            raise fail(
                410,
                "syncStateNotFound",
                "The sync state generation is no longer valid (it expired or was reset); start a new delta round.",
            )
        if skip_text is None:
            token = DeltaToken(mailbox.epoch, scope, token.upto, mailbox.seq, token.upto, token.window, token.select)
        window = token.window
    else:
        token = DeltaToken(mailbox.epoch, scope, 0, mailbox.seq, 0, window, q.get("$select", ""))
    select = parse_select(token.select, resource.selectable(), resource.odata_type)
    size = page_size(None, ctx.prefer, default_page)
    values: list[dict[str, Any]] = []
    cursor = token.cursor
    more = False
    incremental = token.since > 0
    for seq, key in coll.changes(token.cursor, token.upto):
        if len(values) >= size:
            more = True
            break
        cursor = seq
        item = coll.items.get(key)
        if item is not None and (window is None or in_window is None or in_window(item, window)):
            values.append(renderer(ctx, item, select))
        elif incremental:
            rest_id = item.rest_id if item is not None else coll.tombstones[key].rest_id
            values.append({"id": key if ctx.immutable else rest_id, "@removed": {"reason": "deleted"}})
    body: dict[str, Any] = {"@odata.context": f"{ctx.call.base_url}/v1.0/$metadata#Collection({resource.name})"}
    if more:
        nxt = DeltaToken(mailbox.epoch, scope, token.since, token.upto, cursor, window, token.select)
        body["@odata.nextLink"] = ctx.link(**{"$skiptoken": nxt.encode()})
    else:
        done = DeltaToken(mailbox.epoch, scope, token.upto, token.upto, token.upto, window, token.select)
        body["@odata.deltaLink"] = ctx.link(**{"$deltatoken": done.encode()})
    body["value"] = values
    return ok(body)


# --------------------------------------------------------------------------- what items carry besides props

_EXT_PROP_ID = re.compile(
    r"^(String|Integer|Boolean|SystemTime|Double|Currency|Short|Long|Binary|Guid|Float|Object)\s+"
    r"(\{[0-9a-fA-F-]{36}\}\s+(Name|Id)\s+\S.*|0x[0-9a-fA-F]{1,4})$"
)


def set_extended_properties(item: Item, values: Any) -> None:
    """Apply ``singleValueExtendedProperties`` from a POST/PATCH body (added or overwritten by id)."""
    if not isinstance(values, list):
        raise bad_request("singleValueExtendedProperties must be a JSON array.", code="RequestBodyRead")
    for entry in values:
        if not isinstance(entry, dict) or set(entry) - {"id", "value", "@odata.type"}:
            raise bad_request(
                "Each singleValueExtendedProperties entry is an object with 'id' and 'value'.", code="RequestBodyRead"
            )
        pid, value = entry.get("id"), entry.get("value")
        if not isinstance(pid, str) or not _EXT_PROP_ID.match(pid.strip()):
            raise bad_request(
                f"The extended property id {pid!r} is not valid; use 'String {{guid}} Name PropertyName'.",
                code="ErrorInvalidProperty",
            )
        if not isinstance(value, str):
            raise bad_request(
                f"The value of extended property {pid!r} must be a string.", code="ErrorInvalidExtendedPropertyValue"
            )
        item.ext_props[pid.strip().lower()] = (pid.strip(), value)


def check_extended_properties(values: Any) -> None:
    """Validate before anything is stored, so a bad entry leaves no partial item behind."""
    from graphsync.sandbox.store import Item as _Item

    set_extended_properties(_Item("", "", "", "", {}), values)


def extension_id(kind: str, name: str) -> str:
    # Outlook items prefix open extensions' ids with their type; To Do uses the name as the id.
    return name if kind == "todoTask" else f"Microsoft.OutlookServices.OpenTypeExtension.{name}"


def make_extension(kind: str, body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise bad_request("Empty Payload. JSON content expected.")
    name = body.get("extensionName")
    odata_type = str(body.get("@odata.type", "")).lstrip("#")
    if odata_type.lower() != "microsoft.graph.opentypeextension":
        raise bad_request(
            'An open extension needs "@odata.type": "microsoft.graph.openTypeExtension".', code="RequestBodyRead"
        )
    if not isinstance(name, str) or not name:
        raise bad_request("An open extension needs an 'extensionName'.", code="RequestBodyRead")
    out = {k: v for k, v in body.items() if k != "id"}
    out["@odata.type"] = "#microsoft.graph.openTypeExtension"
    out["id"] = extension_id(kind, name)
    return out


def check_extensions(kind: str, values: Any) -> None:
    """Validate inline ``extensions`` of a POST/PATCH before anything is stored (None: none given)."""
    if values is None:
        return
    if not isinstance(values, list):
        raise bad_request("extensions must be a JSON array.", code="RequestBodyRead")
    for body in values:
        make_extension(kind, body)


def add_extensions_inline(item: Item, values: Any) -> None:
    if not isinstance(values, list):
        raise bad_request("extensions must be a JSON array.", code="RequestBodyRead")
    for body in values:
        ext = make_extension(item.kind, body)
        item.extensions[ext["extensionName"].lower()] = ext


def find_extension(item: Item, ext_id: str) -> dict[str, Any]:
    wanted = ext_id.lower()
    for key, ext in item.extensions.items():
        if wanted in (key, ext["id"].lower()):
            return ext
    raise not_found()


def extensions_endpoint(ctx: Ctx, item: Item, ext_id: str | None) -> Reply:
    """``/extensions`` and ``/extensions/{id}`` on an item: list, create, get, update, delete."""
    method = ctx.call.method
    mailbox = ctx.mailbox
    if ext_id is None:
        if method == "GET":
            return ok({"value": list(item.extensions.values())})
        if method == "POST":
            ext = make_extension(item.kind, ctx.call.body)
            key = ext["extensionName"].lower()
            if key in item.extensions:
                raise fail(409, "ErrorDuplicateOpenTypeExtension", "An extension with that name already exists.")
            item.extensions[key] = ext
            touch(ctx, item)
            mailbox.put(item)
            return ok(ext, 201)
        raise method_not_allowed()
    ext = find_extension(item, ext_id)
    if method == "GET":
        return ok(ext)
    if method == "PATCH":
        body = ctx.call.body
        if not isinstance(body, dict):
            raise bad_request("Empty Payload. JSON content expected.")
        ext.update({k: v for k, v in body.items() if k not in ("id", "extensionName", "@odata.type")})
        touch(ctx, item)
        mailbox.put(item)
        return ok(ext)
    if method == "DELETE":
        del item.extensions[ext["extensionName"].lower()]
        touch(ctx, item)
        mailbox.put(item)
        return no_content()
    raise method_not_allowed()


def touch(ctx: Ctx, item: Item) -> None:
    if "lastModifiedDateTime" in item.props:
        item.props["lastModifiedDateTime"] = ctx.now()
