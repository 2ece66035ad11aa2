"""The sync engine: decides per NAV record and Outlook item what must happen, does it, and remembers it.

It talks only to the connector protocols (`graphsync.connectors`), never to `graphsync.graph` or
`graphsync.nav`. Entry points: `graphsync.engine.sync.run_sync`, `graphsync.engine.state.StateStore`,
`graphsync.engine.conflicts`, `graphsync.engine.status`.
"""
