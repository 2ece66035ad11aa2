"""Every user-facing error message and exit code, in one place.

The library raises exceptions that carry facts (`graphsync.errors`); this module turns them into the
sentence a person reads and the exit code a script tests:

    0 success
    1 finished, but with conflicts or item errors; or NAV refused an operation
    2 usage or configuration error
    3 authentication or permission error
    4 another run holds the lock
"""

from __future__ import annotations

from graphsync import errors

EXIT_OK = 0
EXIT_ITEMS = 1
EXIT_USAGE = 2
EXIT_AUTH = 3
EXIT_LOCKED = 4


def exit_code(exc: errors.GraphsyncError) -> int:
    if isinstance(exc, errors.ConfigError):
        return EXIT_USAGE
    if isinstance(exc, errors.LockHeldError):
        return EXIT_LOCKED
    if isinstance(exc, errors.GraphAuthError | errors.PermissionDeniedError | errors.NavAuthError):
        return EXIT_AUTH
    return EXIT_ITEMS


def render(exc: errors.GraphsyncError) -> str:
    """The message for an error, naming the problem and, where there is one, the fix."""
    if isinstance(exc, errors.ConfigError):
        where = f"{exc.file}: " if exc.file else ""
        got = "" if exc.got is None else f", got {exc.got!r}"
        return f"config error: {where}{exc.key}: expected {exc.expected}{got}"
    if isinstance(exc, errors.LockHeldError):
        return (
            f"another graphsync run is syncing mailbox {exc.mailbox} ({exc.holder}); "
            "wait for it to finish, or remove the lock only if that process is gone"
        )
    if isinstance(exc, errors.StateError):
        return f"state store {exc.path}: {exc.reason}"
    if isinstance(exc, errors.NavAuthError):
        return f"NAV rejected the credentials: {exc.message}"
    if isinstance(exc, errors.NavConnectionError):
        return f"NAV could not be reached: {exc.message}"
    if isinstance(exc, errors.NavError):
        # NAV's own wording, verbatim, as a NAV user would have seen it.
        return exc.message
    if isinstance(exc, errors.GraphAuthError):
        return (
            f"not signed in to Microsoft Graph, or the credentials were rejected: {exc.message} (run: graphsync login)"
        )
    if isinstance(exc, errors.PermissionDeniedError):
        return f"Microsoft Graph denied access: {exc.message} (check the app's permissions and admin consent)"
    if isinstance(exc, errors.ThrottledError):
        return f"Microsoft Graph kept throttling the requests; try again later ({exc.message})"
    if isinstance(exc, errors.GraphError):
        rid = f" [request-id {exc.request_id}]" if exc.request_id else ""
        return f"Microsoft Graph error {exc.status} {exc.code}: {exc.message}{rid}"
    return str(exc)
