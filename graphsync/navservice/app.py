"""The Starlette app: ``/<Instance>/ODataV4/...`` answered from an `EmbeddedNav` as NAV 2018 or Business
Central would, page by page as the `Publication` says.

Requests are served one at a time on the event loop (the embedded company is one SQLite file); each runs in
a web-service session of the company (`EmbeddedNav.as_session`): TODAY and TIME in the Services Default Time
Zone, no dialogs, and the fields a request sets treated as typed into the page's controls. Each write is the
embedded company's own transaction, so a refused write changes nothing. The path is read raw, so a key
holding ``/`` (percent-encoded) still names one record. The ``Date`` header comes from the company's clock,
so that a test that sets the clock gets a consistent server.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
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
    NavDialogError,
    NavError,
    NavNotFoundError,
    NavRefusedError,
    NavValidationError,
)
from graphsync.nav.embedded import EmbeddedNav
from graphsync.nav.odata.catalogue import ControlKind
from graphsync.nav.odata.names import parse_option
from graphsync.nav.odata.values import BadValue, decode, encode, guid_json, guid_text
from graphsync.navservice.edmx import metadata_document
from graphsync.navservice.pages import Page, PageControl, Publication
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
    if isinstance(exc, NavDialogError):
        # dynamics-error-codes.md: NavNCLCallbackNotAllowedException -> Application_CallbackNotAllowed. The
        # status is not documented; 400 as for the other Application_* errors here.
        return ODataFault(400, "Application_CallbackNotAllowed", exc.message)
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
        server_time_zone: str | None = None,
    ) -> None:
        self.nav = nav
        self.instance = instance
        self.publication = publication
        self.credentials = credentials
        self.max_page_size = max_page_size
        self.server_time_zone = server_time_zone
        """The Services Default Time Zone; None: the company's own setting (UTC unless set)."""
        self._session = nav

    def session(self) -> EmbeddedNav:
        """The web-service session a request runs in."""
        user = self.credentials[0] if self.credentials else self.nav.user_id
        return self.nav.as_session(
            user_id=user,
            web_service=True,
            time_zone=self.server_time_zone,
            saas=self.publication.saas,
            server=self.publication.server,
        )

    # ------------------------------------------------------------------ dispatch

    async def handle(self, request: Request) -> Response:
        self._session = self.session()
        response = await self._answer(request)
        response.headers["Date"] = email.utils.format_datetime(self.nav.clock().astimezone(dt.UTC), usegmt=True)
        return response

    async def _answer(self, request: Request) -> Response:
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
            self._allowed(page, method, page.spec.insert_allowed)
            return self._insert(page, await self._body(request))
        if key is not None and method == "GET":
            return self._single(request, page, key)
        if key is not None and method == "PATCH":
            self._allowed(page, method, page.spec.modify_allowed)
            return self._modify(page, key, await self._body(request), self._if_match(request))
        if key is not None and method == "DELETE":
            self._allowed(page, method, page.spec.delete_allowed)
            self._session.delete(page.table, key, if_match=self._if_match(request))
            return Response(b"", status_code=204)
        raise ODataFault(405, "BadRequest_MethodNotAllowed", f"The requested resource does not support {method}.")

    def _allowed(self, page: Page, method: str, allowed: bool) -> None:
        """A page with InsertAllowed / ModifyAllowed / DeleteAllowed off (the shipped Task Card, Name Details).
        The wording is the BadRequest_MethodNotAllowed row of dynamics-error-codes.md; that a page property
        gives exactly this answer was not checked on a server."""
        if not allowed:
            raise ODataFault(
                405,
                "BadRequest_MethodNotAllowed",
                f"'{method}' requests for '{page.service}' of EdmType 'Entity' are not allowed within Microsoft "
                "Dynamics NAV OData web services.",
            )

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
        by_prop = page.by_prop()
        values: dict[str, object] = {}
        for i, (prop, value) in enumerate(parts):
            control = by_prop.get(prop) if prop is not None else None
            f = t.field(t.key[i]) if prop is None else control.field if control else None
            if f is None or f.name not in t.key:
                raise ODataFault(400, "BadRequest_InvalidKey", f"{prop} is not a key property of {page.service}.")
            values[f.name] = value
        return tuple(str(values[name]) for name in t.key)

    def _entity(self, page: Page, record: NavRecord, select: list[PageControl] | None = None) -> dict[str, object]:
        out: dict[str, object] = {"@odata.etag": record.etag}
        for c in select or page.controls:
            value = self._value(page, record, c)
            out[c.prop] = guid_json(str(value)) if c.guid else encode(c.field, value, options=self.publication.options)
        return out

    def _value(self, page: Page, record: NavRecord, c: PageControl) -> object:
        if c.kind is ControlKind.FIELD:
            return record.fields[c.field.name]
        if c.kind is ControlKind.COMPLETE:
            return record.fields["Closed"]
        if c.kind is ControlKind.ENTRY_ID:
            # The page's OnAfterGetRecord: GetEntryID(EntryIdText), the BLOB read as text (table 5302).
            return record.fields[c.field.name]
        if c.kind is ControlKind.SYSTEM:
            stamped = self.nav.system_modified_at(page.table, record.key)
            if stamped is not None:
                return stamped
        # Contact.GetLastDateTimeModified (BC CRM/Contact/Contact.Table.al): the UTC stamps as a DateTime;
        # also what a record written before the system column existed falls back to.
        day, time = record.fields.get("Last Date Modified"), record.fields.get("Last Time Modified")
        if not isinstance(day, dt.date):
            return None
        return dt.datetime.combine(day, time if isinstance(time, dt.time) else dt.time(0), tzinfo=dt.UTC)

    def _select(self, request: Request, page: Page) -> list[PageControl] | None:
        text = request.query_params.get("$select")
        if not text:
            return None
        by_prop = page.by_prop()
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

    def _values(self, page: Page, body: Mapping[str, Any]) -> tuple[dict[str, object], set[str]]:
        """The values a request body sets, by NAV field name, and which of them came through field
        controls (a completion control's values do not: its trigger assigns them in code)."""
        by_prop = page.by_prop()
        values: dict[str, object] = {}
        typed: set[str] = set()
        for prop, raw in body.items():
            if prop.startswith("@odata."):
                continue
            c = by_prop.get(prop)
            if c is None:
                raise ODataFault(
                    400,
                    "BadRequest_InvalidToken",
                    f"The property '{prop}' does not exist on type 'NAV.{page.service}'.",
                )
            if page.read_only(c):
                # dynamics-error-codes.md, ODataInvalidOperationException.
                name = c.field.name if c.kind is ControlKind.FIELD else prop
                raise ODataFault(400, "BadRequest_InvalidOperation", f"Control '{name}' is read-only")
            value = self._guid(c, raw) if c.guid else self._decoded(c.field, raw)
            if c.kind is ControlKind.COMPLETE:
                if value:
                    values.update({"Closed": True, "Status": "Completed"})
                else:
                    values["Closed"] = False
                continue
            values[c.field.name] = value
            typed.add(c.field.name)
        return values, typed

    def _guid(self, c: PageControl, raw: object) -> str:
        """A GUID control's value from a request body (OData's form, or NAV's with braces)."""
        try:
            if isinstance(raw, str):
                return guid_text(raw)
        except BadValue:
            pass
        raise NavValidationError(f'The value "{raw}" can\'t be evaluated into type GUID.', field=c.field.name)

    def _decoded(self, f: FieldDef, raw: object) -> object:
        if isinstance(raw, Decimal):
            return raw
        if f.type is FieldType.OPTION and isinstance(raw, str):
            caption = parse_option(raw, self.publication.options)
            if caption is None:
                # dynamics-error-codes.md, NavNCLEvaluateException.
                raise NavValidationError(f'The value "{raw}" cannot be evaluated into type Option.', field=f.name)
            return caption
        try:
            return decode(f, raw)
        except BadValue:
            raise NavValidationError(
                f'The value "{raw}" can\'t be evaluated into type {f.type.value}.', field=f.name
            ) from None

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
        record = self._session.get(page.table, key)
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
        by_prop = page.by_prop()
        equal: dict[str, object] = {}
        rest: list[tuple[PageControl, Op, object]] = []
        for c in comparisons:
            control = by_prop.get(c.prop)
            if control is None:
                raise ODataFault(
                    400,
                    "BadRequest_InvalidToken",
                    f"Could not find a property named '{c.prop}' on type 'NAV.{page.service}'.",
                )
            if control.kind in (ControlKind.COMPUTED, ControlKind.COMPLETE, ControlKind.ENTRY_ID):
                # A control bound to an expression, not a field: NAV filters on fields. (Assumed; not checked
                # on a server.)
                raise ODataFault(
                    400, "BadRequest_InvalidToken", f"The property '{c.prop}' is not a field and cannot be filtered."
                )
            value = _guid_literal(c) if control.guid else _typed(control.field, c, self.publication)
            f = control.field
            if c.op is Op.EQ and control.kind is ControlKind.FIELD and f.name not in equal:
                equal[f.name] = value
            else:
                rest.append((control, c.op, value))
        records = [
            r
            for r in self._session.find(page.table, equal)
            if all(_holds(self._value(page, r, ctl), ctl.field, op, v) for ctl, op, v in rest)
        ]
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
        c = page.by_prop().get(prop)
        if c is None or direction.strip() not in ("", "asc", "desc"):
            raise ODataFault(400, "BadRequest_InvalidToken", f"$orderby={order} cannot be applied to {page.service}.")
        return sorted(
            records,
            key=lambda r: _comparable(c.field, self._value(page, r, c)),
            reverse=direction.strip() == "desc",
        )

    def _page_size(self, request: Request) -> int:
        m = _MAXPAGESIZE.search(request.headers.get("prefer", ""))
        wanted = int(m.group(1)) if m else self.max_page_size
        return max(1, min(wanted, self.max_page_size))

    def _insert(self, page: Page, body: Mapping[str, Any]) -> Response:
        values, typed = self._values(page, body)
        t = page.table_def
        if all(values.get(k) not in (None, "", 0) for k in t.key):
            key = tuple(str(values[k]).upper() if t.field(k).type is FieldType.CODE else str(values[k]) for k in t.key)
            if self._session.get(page.table, key) is not None:
                ident = ",".join(f"{n}='{v}'" for n, v in zip(t.key, key, strict=True))
                raise ODataFault(
                    409,
                    "Internal_EntityWithSameKeyExists",
                    f"The record in table {t.name} already exists. Identification fields and values: {ident}",
                )
        record = self._session.insert(page.table, values, page_fields=typed)
        location = f"{page.service}(" + ",".join(quote(p) for p in record.key) + ")"
        return self._json(self._entity(page, record), status=201, headers={"Location": location})

    def _modify(self, page: Page, key: NavKey, body: Mapping[str, Any], if_match: str) -> Response:
        values, typed = self._values(page, body)
        record = self._session.modify(page.table, key, values, if_match=if_match, page_fields=typed)
        return self._json(self._entity(page, record))


