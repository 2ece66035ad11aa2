"""The planner, branch by branch (pure: states in, plans out)."""

from __future__ import annotations

import pytest

from graphsync.config.entities import ConflictPolicy, DeletePolicy, Direction
from graphsync.engine.plan import FieldChange, FieldConflict, FieldRule, ItemState, Op, Rules, Side, plan_item

RULES = Rules(fields=(FieldRule("name"), FieldRule("phone"), FieldRule("company", to_nav=False)))
BASE = {"name": "Gibson", "phone": "1", "company": "Gibson"}


def rules(**kw: object) -> Rules:
    return Rules(fields=RULES.fields, **kw)  # type: ignore[arg-type]


def linked(nav: dict[str, str] | None, outlook: dict[str, str] | None, **kw: object) -> ItemState:
    return ItemState(linked=True, base=BASE, nav=nav, outlook=outlook, **kw)  # type: ignore[arg-type]


def test_unchanged_is_nothing() -> None:
    plan = plan_item(RULES, linked(BASE, BASE))
    assert plan.is_noop and plan.base == BASE and plan.link


def test_nav_change_goes_to_outlook() -> None:
    plan = plan_item(RULES, linked({**BASE, "phone": "2"}, BASE))
    assert plan.outlook.op is Op.UPDATE and plan.outlook.changes == (FieldChange("phone", "1", "2"),)
    assert plan.nav.op is Op.NONE and plan.base == {**BASE, "phone": "2"}


def test_outlook_change_goes_to_nav() -> None:
    plan = plan_item(RULES, linked(BASE, {**BASE, "name": "G2"}))
    assert plan.nav.changes == (FieldChange("name", "Gibson", "G2"),) and plan.outlook.op is Op.NONE


def test_same_change_on_both_sides_is_nothing_but_moves_the_base() -> None:
    plan = plan_item(RULES, linked({**BASE, "phone": "9"}, {**BASE, "phone": "9"}))
    assert plan.is_noop and plan.base == {**BASE, "phone": "9"}


def test_different_fields_changed_on_each_side_merge() -> None:
    plan = plan_item(RULES, linked({**BASE, "phone": "2"}, {**BASE, "name": "G2"}))
    assert plan.outlook.values == {"phone": "2"} and plan.nav.values == {"name": "G2"}
    assert plan.base == {**BASE, "phone": "2", "name": "G2"}


def test_manual_conflict_only_on_that_field_others_still_merge() -> None:
    plan = plan_item(RULES, linked({**BASE, "phone": "2", "name": "G2"}, {**BASE, "phone": "3"}))
    assert plan.conflicts == (FieldConflict("phone", "1", "2", "3"),)
    assert plan.outlook.values == {"name": "G2"}
    assert plan.base is not None and plan.base["phone"] == "1"  # waits for a person


@pytest.mark.parametrize(
    ("policy", "resolution", "nav_write", "outlook_write"),
    [
        (ConflictPolicy.NAV_WINS, None, {}, {"phone": "2"}),
        (ConflictPolicy.OUTLOOK_WINS, None, {"phone": "3"}, {}),
        (ConflictPolicy.MANUAL, Side.NAV, {}, {"phone": "2"}),
        (ConflictPolicy.MANUAL, Side.OUTLOOK, {"phone": "3"}, {}),
    ],
)
def test_conflict_policies_and_resolutions(
    policy: ConflictPolicy, resolution: Side | None, nav_write: dict[str, str], outlook_write: dict[str, str]
) -> None:
    plan = plan_item(
        rules(conflict_policy=policy), linked({**BASE, "phone": "2"}, {**BASE, "phone": "3"}, resolution=resolution)
    )
    assert not plan.conflicts
    assert plan.nav.values == nav_write and plan.outlook.values == outlook_write


def test_read_only_field_ignores_outlook_edits_and_nav_wins_when_both_change() -> None:
    only_outlook = plan_item(RULES, linked(BASE, {**BASE, "company": "Other"}))
    assert only_outlook.is_noop and only_outlook.base == BASE
    both = plan_item(RULES, linked({**BASE, "company": "New"}, {**BASE, "company": "Other"}))
    assert both.outlook.values == {"company": "New"} and not both.conflicts


def test_one_way_entities() -> None:
    to_outlook = rules(direction=Direction.NAV_TO_OUTLOOK)
    assert plan_item(to_outlook, linked(BASE, {**BASE, "name": "X"})).is_noop
    assert plan_item(to_outlook, linked({**BASE, "name": "N"}, {**BASE, "name": "X"})).outlook.values == {"name": "N"}
    to_nav = rules(direction=Direction.OUTLOOK_TO_NAV)
    assert plan_item(to_nav, linked({**BASE, "name": "N"}, BASE)).is_noop
    assert plan_item(to_nav, linked({**BASE, "name": "N"}, {**BASE, "name": "X"})).nav.values == {"name": "X"}


def test_unlinked_nav_record_is_created_in_outlook() -> None:
    plan = plan_item(RULES, ItemState(linked=False, nav=BASE))
    assert plan.outlook.op is Op.CREATE and plan.outlook.values == BASE and plan.base == BASE


def test_unlinked_outlook_item_is_created_in_nav_without_read_only_fields() -> None:
    plan = plan_item(RULES, ItemState(linked=False, outlook=BASE))
    assert plan.nav.op is Op.CREATE and plan.nav.values == {"name": "Gibson", "phone": "1"}


def test_creates_respect_direction_and_scope() -> None:
    assert plan_item(rules(direction=Direction.OUTLOOK_TO_NAV), ItemState(linked=False, nav=BASE)).is_noop
    assert plan_item(rules(direction=Direction.NAV_TO_OUTLOOK), ItemState(linked=False, outlook=BASE)).is_noop
    assert plan_item(RULES, ItemState(linked=False, nav=BASE, nav_in_scope=False)).is_noop
    assert plan_item(RULES, ItemState(linked=False)).base is None


