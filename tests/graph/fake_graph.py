"""A small Graph look-alike for the client's tests, served through httpx.MockTransport.

It keeps contact folders, contacts, To Do lists, tasks, calendars and events in memory, answers delta,
$filter on the NAV-key extended property, $expand, $batch (each item runs the same code as a plain
request) and transactionId de-duplication. `faults` lets a test make a request fail before or after the
fake has done the work, which is how lost answers and throttling are staged.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import httpx

BASE = "https://graph.test/v1.0"
NAV_KEY_RE = re.compile(r"ep/value eq '((?:[^']|'')*)'")


@dataclass
class Fault:
    """Applied to the next request matching ``method`` and ``path`` (a regex on the path after /v1.0)."""

    method: str
    path: str
    status: int = 0
    """0: raise a timeout instead of answering."""
    after_work: bool = False
    """True: do the work first, then fail (the answer is lost)."""
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    times: int = 1


@dataclass
class Store:
    folders: dict[str, dict[str, Any]] = field(default_factory=dict)
    lists: dict[str, dict[str, Any]] = field(default_factory=dict)
    calendars: dict[str, dict[str, Any]] = field(default_factory=dict)
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)
    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    log: list[tuple[int, str, str]] = field(default_factory=list)
    """(sequence, collection, id): every change, for delta."""


class FakeGraph:
    def __init__(self) -> None:
        self.store = Store()
        self.faults: list[Fault] = []
        self.requests: list[tuple[str, str]] = []
        self.urls: list[str] = []
        self.headers_seen: list[httpx.Headers] = []
        self.left_window: set[str] = set()
        """Event ids the next event delta reports as @removed although they exist (left the window)."""
        self._ids = itertools.count(1)
        self._seq = itertools.count(1)

    # ------------------------------------------------------------------ plumbing
    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self.handle), base_url=BASE)

    def new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids)}="

    def changed(self, collection: str, item_id: str) -> None:
        self.store.log.append((next(self._seq), collection, item_id))

    def _fault_for(self, method: str, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.method == method and re.search(fault.path, path) and fault.times > 0:
                fault.times -= 1
                return fault
        return None

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/v1.0")
        self.requests.append((request.method, path))
        self.urls.append(str(request.url))
        self.headers_seen.append(request.headers)
        if request.headers.get("authorization") != "Bearer test-token":
            return self._error(401, "InvalidAuthenticationToken", "no token")
        fault = self._fault_for(request.method, path)
        if fault is not None and not fault.after_work:
            return self._faulted(fault, request)
        query = {k: v[0] for k, v in parse_qs(request.url.query.decode(), keep_blank_values=True).items()}
        body = json.loads(request.content) if request.content else None
        status, payload, headers = self.route(request.method, path, query, body, dict(request.headers))
        if fault is not None:
            return self._faulted(fault, request)
        content = json.dumps(payload).encode() if payload is not None else b""
        return httpx.Response(status, content=content, headers={"Content-Type": "application/json", **headers})

    def _faulted(self, fault: Fault, request: httpx.Request) -> httpx.Response:
        if fault.status == 0:
            raise httpx.ReadTimeout("timed out", request=request)
        return httpx.Response(fault.status, content=fault.body, headers=fault.headers)

    @staticmethod
    def _error(status: int, code: str, message: str) -> httpx.Response:
        body = {"error": {"code": code, "message": message, "innerError": {"request-id": "rid-1"}}}
        return httpx.Response(status, json=body, headers={"request-id": "rid-1"})

    # ------------------------------------------------------------------ routes
    def route(
        self, method: str, path: str, query: dict[str, str], body: Any, headers: dict[str, str]
    ) -> tuple[int, Any, dict[str, str]]:
        if path == "/$batch" and method == "POST":
            return 200, {"responses": [self._batch_item(item) for item in body["requests"]]}, {}
        parts = [unquote(p) for p in path.split("/") if p]
        if parts[:1] == ["me"]:
            parts = parts[1:]
        elif parts[:1] == ["users"]:
            parts = parts[2:]
        return self._dispatch(method, parts, query, body, headers)

    def _batch_item(self, item: dict[str, Any]) -> dict[str, Any]:
        split = urlsplit(item["url"])
        query = {k: v[0] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        path = split.path
        fault = self._fault_for(item["method"], path)
        if fault is not None and not fault.after_work:
            return {
                "id": item["id"],
                "status": fault.status,
                "headers": fault.headers,
                "body": json.loads(fault.body) if fault.body else None,
            }
        headers = {k.lower(): v for k, v in (item.get("headers") or {}).items()}
        status, payload, out_headers = self.route(item["method"], path, query, item.get("body"), headers)
        if fault is not None:
            return {"id": item["id"], "status": fault.status, "headers": fault.headers, "body": None}
        return {
            "id": item["id"],
            "status": status,
            "headers": {"Content-Type": "application/json", **out_headers},
            "body": payload,
        }

    def _dispatch(
        self, method: str, parts: list[str], query: dict[str, str], body: Any, headers: dict[str, str]
    ) -> tuple[int, Any, dict[str, str]]:
        s = self.store
        match (method, parts):
            case ("GET", ["contactFolders"]):
                return 200, {"value": list(s.folders.values())}, {}
            case ("POST", ["contactFolders"]):
                return self._create_container(s.folders, "F", {"displayName": body["displayName"]})
            case ("GET", ["contactFolders", fid]):
                return self._get(s.folders, fid)
            case ("GET", ["todo", "lists"]):
                return 200, {"value": list(s.lists.values())}, {}
            case ("POST", ["todo", "lists"]):
                return self._create_container(s.lists, "L", {"displayName": body["displayName"]})
            case ("GET", ["todo", "lists", lid]):
                return self._get(s.lists, lid)
            case ("GET", ["calendars"]):
                return 200, {"value": list(s.calendars.values())}, {}
            case ("POST", ["calendars"]):
                return self._create_container(s.calendars, "C", {"name": body["name"]})
            case ("GET", ["calendars", cid]):
                return self._get(s.calendars, cid)
            case ("POST", ["contactFolders", fid, "contacts"]):
                return self._create_item(s.contacts, "contacts", body, folder=fid)
            case ("GET", ["contactFolders", fid, "contacts"]):
                return 200, {"value": self._filtered(s.contacts, query, folder=fid)}, {}
            case ("GET", ["contactFolders", fid, "contacts", "delta"]):
                return self._delta(s.contacts, "contacts", query, headers, folder=fid)
            case ("GET", ["contacts", cid]) | ("GET", ["events", cid]):
                store = s.contacts if parts[0] == "contacts" else s.events
                return self._get(store, cid)
            case ("PATCH", ["contacts", cid]) | ("PATCH", ["events", cid]):
                return self._patch(s.contacts if parts[0] == "contacts" else s.events, parts[0], cid, body, headers)
            case ("DELETE", ["contacts", cid]) | ("DELETE", ["events", cid]):
                return self._delete(s.contacts if parts[0] == "contacts" else s.events, parts[0], cid)
            case ("POST", ["events"]):
                return self._create_event(body, "primary")
            case ("POST", ["calendars", cid, "events"]):
                return self._create_event(body, cid)
            case ("GET", ["calendars", cid, "calendarView"]):
                return 200, {"value": [_public(e) for e in s.events.values() if e["_folder"] == cid]}, {}
            case ("GET", ["events"]):
                return 200, {"value": self._filtered(s.events, query)}, {}
            case ("GET", ["calendarView", "delta"]):
                return self._delta(s.events, "events", query, headers)
            case ("POST", ["todo", "lists", lid, "tasks"]):
                return self._create_item(s.tasks, "tasks", body, folder=lid, task=True)
            case ("GET", ["todo", "lists", lid, "tasks"]):
                return 200, {"value": [t for t in s.tasks.values() if t["_folder"] == lid]}, {}
            case ("GET", ["todo", "lists", lid, "tasks", "delta"]):
                return self._delta(s.tasks, "tasks", query, headers, folder=lid)
            case ("GET", ["todo", "lists", _, "tasks", tid]):
                return self._get(s.tasks, tid)
            case ("PATCH", ["todo", "lists", _, "tasks", tid]):
                return self._patch(s.tasks, "tasks", tid, body, headers)
            case ("DELETE", ["todo", "lists", _, "tasks", tid]):
                return self._delete(s.tasks, "tasks", tid)
            case ("PATCH", ["todo", "lists", _, "tasks", tid, "extensions", name]):
                task = s.tasks.get(tid)
                ext = next((e for e in (task or {}).get("extensions", []) if e["extensionName"] == name), None)
                if ext is None:
                    return 404, _err("ErrorItemNotFound", "no such extension"), {}
                ext.update({k: v for k, v in body.items() if not k.startswith("@")})
                return 204, None, {}
            case ("POST", ["todo", "lists", _, "tasks", tid, "extensions"]):
                if tid not in s.tasks:
                    return 404, _err("ErrorItemNotFound", "no such task"), {}
                s.tasks[tid].setdefault("extensions", []).append(dict(body))
                return 201, body, {}
        return 400, _err("BadRequest", f"fake graph has no route {method} /{'/'.join(parts)}"), {}

    # ------------------------------------------------------------------ behaviour
    def _create_container(self, store: dict[str, Any], prefix: str, data: dict[str, Any]) -> tuple[int, Any, dict]:
        cid = self.new_id(prefix)
        store[cid] = {"id": cid, **data}
        return 201, store[cid], {}

    @staticmethod
    def _get(store: dict[str, Any], item_id: str) -> tuple[int, Any, dict]:
        if item_id not in store:
            return 404, _err("ErrorItemNotFound", "The specified object was not found in the store."), {}
        return 200, _public(store[item_id]), {}

    def _create_item(
        self, store: dict[str, Any], collection: str, body: dict[str, Any], *, folder: str, task: bool = False
    ) -> tuple[int, Any, dict]:
        item_id = self.new_id(collection[0].upper())
        item = {**body, "id": item_id, "_folder": folder}
        if task:
            item["@odata.etag"] = f'W/"{item_id}-1"'
            for n, link in enumerate(item.get("linkedResources", [])):
                link["id"] = f"link-{n}"
        else:
            item["changeKey"] = f"{item_id}-1"
        store[item_id] = item
        self.changed(collection, item_id)
        echoed = {k: v for k, v in _public(item).items() if k != "singleValueExtendedProperties"}
        return 201, echoed, {}

    def _create_event(self, body: dict[str, Any], calendar: str) -> tuple[int, Any, dict]:
        txn = body.get("transactionId")
        if txn:
            same = next((e for e in self.store.events.values() if e.get("transactionId") == txn), None)
            if same is not None:
                return 201, _public(same), {}
        return self._create_item(self.store.events, "events", body, folder=calendar)

    def _patch(
        self, store: dict[str, Any], collection: str, item_id: str, body: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, Any, dict]:
        item = store.get(item_id)
        if item is None:
            return 404, _err("ErrorItemNotFound", "not found"), {}
        current = item.get("@odata.etag") or f'W/"{item.get("changeKey")}"'
        if "if-match" in headers and headers["if-match"] != current:
            return 412, _err("ErrorIrresolvableConflict", "changed"), {}
        props = {p["id"].lower(): p for p in item.get("singleValueExtendedProperties", [])}
        for p in body.get("singleValueExtendedProperties", []):
            props[p["id"].lower()] = p
        item.update({k: v for k, v in body.items() if k != "singleValueExtendedProperties"})
        item["singleValueExtendedProperties"] = list(props.values())
        version = int(str(item.get("changeKey") or item["@odata.etag"]).rstrip('"').rsplit("-", 1)[1]) + 1
        if "@odata.etag" in item and collection == "tasks":
            item["@odata.etag"] = f'W/"{item_id}-{version}"'
        else:
            item["changeKey"] = f"{item_id}-{version}"
        self.changed(collection, item_id)
        return 200, {k: v for k, v in _public(item).items() if k != "singleValueExtendedProperties"}, {}

    def _delete(self, store: dict[str, Any], collection: str, item_id: str) -> tuple[int, Any, dict]:
        if store.pop(item_id, None) is None:
            return 404, _err("ErrorItemNotFound", "not found"), {}
        self.changed(collection, item_id)
        return 204, None, {}

    def _filtered(self, store: dict[str, Any], query: dict[str, str], folder: str | None = None) -> list[Any]:
        items = [i for i in store.values() if folder is None or i["_folder"] == folder]
        match = NAV_KEY_RE.search(query.get("$filter", ""))
        if match:
            key = match.group(1).replace("''", "'")
            items = [
                i
                for i in items
                if any(
                    p["value"] == key and p["id"].endswith("NAV Key")
                    for p in i.get("singleValueExtendedProperties", [])
                )
            ]
        return [_public(i) for i in items]

    def _delta(
        self,
        store: dict[str, Any],
        collection: str,
        query: dict[str, str],
        headers: dict[str, str],
        folder: str | None = None,
    ) -> tuple[int, Any, dict]:
        size_match = re.search(r"odata.maxpagesize=(\d+)", headers.get("prefer", ""))
        size = int(size_match.group(1)) if size_match else 10
        if "$deltatoken" in query and query["$deltatoken"] == "expired":
            return 410, _err("SyncStateNotFound", "expired"), {}
        since = int(query.get("$deltatoken") or query.get("since") or 0)
        upto = int(query.get("upto") or (self.store.log[-1][0] if self.store.log else 0))
        offset = int(query.get("$skiptoken") or 0)
        if since == 0:
            ids = [i for i, v in store.items() if folder is None or v["_folder"] == folder]
        else:
            ids = list(dict.fromkeys(i for seq, col, i in self.store.log if col == collection and since < seq <= upto))
        page = ids[offset : offset + size]
        if collection == "events":
            for i in self.left_window:
                if i not in ids:
                    ids.append(i)
            page = ids[offset : offset + size]
        values = [
            _public(store[i])
            if i in store and i not in self.left_window
            else {"id": i, "@removed": {"reason": "deleted"}}
            for i in page
        ]
        path = {
            "contacts": f"contactFolders/{folder}/contacts/delta",
            "events": "calendarView/delta",
            "tasks": f"todo/lists/{folder}/tasks/delta",
        }[collection]
        base = f"{BASE}/me/{path}"
        if offset + size < len(ids):
            link = f"{base}?since={since}&upto={upto}&$skiptoken={offset + size}"
            return 200, {"value": values, "@odata.nextLink": link}, {}
        return 200, {"value": values, "@odata.deltaLink": f"{base}?$deltatoken={upto}"}, {}


def _tombstone(item_id: str) -> dict[str, Any]:
    return {"id": item_id, "@removed": {"reason": "deleted"}}


def _err(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def _public(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if not k.startswith("_")}


Handler = Callable[[httpx.Request], httpx.Response]
