"""The Starlette app: ``/<Instance>/ODataV4/...`` answered from an `EmbeddedNav` as NAV 2018 would.

Requests are served one at a time on the event loop (the embedded company is one SQLite file); each write
is the embedded company's own transaction, so a refused write changes nothing. The path is read raw, so a
key holding ``/`` (percent-encoded) still names one record.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import quote, unquote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from graphsync.connectors.nav import FieldDef, FieldType, NavKey, NavRecord
from graphsync.errors import (
    NavConcurrencyError,
    NavError,
    NavNotFoundError,
    NavRefusedError,
    NavValidationError,
)
from graphsync.nav.embedded import EmbeddedNav
from graphsync.nav.odata.names import decode_option
from graphsync.nav.odata.values import BadValue, decode, encode
from graphsync.navservice.edmx import metadata_document
from graphsync.navservice.pages import SYSTEM_MODIFIED_AT, Page, Publication
from graphsync.navservice.query import Bare, Comparison, Literal, Op, parse_filter, parse_key

MISSING_IF_MATCH = (
    "Could not validate the client concurrency token required by the service. "
    "Please provide a valid token in the client request."
)
_SEGMENT = re.compile(r"^(?P<name>[A-Za-z_$][A-Za-z0-9_]*)(?:\((?P<args>.*)\))?$", re.DOTALL)
_MAXPAGESIZE = re.compile(r"odata\.maxpagesize\s*=\s*(\d+)")


class ODataFault(Exception):
    """An answer that is NAV's error JSON with a status."""

    def __init__(self, status: int, code: str, message: str) -> None:
        self.status = status
        self.code = code
        self.message = message
        super().__init__(message)


def _error_response(status: int, code: str, message: str) -> Response:
    body = json.dumps({"error": {"code": code, "message": message}})
    return Response(body, status_code=status, media_type="application/json; charset=utf-8")


def _fault_of(exc: NavError) -> ODataFault:
    if isinstance(exc, NavConcurrencyError):
        return ODataFault(412, "Request_EntityChanged", exc.message)
    if isinstance(exc, NavNotFoundError):
        return ODataFault(404, "Internal_RecordNotFound", exc.message)
    if isinstance(exc, NavValidationError | NavRefusedError):
        return ODataFault(400, "Application_DialogException", exc.message)
    return ODataFault(500, "Internal_ServerError", exc.message)