def test_rebuilt_link_without_history_conflicts_on_differences_only() -> None:
    plan = plan_item(RULES, ItemState(linked=False, nav={**BASE, "phone": "2"}, outlook=BASE))
    assert plan.conflicts == (FieldConflict("phone", None, "2", "1"),)
    assert plan.base == {"name": "Gibson", "phone": None, "company": "Gibson"}


def test_field_added_to_the_map_takes_navs_value() -> None:
    state = ItemState(linked=True, base={"name": "Gibson", "phone": "1"}, nav=BASE, outlook={**BASE, "company": ""})
    plan = plan_item(RULES, state)
    assert plan.outlook.values == {"company": "Gibson"} and plan.base == BASE
    to_nav = plan_item(
        rules(direction=Direction.OUTLOOK_TO_NAV),
        ItemState(linked=True, base={"company": "x"}, nav={**BASE, "name": "A"}, outlook={**BASE, "name": "B"}),
    )
    assert to_nav.nav.values == {"name": "B"}


def test_user_field_removed_from_the_map_is_removed_from_outlook() -> None:
    state = ItemState(linked=True, base={**BASE, "user:Territory Code": "EANG"}, nav=BASE, outlook=BASE)
    plan = plan_item(RULES, state)
    assert plan.outlook.changes == (FieldChange("user:Territory Code", "EANG", ""),)
    assert plan.base == BASE


@pytest.mark.parametrize(
    ("policy", "nav_op", "outlook_op", "keeps_link"),
    [
        (DeletePolicy.DELETE, Op.DELETE, Op.NONE, False),
        (DeletePolicy.UNLINK, Op.NONE, Op.NONE, False),
        (DeletePolicy.NEVER, Op.NONE, Op.CREATE, True),
    ],
)
def test_outlook_deletion_by_policy(policy: DeletePolicy, nav_op: Op, outlook_op: Op, keeps_link: bool) -> None:
    plan = plan_item(rules(delete_policy=policy), linked(BASE, None))
    assert (plan.nav.op, plan.outlook.op, plan.link) == (nav_op, outlook_op, keeps_link)


@pytest.mark.parametrize(
    ("policy", "nav_op", "outlook_op", "keeps_link"),
    [
        (DeletePolicy.DELETE, Op.NONE, Op.DELETE, False),
        (DeletePolicy.UNLINK, Op.NONE, Op.NONE, False),
        (DeletePolicy.NEVER, Op.CREATE, Op.NONE, True),
    ],
)
def test_nav_deletion_by_policy(policy: DeletePolicy, nav_op: Op, outlook_op: Op, keeps_link: bool) -> None:
    plan = plan_item(rules(delete_policy=policy), linked(None, BASE))
    assert (plan.nav.op, plan.outlook.op, plan.link) == (nav_op, outlook_op, keeps_link)


def test_deletion_does_not_cross_a_one_way_entity() -> None:
    assert plan_item(rules(direction=Direction.NAV_TO_OUTLOOK), linked(BASE, None)).nav.op is Op.NONE
    assert plan_item(rules(direction=Direction.OUTLOOK_TO_NAV), linked(None, BASE)).outlook.op is Op.NONE


def test_record_out_of_scope_is_removed_from_outlook_but_never_recreated() -> None:
    out = plan_item(rules(delete_policy=DeletePolicy.NEVER), linked(BASE, BASE, nav_in_scope=False))
    assert out.is_noop and not out.link
    gone = plan_item(RULES, linked(BASE, BASE, nav_in_scope=False))
    assert gone.outlook.op is Op.DELETE and gone.nav.op is Op.NONE


def test_both_gone_drops_the_link() -> None:
    plan = plan_item(RULES, linked(None, None))
    assert plan.is_noop and not plan.link and plan.base is None


OWNED = Rules(fields=(FieldRule("subject"), FieldRule("recurrence", to_outlook=False)))


def test_an_outlook_owned_field_goes_to_nav_only_when_outlook_changes_it() -> None:
    """A series' recurrence: Outlook's to set; NAV's own value Outlook does not hold is no change."""
    base = {"subject": "s", "recurrence": ""}
    nav_own = plan_item(
        OWNED, ItemState(True, base, {"subject": "s", "recurrence": "1M"}, {"subject": "s", "recurrence": ""})
    )
    assert nav_own.is_noop and nav_own.base == {"subject": "s", "recurrence": ""}
    made_series = plan_item(
        OWNED, ItemState(True, base, {"subject": "s", "recurrence": "1M"}, {"subject": "s", "recurrence": "1W"})
    )
    assert made_series.nav.changes == (FieldChange("recurrence", "1M", "1W"),) and made_series.outlook.op is Op.NONE
    unknown = plan_item(
        OWNED,
        ItemState(True, {"subject": "s"}, {"subject": "s", "recurrence": "1M"}, {"subject": "s", "recurrence": ""}),
    )
    assert unknown.is_noop and unknown.base == {"subject": "s", "recurrence": ""}


def test_an_outlook_owned_field_is_not_created_in_outlook() -> None:
    created = plan_item(OWNED, ItemState(False, None, {"subject": "s", "recurrence": "1M"}, None))
    assert created.outlook.op is Op.CREATE and dict(created.outlook.values) == {"subject": "s"}
    assert created.base == {"subject": "s", "recurrence": ""}
    from_outlook = plan_item(OWNED, ItemState(False, None, None, {"subject": "s", "recurrence": "1W"}))
    assert from_outlook.nav.values == {"subject": "s", "recurrence": "1W"}
