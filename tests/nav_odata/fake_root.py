"""The service root of a NAV faked with respx: ``$metadata`` of the default pages and the Company list."""

from __future__ import annotations

import httpx
import respx

from graphsync.navservice.edmx import metadata_document
from graphsync.navservice.pages import Publication

METADATA = metadata_document(Publication())


def mock_root(router: respx.Router | type[respx.mock], root: str, company: str = "CRONUS UK Ltd.") -> respx.Route:
    """Answers ``GET root/$metadata`` and ``GET root/Company``; returns the $metadata route."""
    router.get(f"{root}/Company").mock(return_value=httpx.Response(200, json={"value": [{"Name": company}]}))
    return router.get(f"{root}/$metadata").mock(return_value=httpx.Response(200, content=METADATA.encode()))
