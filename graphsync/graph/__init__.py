"""graphsync's layer over Microsoft Graph: `GraphMailbox` implements `graphsync.connectors.outlook.OutlookMailbox`.

See docs/graph-client.md for the design: the SDK pipeline without its typed models or retries, $batch
writes, idempotent creates, delta rounds and throttling.
"""

from graphsync.graph.mailbox import GraphMailbox
from graphsync.graph.options import BatchConcurrency, GraphMailboxOptions, RequestBudget, RetryPolicy
from graphsync.graph.session import RequestStats
from graphsync.graph.stamping import PROPERTY_SET

__all__ = [
    "PROPERTY_SET",
    "BatchConcurrency",
    "GraphMailbox",
    "GraphMailboxOptions",
    "RequestBudget",
    "RequestStats",
    "RetryPolicy",
]