class NavODataService:
    """The endpoint's logic, one method per kind of request."""

    def __init__(
        self,
        nav: EmbeddedNav,
        *,
        instance: str,
        publication: Publication,
        credentials: tuple[str, str] | None,
        max_page_size: int,
    ) -> None:
        self.nav = nav
        self.instance = instance
        self.publication = publication
        self.credentials = credentials
        self.max_page_size = max_page_size

    # ------------------------------------------------------------------ dispatch

    async def handle(self, request: Request) -> Response:
        if not self._authorized(request):
            return Response(b"", status_code=401, headers={"WWW-Authenticate": 'Basic realm=""'})
        try:
            return await self._dispatch(request)
        except ODataFault as fault:
            return _error_response(fault.status, fault.code, fault.message)
        except NavError as exc:
            mapped = _fault_of(exc)
            return _error_response(mapped.status, mapped.code, mapped.message)

    def _authorized(self, request: Request) -> bool:
        if self.credentials is None:
            return True
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, key = base64.b64decode(value).decode().partition(":")
        except ValueError:
            return False
        return (user.upper(), key) == (self.credentials[0].upper(), self.credentials[1])

    async def _dispatch(self, request: Request) -> Response:
        raw = request.scope.get("raw_path") or request.url.path.encode()
        prefix = f"/{self.instance}/ODataV4".encode()
        if not raw.split(b"?")[0].startswith(prefix):
            raise ODataFault(404, "BadRequest_NotFound", f"No HTTP resource was found that matches {request.url}.")
        rest = raw.split(b"?")[0][len(prefix) :].decode("ascii", "replace").strip("/")
        segments = [unquote(s) for s in rest.split("/")] if rest else []
        if segments == ["$metadata"]:
            xml = metadata_document(self.publication)
            return Response(xml, media_type="application/xml; charset=utf-8")
        if segments == ["Company"]:
            return self._json({"value": [{"Name": self.nav.company_name}]})
        if len(segments) != 2:
            raise ODataFault(404, "BadRequest_NotFound", f"No HTTP resource was found that matches {request.url}.")
        self._check_company(segments[0])
        m = _SEGMENT.match(segments[1])
        page = self.publication.page(m.group("name")) if m else None
        if m is None or page is None:
            raise ODataFault(
                404, "BadRequest_NotFound", f"No HTTP resource was found that matches the request URI '{request.url}'."
            )
        args = m.group("args")
        key = None if args is None else self._key(page, args)
        method = request.method
        if key is None and method == "GET":
            return self._collection(request, page)
        if key is None and method == "POST":
            return self._insert(page, await self._body(request))
        if key is not None and method == "GET":
            return self._single(request, page, key)
        if key is not None and method == "PATCH":
            return self._modify(page, key, await self._body(request), self._if_match(request))
        if key is not None and method == "DELETE":
            self.nav.delete(page.table, key, if_match=self._if_match(request))
            return Response(b"", status_code=204)
        raise ODataFault(405, "BadRequest_MethodNotAllowed", f"The requested resource does not support {method}.")

    def _check_company(self, segment: str) -> None:
        m = _SEGMENT.match(segment)
        if m is None or m.group("name") != "Company" or m.group("args") is None:
            raise ODataFault(400, "BadRequest_InvalidUri", f"Expected Company('...'), got {segment}.")
        parts = parse_key(m.group("args"))
        name = parts[0][1] if len(parts) == 1 else None
        if name != self.nav.company_name:
            raise ODataFault(
                400,
                "Internal_CompanyNotFound",
                f"Cannot process the request because the company {name!r} does not exist.",
            )

    # ------------------------------------------------------------------ values

    def _key(self, page: Page, args: str) -> NavKey:
        parts = parse_key(args)
        t = page.table_def
        if len(parts) != len(t.key):
            raise ODataFault(400, "BadRequest_InvalidKey", f"The key ({args}) does not have {len(t.key)} part(s).")
        by_prop = page.field_by_prop()
        values: dict[str, object] = {}
        for i, (prop, value) in enumerate(parts):
            f = t.field(t.key[i]) if prop is None else by_prop.get(prop)
            if f is None or f.name not in t.key:
                raise ODataFault(400, "BadRequest_InvalidKey", f"{prop} is not a key property of {page.service}.")
            values[f.name] = value
        return tuple(str(values[name]) for name in t.key)

    def _entity(self, page: Page, record: NavRecord, select: list[FieldDef] | None = None) -> dict[str, object]:
        out: dict[str, object] = {"@odata.etag": record.etag}
        for f in select or page.fields:
            out[page.prop(f)] = encode(f, _value(record, f))
        return out

    def _select(self, request: Request, page: Page) -> list[FieldDef] | None:
        text = request.query_params.get("$select")
        if not text:
            return None
        by_prop = page.field_by_prop()
        chosen = []
        for prop in (p.strip() for p in text.split(",")):
            if prop not in by_prop:
                raise ODataFault(
                    400,
                    "BadRequest_InvalidToken",
                    f"Could not find a property named '{prop}' on type 'NAV.{page.service}'.",
                )
            chosen.append(by_prop[prop])
        return chosen

    async def _body(self, request: Request) -> dict[str, Any]:
        try:
            body = json.loads(await request.body(), parse_float=Decimal)
        except (ValueError, UnicodeDecodeError):
            raise ODataFault(400, "BadRequest_InvalidRequestBody", "The request body is not valid JSON.") from None
        if not isinstance(body, dict):
            raise ODataFault(400, "BadRequest_InvalidRequestBody", "The request body must be a JSON object.")
        return body

    def _values(self, page: Page, body: Mapping[str, Any]) -> dict[str, object]:
        by_prop = page.field_by_prop()
        values: dict[str, object] = {}
        for prop, raw in body.items():
            if prop.startswith("@odata."):
                continue
            f = by_prop.get(prop)
            if f is None:
                raise ODataFault(
                    400,
                    "BadRequest_InvalidToken",
                    f"The property '{prop}' does not exist on type 'NAV.{page.service}'.",
                )
            try:
                values[f.name] = decode(f, raw) if not isinstance(raw, Decimal) else raw
            except BadValue:
                raise NavValidationError(
                    f'The value "{raw}" can\'t be evaluated into type {f.type.value}.', field=f.name
                ) from None
        return values

    def _if_match(self, request: Request) -> str:
        value = request.headers.get("if-match")
        if not value:
            raise ODataFault(400, "Application_BadRequest", MISSING_IF_MATCH)
        return value

    def _json(self, body: object, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
        return Response(
            json.dumps(body, default=str),
            status_code=status,
            media_type="application/json; odata.metadata=minimal; charset=utf-8",
            headers=dict(headers or {}),
        )

    # ------------------------------------------------------------------ requests

    def _single(self, request: Request, page: Page, key: NavKey) -> Response:
        record = self.nav.get(page.table, key)
        if record is None:
            t = page.table_def
            ident = ",".join(f"{n}='{v}'" for n, v in zip(t.key, key, strict=True))
            raise ODataFault(
                404,
                "Internal_RecordNotFound",
                f"The {t.name} does not exist. Identification fields and values: {ident}",
            )
        return self._json(self._entity(page, record, self._select(request, page)))

    def _collection(self, request: Request, page: Page) -> Response:
        select = self._select(request, page)
        comparisons = parse_filter(request.query_params.get("$filter", ""))
        by_prop = page.field_by_prop()
        equal: dict[str, object] = {}
        rest: list[tuple[FieldDef, Op, object]] = []
        for c in comparisons:
            f = by_prop.get(c.prop)
            if f is None:
                raise ODataFault(
                    400,
                    "BadRequest_InvalidToken",
                    f"Could not find a property named '{c.prop}' on type 'NAV.{page.service}'.",
                )
            value = _typed(f, c)
            if c.op is Op.EQ and f.name not in equal and f is not SYSTEM_MODIFIED_AT:
                equal[f.name] = value
            else:
                rest.append((f, c.op, value))
        records = [r for r in self.nav.find(page.table, equal) if all(_holds(r, f, op, v) for f, op, v in rest)]
        order = request.query_params.get("$orderby")
        if order:
            records = self._ordered(page, records, order)
        else:
            records.sort(key=lambda r: _sort_key(page, r))
        top = request.query_params.get("$top")
        if top is not None:
            if not top.isdigit():
                raise ODataFault(400, "BadRequest_InvalidToken", f"$top={top} is not a number.")
            records = records[: int(top)]
        size = self._page_size(request)
        token = request.query_params.get("$skiptoken")
        start = int(token) if token and token.isdigit() else 0
        chunk = records[start : start + size]
        body: dict[str, object] = {
            "@odata.context": f"{request.base_url}{self.instance}/ODataV4/$metadata#{page.service}",
            "value": [self._entity(page, r, select) for r in chunk],
        }
        headers = {}
        if "maxpagesize" in request.headers.get("prefer", ""):
            headers["Preference-Applied"] = f"odata.maxpagesize={size}"
        if start + size < len(records):
            body["@odata.nextLink"] = str(request.url.include_query_params(**{"$skiptoken": str(start + size)}))
        return self._json(body, headers=headers)

    def _ordered(self, page: Page, records: list[NavRecord], order: str) -> list[NavRecord]:
        prop, _, direction = order.strip().partition(" ")
        f = page.field_by_prop().get(prop)
        if f is None or direction.strip() not in ("", "asc", "desc"):
            raise ODataFault(400, "BadRequest_InvalidToken", f"$orderby={order} cannot be applied to {page.service}.")
        return sorted(records, key=lambda r: _comparable(f, _value(r, f)), reverse=direction.strip() == "desc")

    def _page_size(self, request: Request) -> int:
        m = _MAXPAGESIZE.search(request.headers.get("prefer", ""))
        wanted = int(m.group(1)) if m else self.max_page_size
        return max(1, min(wanted, self.max_page_size))

    def _insert(self, page: Page, body: Mapping[str, Any]) -> Response:
        values = self._values(page, body)
        t = page.table_def
        if all(values.get(k) not in (None, "", 0) for k in t.key):
            key = tuple(str(values[k]).upper() if t.field(k).type is FieldType.CODE else str(values[k]) for k in t.key)
            if self.nav.get(page.table, key) is not None:
                ident = ",".join(f"{n}='{v}'" for n, v in zip(t.key, key, strict=True))
                raise ODataFault(
                    409,
                    "Internal_EntityWithSameKeyExists",
                    f"The record in table {t.name} already exists. Identification fields and values: {ident}",
                )
        record = self.nav.insert(page.table, values)
        location = f"{page.service}(" + ",".join(quote(p) for p in record.key) + ")"
        return self._json(self._entity(page, record), status=201, headers={"Location": location})

    def _modify(self, page: Page, key: NavKey, body: Mapping[str, Any], if_match: str) -> Response:
        record = self.nav.modify(page.table, key, self._values(page, body), if_match=if_match)
        return self._json(self._entity(page, record))


def _typed(f: FieldDef, c: Comparison) -> object:
    value: Literal = c.value
    bad = ODataFault(
        400,
        "BadRequest_InvalidToken",
        f"The value {value!r} cannot be compared with {c.prop}, a {f.type.value} field.",
    )
    t = f.type
    try:
        if t in (FieldType.CODE, FieldType.TEXT) and isinstance(value, str):
            return value
        if t is FieldType.OPTION and isinstance(value, str):
            return decode_option(value)
        if t in (FieldType.INTEGER, FieldType.DURATION) and isinstance(value, int) and not isinstance(value, bool):
            return value
        if t is FieldType.BOOLEAN and isinstance(value, bool):
            return value
        if t is FieldType.DATE and isinstance(value, Bare):
            return decode(f, value.text)
        if t is FieldType.TIME and isinstance(value, Bare):
            return decode(f, value.text)
        if t is FieldType.DATETIME and isinstance(value, Bare):
            return decode(f, value.text)
    except BadValue:
        raise bad from None
    raise bad


def _comparable(f: FieldDef, value: object) -> Any:
    if value is None:
        return {FieldType.DATE: dt.date.min, FieldType.TIME: dt.time.min}.get(
            f.type, dt.datetime.min.replace(tzinfo=dt.UTC)
        )
    return value


def _value(record: NavRecord, f: FieldDef) -> object:
    if f is SYSTEM_MODIFIED_AT:
        day, time = record.fields.get("Last Date Modified"), record.fields.get("Last Time Modified")
        if not isinstance(day, dt.date):
            return None
        return dt.datetime.combine(day, time if isinstance(time, dt.time) else dt.time(0), tzinfo=dt.UTC)
    return record.fields[f.name]


def _holds(record: NavRecord, f: FieldDef, op: Op, value: object) -> bool:
    left, right = _comparable(f, _value(record, f)), _comparable(f, value)
    if op is Op.EQ:
        return bool(left == right)
    if op is Op.NE:
        return bool(left != right)
    if op is Op.GT:
        return bool(left > right)
    if op is Op.GE:
        return bool(left >= right)
    if op is Op.LT:
        return bool(left < right)
    return bool(left <= right)


def _sort_key(page: Page, record: NavRecord) -> tuple[object, ...]:
    t = page.table_def
    return tuple(record.fields[name] for name in t.key)


def create_app(
    nav: EmbeddedNav,
    *,
    instance: str = "NAV",
    publication: Publication | None = None,
    credentials: tuple[str, str] | None = None,
    max_page_size: int = 1000,
) -> Starlette:
    """The service over ``nav`` at ``/<instance>/ODataV4/``. ``credentials`` (user, web service access key)
    turns on Basic authentication; ``max_page_size`` is the server's page limit (NAV's default is 1,000)."""
    service = NavODataService(
        nav,
        instance=instance,
        publication=publication or Publication(),
        credentials=credentials,
        max_page_size=max_page_size,
    )
    app = Starlette(routes=[Route("/{path:path}", service.handle, methods=["GET", "POST", "PATCH", "DELETE"])])
    app.state.service = service
    return app
