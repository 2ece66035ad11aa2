"""Tenant-wide runs past one machine: Celery workers sharing a PostgreSQL state store.

    graphsync worker                       a Celery worker running mailbox syncs (graphsync.distributed.worker)
    graphsync enqueue --all-mailboxes      one task per mailbox                  (graphsync.distributed.app)
    graphsync beat --every 15m             Celery beat: a tenant-wide run per interval

A task carries a mailbox and what the run was asked to do (`SyncRequest`), never a secret: each worker
signs in with the credentials of its own environment or keyring, reads NAV with its own config, and keeps
state in the store the config names (PostgreSQL in a cluster). A task is acknowledged only when its run
is recorded (``acks_late``; ``reject_on_worker_lost``), so a worker that dies mid-run leaves its mailbox to
another worker, which takes the mailbox's lock once the dead worker's is gone and resumes where the state
store says. Two tasks for one mailbox at once (beat ticks that overlap, a task given again after a visibility
timeout) meet at that lock: one runs, the other is skipped and says so.

Celery, kombu, redis and psycopg are imported only here and only when a command needs them: a config without
``[distributed]`` never needs a broker or a database server.
"""
