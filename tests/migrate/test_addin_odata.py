"""From NAV's Outlook add-in over OData: the same company as in test_addin.py served by `graphsync.navservice` as
NAV 2018 set up as docs/migrate.md describes, the same sandbox; the same outcome. A page left unpublished (or a
Business Central, which has no add-in tables) is a setup error naming what to publish."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from graphsync.connectors.nav import NavTable
from graphsync.navservice.pages import PROFILES
from tests.migrate.conftest import World, nav_key_of
from tests.migrate.test_addin import links_then_a_sync_create_nothing, use_addin_config

Serve = Callable[..., World]


def test_the_setup_over_odata_is_the_setup_read_from_the_company_itself(world: World, odata: Serve) -> None:
    embedded = world.script("migrate_addin", "config").stdout
    odata("nav2018-graphsync")
    over_odata = world.script("migrate_addin", "config").stdout
    assert over_odata == embedded
    assert "CONT_PERS" in over_odata and "Territory Code" in over_odata


def test_links_over_odata_then_an_ordinary_run_creates_nothing_in_outlook_or_nav(world: World, odata: Serve) -> None:
    odata("nav2018-graphsync")
    use_addin_config(world)
    assert 'kind = "odata"' in world.config.read_text()  # the generated config keeps the OData connection
    links_then_a_sync_create_nothing(world)


def test_a_page_not_published_is_a_setup_error_naming_it_and_what_to_publish(world: World, odata: Serve) -> None:
    odata("nav2018-graphsync")
    use_addin_config(world)
    odata(PROFILES["nav2018-graphsync"].without(NavTable.OUTLOOK_SYNCH_LINK))
    result = world.script("migrate_addin", "links", expect=2)
    assert result.stdout == ""
    message = result.stderr
    assert "table 5302 Outlook Synch. Link published as web service 'GraphsyncOSynchLinks'" in message
    assert "GetEntryID" in message and "docs/migrate.md" in message and str(world.config) in message
    assert not [c for c in world.contacts() if nav_key_of(c)]  # nothing was done


def test_nav_2018_with_only_its_shipped_pages_lacks_the_administrators_own(world: World, odata: Serve) -> None:
    odata("nav2018-standard")
    out = world.script_json("migrate_addin", "config", expect=2)
    assert out["exit_code"] == 2
    assert "table 5300 Outlook Synch. Entity published as web service 'GraphsyncOSynchEntities'" in out["message"]
    assert "a read-only list page of your own on table 5300" in out["message"]
    assert "Record GUID" in out["message"]
    assert not list(world.root.glob("graphsync.addin*"))


def test_a_page_lacking_a_field_the_migration_needs_is_refused_naming_the_field(world: World, odata: Serve) -> None:
    odata(PROFILES["nav2018-graphsync"].hiding(NavTable.OUTLOOK_SYNCH_ENTITY, "Record GUID"))
    out = world.script_json("migrate_addin", "config", expect=2)
    assert "'GraphsyncOSynchEntities' to show 'Record GUID'" in out["message"]
    assert "docs/migrate.md" in out["message"]


@pytest.mark.parametrize("profile", ["bc-graphsync", "bc-standard"])
def test_business_central_says_the_addins_tables_do_not_exist_there(world: World, odata: Serve, profile: str) -> None:
    odata(profile)
    out = world.script_json("migrate_addin", "config", expect=2)
    assert "Business Central 22.0 removed the add-in's tables" in out["message"]
    assert "migrate from the NAV database before it is upgraded" in out["message"]
