"""``graphsync state forget --user UPN``, ``graphsync state restore KEY...`` and ``graphsync state unlinked``:
act on the sync state on purpose.

The work is `graphsync.runtime.stores.forget_mailbox`, `restore_items` and `unlinked_records`; the first two
take the mailbox's lock, so they never cut into a run.
"""

from __future__ import annotations

import click

from graphsync.cli import output
from graphsync.cli.context import cli_config


@click.group()
def state() -> None:
    """Act on the sync state on purpose: start a mailbox over, bring back an item NAV kept, list what is unlinked."""


@state.command("forget")
@click.option("--user", metavar="UPN", required=True, help="The mailbox whose sync state to forget.")
@click.pass_context
def forget_command(ctx: click.Context, user: str) -> None:
    """Forget a mailbox's sync state, so that its next sync starts as a first one.

    For when graphsync's Outlook folder or list was deleted or renamed and you want to start over in a new
    one. Links, delta links, remembered folders, conflicts and pending retries of the mailbox are removed; its
    run history stays, and so do its unlinked records (graphsync state unlinked). Nothing changes in NAV or
    Outlook: the next sync finds (or makes) the folder and list by name and pairs the items it finds there
    with NAV by the key stamped on them, so none is duplicated.
    """
    from graphsync.runtime.stores import forget_mailbox

    config = cli_config(ctx)
    removed = forget_mailbox(config, user)
    mailbox = user.strip().lower()
    click.echo(
        f"Forgot the sync state of {mailbox}: {removed.get('links', 0)} link(s), "
        f"{removed.get('conflicts', 0)} open conflict(s), {removed.get('retries', 0)} pending retr"
        f"{'y' if removed.get('retries', 0) == 1 else 'ies'}. Its next sync starts over."
    )


@state.command("restore")
@click.argument("keys", nargs=-1, required=True, metavar="KEY...")
@click.option("--user", metavar="UPN", help="The mailbox (needed when several sync the same NAV key).")
@click.pass_context
def restore_command(ctx: click.Context, keys: tuple[str, ...], user: str | None) -> None:
    """Create the Outlook item of NAV record KEY again at the next sync (5050:CT100006).

    For an item deleted in Outlook that NAV keeps. NAV refuses to delete a contact with open to-dos, and the
    sync reports that item error every run: either settle what NAV names (complete or delete the to-dos; the
    next sync then deletes the contact), or bring the item back to Outlook with this command. Under delete
    policy "unlink" (salespeople's, by default) the record is unlinked instead and no sync brings it back,
    not even sync --full, until this command asks for it (graphsync state unlinked lists them).
    """
    from graphsync.runtime.stores import restore_items

    config = cli_config(ctx)
    for r in restore_items(config, list(keys), user=user):
        click.echo(f"{r.entity.value} {r.nav_key}: the next sync creates it again in {r.mailbox}'s Outlook.")


@state.command("unlinked")
@click.option("--user", metavar="UPN", help="Only this mailbox (default: every mailbox synced with this config).")
@click.option("--json", "as_json", is_flag=True, help="Print them as JSON.")
@click.pass_context
def unlinked_command(ctx: click.Context, user: str | None, as_json: bool) -> None:
    """List the NAV records unlinked from Outlook, which no sync creates there again.

    A record is unlinked when its Outlook item was deleted and the entity's delete policy is "unlink" (or the
    entity syncs NAV -> Outlook only): graphsync state restore KEY brings it back, and so does taking the item
    out of Outlook's Deleted Items. A record that left its entity's condition is listed too: its Outlook item
    was left in place, and is paired with it again if the record meets the condition again.
    """
    from graphsync.runtime.stores import unlinked_records

    found = unlinked_records(cli_config(ctx), user=user)
    if as_json:
        output.print_json(
            [
                {
                    "mailbox": r.mailbox,
                    "nav_key": r.nav_key,
                    "entity": r.entity.value,
                    "reason": "outlook_deleted" if r.outlook_deleted else "left_condition",
                    "unlinked_at": r.unlinked_at,
                }
                for r in found
            ]
        )
        return
    if not found:
        click.echo("No unlinked records.")
        return
    output.show(
        output.table(
            "Unlinked records",
            ("key", "entity", "mailbox", "why", "since"),
            [
                (
                    r.nav_key,
                    r.entity.value,
                    r.mailbox,
                    "deleted in Outlook (graphsync state restore KEY)"
                    if r.outlook_deleted
                    else "left the entity's condition (paired again when back)",
                    output.ago(r.unlinked_at),
                )
                for r in found
            ],
        )
    )