def _typed(f: FieldDef, c: Comparison, publication: Publication) -> object:
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
            caption = parse_option(value, publication.options)
            if caption is None:
                raise bad
            return caption
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


def _guid_literal(c: Comparison) -> str:
    """A GUID in ``$filter`` is a bare literal, no quotes, no braces: OData V4's ABNF, ``guidValue = 8HEXDIG "-"
    4HEXDIG "-" 4HEXDIG "-" 4HEXDIG "-" 12HEXDIG`` (odata-abnf-construction-rules, "Primitive literals"). The
    code and wording of NAV's refusal of any other form are assumed, as for the other filter errors here; not
    checked on a server."""
    try:
        if isinstance(c.value, Bare):
            return guid_text(c.value.text)
    except BadValue:
        pass
    raise ODataFault(400, "BadRequest_InvalidToken", f"The value {c.value!r} cannot be compared with {c.prop}, a GUID.")


def _comparable(f: FieldDef, value: object) -> Any:
    if value is None:
        return {FieldType.DATE: dt.date.min, FieldType.TIME: dt.time.min}.get(
            f.type, dt.datetime.min.replace(tzinfo=dt.UTC)
        )
    return value


def _holds(actual: object, f: FieldDef, op: Op, value: object) -> bool:
    left, right = _comparable(f, actual), _comparable(f, value)
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
    server_time_zone: str | None = None,
) -> Starlette:
    """The service over ``nav`` at ``/<instance>/ODataV4/``. ``publication`` is the server (a profile of
    `graphsync.navservice.pages.PROFILES`; NAV 2018 set up as docs/odata.md says by default);
    ``credentials`` (user, web service access key) turns on Basic authentication; ``max_page_size`` is the
    server's page limit (NAV's default is 1,000); ``server_time_zone`` its Services Default Time Zone (None:
    the company's setting)."""
    service = NavODataService(
        nav,
        instance=instance,
        publication=publication or Publication(),
        credentials=credentials,
        max_page_size=max_page_size,
        server_time_zone=server_time_zone,
    )
    app = Starlette(routes=[Route("/{path:path}", service.handle, methods=["GET", "POST", "PATCH", "DELETE"])])
    app.state.service = service
    return app
