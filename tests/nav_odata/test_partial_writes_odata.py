"""tests/engine/test_partial_writes.py's first case with NAV over OData, whose error for a refused value names
no field when the PATCH carries several (NAV's words: "The length of the string is 67, ..."): the fields are
then written one at a time, so the refused one is known and the others are written all the same."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx

from graphsync.config.entities import EntityName
from graphsync.connectors.nav import NavTable
from graphsync.engine.plan import Side
from graphsync.nav.embedded import EmbeddedNav
from graphsync.nav.odata.connector import ODataNav
from graphsync.navservice.pages import PROFILES
from graphsync.runtime.odata import required_fields
from graphsync.sandbox import SandboxState, create_app
from tests.engine.test_end_to_end_sandbox import USER, Setup, _item_with_key
from tests.nav_odata.conftest import Served

LONG_TITLE = "Senior Vice President of Strategic Partnerships and Customer Succes"  # 67 characters


async def test_a_field_nav_refuses_over_odata_does_not_hold_up_the_others(
    tmp_path: Path, served: Served, connect: Callable[..., ODataNav], company: EmbeddedNav
) -> None:
    served.service.publication = PROFILES["nav2018-graphsync"]
    app = create_app(SandboxState.seeded(USER))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sandbox/v1.0") as client:
        setup = Setup(tmp_path, client, nav=None, company=company)
        setup.nav = connect(required=required_fields(setup.entities))
        try:
            assert (await setup.sync()).ok
            person = await _item_with_key(setup, "contact", "5050:CT200118")
            await setup.graph(
                "PATCH", f"/me/contacts/{person['id']}", {"jobTitle": LONG_TITLE, "mobilePhone": "07700 900123"}
            )
            report = await setup.sync()
            (error,) = report.errors
            assert (error.entity, error.nav_key, error.side) == (EntityName.CONT_PERS, "5050:CT200118", Side.NAV)
            assert error.message.startswith("Job Title: The length of the string is 67")
            record = company.get(NavTable.CONTACT, ("CT200118",))
            assert record is not None and record.fields["Mobile Phone No."] == "07700 900123"
            assert report.done[EntityName.CONT_PERS] == {"nav_update": 1}
            # Only the title is pending: refused again, alone; fixed, it is written.
            assert [e.message.split(":")[0] for e in (await setup.sync()).errors] == ["Job Title"]
            await setup.graph("PATCH", f"/me/contacts/{person['id']}", {"jobTitle": "SVP Partnerships"})
            assert (await setup.sync()).ok
            record = company.get(NavTable.CONTACT, ("CT200118",))
            assert record is not None and record.fields["Job Title"] == "SVP Partnerships"
        finally:
            setup.store.close()
