"""The Graph client's cost: CPU per item of a delta page (graphsync vs msgraph-sdk typed models), and the
requests used to create N items (at most ceil(N/20) batches plus provisioning).

Everything runs in-process over httpx.MockTransport, so the figures are the client's own CPU, not network.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from typing import Any

import httpx
from kiota_abstractions.authentication import AnonymousAuthenticationProvider
from msgraph import GraphServiceClient
from msgraph.graph_request_adapter import GraphRequestAdapter

from graphsync.connectors.outlook import ItemKind, WriteAction, WriteOp
from graphsync.graph import GraphMailbox, GraphMailboxOptions

BASE = "https://graph.bench/v1.0"


class _Tokens:
    app_only = False

    async def token(self) -> str:
        return "bench"


def contact(n: int) -> dict[str, Any]:
    """A contact as a delta page carries it: the default property set, realistically filled."""
    return {
        "@odata.etag": f'W/"EQAAABYAAAA{n:08}"',
        "id": f"AAMkAGI2TG93AAA{n:010}=",
        "createdDateTime": "2026-01-05T10:00:00Z",
        "lastModifiedDateTime": "2026-03-01T09:30:00Z",
        "changeKey": f"EQAAABYAAAA{n:08}",
        "categories": [],
        "parentFolderId": "AAMkAGI2TG93AAA=",
        "birthday": None,
        "fileAs": f"Contact {n}",
        "displayName": f"Contact {n}",
        "givenName": "Anna",
        "initials": None,
        "middleName": None,
        "nickName": None,
        "surname": f"Number{n}",
        "title": None,
        "yomiGivenName": None,
        "yomiSurname": None,
        "yomiCompanyName": None,
        "generation": None,
        "imAddresses": [],
        "jobTitle": "Buyer",
        "companyName": "Cronus Cardoxy Procurement",
        "department": "Purchasing",
        "officeLocation": None,
        "profession": None,
        "businessHomePage": "https://cronus.example",
        "assistantName": None,
        "manager": None,
        "homePhones": [],
        "mobilePhone": "+44 20 7946 0000",
        "businessPhones": ["+44 20 7946 0001"],
        "spouseName": None,
        "personalNotes": "",
        "children": [],
        "emailAddresses": [{"name": f"anna{n}@cronus.example", "address": f"anna{n}@cronus.example"}],
        "homeAddress": {},
        "businessAddress": {
            "street": "Main Street 14",
            "city": "London",
            "state": "",
            "countryOrRegion": "GB",
            "postalCode": "W2 8HG",
        },
        "otherAddress": {},
    }


def delta_page(count: int) -> bytes:
    return json.dumps(
        {
            "@odata.context": f"{BASE}/$metadata#Collection(contact)",
            "value": [contact(n) for n in range(count)],
            "@odata.deltaLink": f"{BASE}/me/contactFolders/F/contacts/delta?$deltatoken=abc",
        }
    ).encode()


def _serve(page: bytes) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=page, headers={"Content-Type": "application/json"})

    return httpx.MockTransport(handler)


async def _graphsync_delta(page: bytes, count: int) -> float:
    box = GraphMailbox(
        upn=None,
        client=httpx.AsyncClient(transport=_serve(page), base_url=BASE),
        tokens=_Tokens(),
        options=GraphMailboxOptions(page_size=count),
    )
    link = f"{BASE}/me/contactFolders/F/contacts/delta?$deltatoken=start"
    started = time.process_time()
    seen = 0
    async for entries in box.delta(ItemKind.CONTACT, link).pages():
        seen += len(entries)
    elapsed = time.process_time() - started
    assert seen == count
    return elapsed


async def _sdk_delta(page: bytes, count: int) -> float:
    client = httpx.AsyncClient(transport=_serve(page), base_url=BASE)
    sdk = GraphServiceClient(request_adapter=GraphRequestAdapter(AnonymousAuthenticationProvider(), client))
    started = time.process_time()
    result = await sdk.me.contact_folders.by_contact_folder_id("F").contacts.delta.get()
    elapsed = time.process_time() - started
    assert result is not None and result.value is not None and len(result.value) == count
    return elapsed


def _batch_server() -> tuple[httpx.MockTransport, list[str]]:
    """Provisioning answers and $batch answers with 201s: enough to count the requests writes take."""
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/v1.0")
        seen.append(f"{request.method} {path}")
        if path == "/$batch":
            items = json.loads(request.content)["requests"]
            responses = [{"id": i["id"], "status": 201, "body": {"id": f"C{i['id']}", "changeKey": "1"}} for i in items]
            return httpx.Response(200, json={"responses": responses})
        if request.method == "GET":
            return httpx.Response(200, json={"value": []})
        return httpx.Response(201, json={"id": "container"})

    return httpx.MockTransport(handler), seen


async def _requests_to_create(count: int) -> dict[str, object]:
    transport, seen = _batch_server()
    box = GraphMailbox(upn=None, client=httpx.AsyncClient(transport=transport, base_url=BASE), tokens=_Tokens())
    await box.provision()
    provisioning = box.stats.requests
    ops = [
        WriteOp(str(n), WriteAction.CREATE, ItemKind.CONTACT, f"CT{n:06}", {"displayName": f"Contact {n}"})
        for n in range(count)
    ]
    results = await box.write(ops)
    assert all(r.ok for r in results)
    assert len(seen) == box.stats.requests  # the client's own count agrees with what the server received
    return {
        "items": count,
        "provisioning_requests": provisioning,
        "batch_requests": box.stats.requests - provisioning,
        "ceil_n_over_20": math.ceil(count / 20),
        "requests_per_item": round((box.stats.requests - provisioning) / count, 4),
    }


def run(*, quick: bool) -> dict[str, object]:
    page_items = 1000
    sdk_items = 100 if quick else 1000  # typed parsing costs milliseconds per item; --quick keeps it short
    ours = _best(lambda: _graphsync_delta(delta_page(page_items), page_items), 3 if quick else 5)
    theirs = _best(lambda: _sdk_delta(delta_page(sdk_items), sdk_items), 1 if quick else 2)
    ours_us = ours / page_items * 1e6
    theirs_us = theirs / sdk_items * 1e6
    return {
        "delta_page_cpu": {
            "graphsync_us_per_item": round(ours_us, 2),
            "graphsync_items": page_items,
            "msgraph_sdk_typed_us_per_item": round(theirs_us, 2),
            "msgraph_sdk_items": sdk_items,
            "ratio_sdk_over_graphsync": round(theirs_us / ours_us, 1),
        },
        "create_requests": asyncio.run(_requests_to_create(200 if quick else 2000)),
    }


def _best(make: Any, repeat: int) -> float:
    return min(asyncio.run(make()) for _ in range(repeat))


if __name__ == "__main__":
    print(json.dumps(run(quick=True), indent=2))
