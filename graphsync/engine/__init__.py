"""The sync engine: decides per NAV record and Outlook item what must happen, does it, and remembers it.

A run is a pipeline over one mailbox (`graphsync.engine.sync`), every stage given one frozen `RunContext`:

    read     (read.py)     yields a Candidate per item: both sides as they are now
    decide   (decide.py)   pure: a Candidate -> a Decision (normalised values planned by plan.plan_item)
    act      (act.py)      a chunk of Decisions -> Outcomes: the writes done, each failure with its Side
    record   (record.py)   a chunk's Outcomes into the state store, in one transaction
    report   (tally.py)    a fold over the Outcomes: the RunReport

It talks only to the connector protocols (`graphsync.connectors`), never to `graphsync.graph` or
`graphsync.nav`. Entry points: `graphsync.engine.context.open_run` and `graphsync.engine.sync.run` (what the
runtime calls), `graphsync.engine.sync.run_sync` (the same over parts a caller holds),
`graphsync.engine.state.StateStore`, `graphsync.engine.conflicts`, `graphsync.engine.status`.
"""
