"""The one-shot migrations a NAV partner runs once per customer (scripts/README.md says when and how).

    graphsync.migrate.addin.setup      the add-in's setup (tables 5300-5310) as graphsync config: propose()
    graphsync.migrate.addin.links      the add-in's links (table 5302) as graphsync links: migrate_links()
    graphsync.migrate.adopt            items already in Outlook matched to NAV records: propose_adoptions(),
                                       the review CSV (adopt.review), adopt_reviewed()
    graphsync.migrate.rollback         graphsync removed from a mailbox: rollback(), RollbackMode
    graphsync.migrate.report           the tenant report's line and CSV: MailboxLine, render_csv()
    graphsync.migrate.linking          linking an existing item to its record (decide, apply_adoptions)
    graphsync.migrate.state            everything asked of the state store, in one module
    graphsync.migrate.outcome          rows and reports (Row, Result, MigrationReport)

Each migration plans from what Graph, NAV and the state store hold now (pure deciding: `linking.decide`,
`rollback.plan_rollback`, `adopt.match.match`, `addin.setup.propose`) and does it only when asked (``apply``),
a chunk at a time, each chunk recorded in one state store transaction. What was done is visible in Outlook (a
stamp, a copy) and in the state store (a link, its origin), so a run killed anywhere and started again plans
only what is left, and a run after a completed one finds nothing to do. `graphsync.runtime.migration` wires
them to a config (NAV, the state store, Graph) for the scripts.
"""
