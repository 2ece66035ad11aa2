"""Reading items: rendering one as Graph JSON (with ``$select`` and ``$expand``), and list pages with
``$filter``, ``$orderby``, ``$top``/``$skip`` and ``@odata.nextLink``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from graphsync.sandbox.defaults import UNSET_DEFAULTS
from graphsync.sandbox.handling import DEFAULT_PAGE, Ctx, ok
from graphsync.sandbox.query import Filter, page_size, parse_expand, parse_filter, parse_select
from graphsync.sandbox.schema import Resource
from graphsync.sandbox.store import Collection, Item
from graphsync.sandbox.wire import Reply, bad_request

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
        i
        for i in source
        if flt is None or flt.matches(i.props, i.ext_props, UNSET_DEFAULTS.get(i.kind, _NOTHING), i.extensions)
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
