"""The Graph client's cost: CPU per item of a delta page (graphsync vs msgraph-sdk typed models), and the
requests used to create N items (at most ceil(N/20) batches plus provisioning).

Everything runs in-process (httpx.MockTransport for the delta page, the sandbox over ASGI for the creates),
so the figures are the client's own cost, not the network's.
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

from graphsync.auth.sandbox import SandboxTokenSource
from graphsync.connectors.outlook import ItemKind, WriteAction, WriteOp
from graphsync.graph import GraphMailbox, GraphMailboxOptions
from graphsync.sandbox import SandboxState, create_app

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


SANDBOX_USER = "bench@contoso.com"


async def _requests_to_create(count: int) -> dict[str, object]:
    """Creates ``count`` contacts in the sandbox (in-process) and counts requests on both sides."""
    state = SandboxState.seeded(SANDBOX_USER)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(state)), base_url="http://sandbox/v1.0")
    async with client:
        box = GraphMailbox(upn=None, client=client, tokens=SandboxTokenSource(SANDBOX_USER))
        await box.provision()
        provisioning = box.stats.requests
        batches_before = state.batch_requests
        ops = [
            WriteOp(str(n), WriteAction.CREATE, ItemKind.CONTACT, f"CT{n:06}", {"displayName": f"Contact {n}"})
            for n in range(count)
        ]
        started = time.perf_counter()
        results = await box.write(ops)
        elapsed = time.perf_counter() - started
    assert all(r.ok for r in results)
    return {
        "items": count,
        "provisioning_requests": provisioning,
        "batch_requests": box.stats.requests - provisioning,
        "batch_requests_seen_by_sandbox": state.batch_requests - batches_before,
        "ceil_n_over_20": math.ceil(count / 20),
        "requests_per_item": round((box.stats.requests - provisioning) / count, 4),
        "items_per_second_in_process": round(count / elapsed),
    }


def run(*, quick: bool) -> dict[str, object]:
    # One small round each first: the first parse pays for imports and lazy set-up, not per-item cost.
    asyncio.run(_graphsync_delta(delta_page(5), 5))
    asyncio.run(_sdk_delta(delta_page(5), 5))
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
