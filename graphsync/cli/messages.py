"""Every user-facing error message and exit code, in one place.

The library raises exceptions that carry facts (`graphsync.errors`); this module turns them into the
sentence a person reads and the exit code a script tests:

    0 success
    1 finished, but with conflicts or item errors; or NAV refused an operation
    2 usage or configuration error
    3 authentication or permission error
    4 another run holds the lock

A run of many mailboxes exits with the most serious of theirs (`worst_exit_code`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from graphsync import errors

if TYPE_CHECKING:
    from graphsync.nav.odata.connector import DeletionDetection
from graphsync.engine.guard import MassDeleteError

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


SEVERITY = (EXIT_OK, EXIT_LOCKED, EXIT_ITEMS, EXIT_AUTH, EXIT_USAGE)
"""Exit codes from the least to the most serious, for a run of many mailboxes: a mailbox skipped because
another run holds it (4) changed nothing and the other run covers it; conflicts, item errors and failed
runs (1) need a look; a mailbox the app may not open (3) needs the app's access fixed; a configuration
error (2) needs the config fixed."""


def worst_exit_code(codes: Iterable[int]) -> int:
    """The most serious of ``codes`` by `SEVERITY` (0 for none)."""
    return max(codes, key=lambda code: SEVERITY.index(code) if code in SEVERITY else len(SEVERITY), default=EXIT_OK)


def unexpected(exc: BaseException) -> str:
    """A mailbox's run that failed with an exception graphsync does not expect (a bug)."""
    return (
        f"unexpected {type(exc).__name__}: {exc} (a bug in graphsync, not in your setup: the log has the traceback; "
        "please report it)"
    )


def render(exc: errors.GraphsyncError) -> str:
    """The message for an error, naming the problem and, where there is one, the fix."""
    from graphsync.demo.steps import DemoCheckError

    if isinstance(exc, DemoCheckError):
        return (
            f"the demo's {exc.step!r} step did not hold: expected {exc.expected}, got {exc.got!r}. "
            "This is a bug in graphsync, not in your setup: please report it with this output."
        )
    if isinstance(exc, errors.SalespersonMatchError):
        return _salesperson_match(exc)
    if isinstance(exc, errors.KeyringUnavailableError):
        return (
            f"no usable OS keyring to keep the sign-in in ({exc.backend}: {exc.reason}). Remedies: install and "
            "unlock a Secret Service (gnome-keyring or KWallet; on a server: dbus-run-session plus "
            "gnome-keyring-daemon --unlock); or pip install keyrings.alt and set "
            "PYTHON_KEYRING_BACKEND=keyrings.alt.file.EncryptedKeyring; or choose a backend with "
            "PYTHON_KEYRING_BACKEND; or, knowing the risk, graphsync login --insecure-plaintext-token-cache"
        )
    if isinstance(exc, errors.ConfigError):
        where = f"{exc.file}: " if exc.file else ""
        got = "" if exc.got is None else f", got {exc.got!r}"
        return f"config error: {where}{exc.key}: expected {exc.expected}{got}"
    if isinstance(exc, errors.LockHeldError):
        return (
            f"another graphsync run is syncing mailbox {exc.mailbox} ({exc.holder}); "
            "wait for it to finish, or remove the lock only if that process is gone"
        )
    if isinstance(exc, MassDeleteError):
        return (
            f"{exc.entity.value}: this run would delete {exc.deletes} of {exc.linked} linked items (more than "
            f"{exc.share:.0%} and more than {exc.minimum}), so nothing was changed; check the entity's condition and "
            "what was deleted, and if the deletions are intended run again with --allow-mass-delete"
        )
    if isinstance(exc, errors.StateError):
        return f"state store {exc.path}: {exc.reason}"
    if isinstance(exc, errors.NavAuthError):
        return f"NAV rejected the credentials: {exc.message}"
    if isinstance(exc, errors.NavConnectionError):
        return f"NAV could not be reached: {exc.message}"
    if isinstance(exc, errors.NavValidationError) and exc.field and exc.field not in exc.message:
        # NAV's length message does not say which field; on a command line nothing else would.
        return f"{exc.message} (field: {exc.field})"
    if isinstance(exc, errors.NavError):
        # NAV's own wording, verbatim, as a NAV user would have seen it.
        return exc.message
    if isinstance(exc, errors.GraphError) and exc.status == 0 and exc.code == "noResponse":
        # Only the sandbox is served over plain http, so an http:// address that does not answer is a sandbox
        # that is not running.
        local = bool(exc.url and exc.url.startswith("http://"))
        fix = "is the sandbox running? start it: graphsync sandbox serve" if local else "check the network and proxy"
        return f"{exc.message} ({exc.method or 'request'} {exc.url}; {fix})"
    if isinstance(exc, errors.ContainerChangedError):
        what = "was deleted" if exc.found is None else f"was renamed to {exc.found!r}"
        return (
            f"the Outlook {exc.container} {exc.expected!r} that graphsync syncs into {what}; graphsync will not "
            f"make a new one on its own, because every item would then sync again as new. Restore it under its "
            f"name {exc.expected!r}, or, to start over in a new one, forget that mailbox's sync state on purpose"
        )
    if isinstance(exc, errors.GraphAuthError) and exc.code == "token_cache_damaged":
        return f"the stored sign-in cannot be read: {exc.message} (run: graphsync logout, then graphsync login)"
    if isinstance(exc, errors.GraphAuthError) and exc.code == "app_credentials_rejected":
        return (
            f"Microsoft Entra ID rejected the app-only credentials: {exc.message} (check graph.tenant_id, "
            "graph.client_id and the client secret or certificate the config's references point to)"
        )
    if isinstance(exc, errors.GraphAuthError) and exc.app_only:
        return (
            f"Microsoft Graph rejected the app-only token: {exc.message} (check that graph.tenant_id is the "
            "mailbox's tenant and that graph.client_id's app has Graph's application permissions with admin "
            "consent: graphsync doctor --user UPN checks them; app-only runs do not use graphsync login)"
        )
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


def _salesperson_match(exc: errors.SalespersonMatchError) -> str:
    where = f"{exc.file}: " if exc.file else ""
    mailbox = f"mailbox {exc.mailbox} ({', '.join(exc.addresses)})"
    if exc.matched:
        return (
            f"{mailbox} matches several NAV salespeople by e-mail: {', '.join(exc.matched)}; "
            f'choose one in {where}[mailboxes]: "{exc.mailbox}" = "CODE"'
        )
    tried = "; ".join(f"{code} {address}" for code, address in exc.tried) or "no salesperson has an e-mail address"
    return (
        f"{mailbox} matches no NAV salesperson's E-Mail or E-Mail 2 (tried: {tried}); set the salesperson's "
        f'E-Mail in NAV to the mailbox address, or map it in {where}[mailboxes]: "{exc.mailbox}" = "CODE"'
    )


def odata_deletions(detection: DeletionDetection, *, change_log_service: str) -> str:
    """How the OData connector finds records deleted in NAV, and why (for ``graphsync doctor``)."""
    return {
        "change log": (
            f"from the Change Log Entries page {change_log_service!r} (Type of Change = Deletion after the last "
            "entry seen); make sure Change Log Setup logs deletions of this table"
        ),
        "key list": (
            f"by comparing NAV's keys with graphsync's links on every run, because no page is published as "
            f"{change_log_service!r}; publish Change Log Entries (page 595) under that name to read deletions instead"
        ),
        "hash comparison": (
            "by comparing every record with the previous run (NAV keeps no modified stamp for this table), "
            "which finds changes and deletions alike"
        ),
    }[detection.value]


def items_omitted(count: int) -> str:
    """Below a dry run's list of planned changes when the report lists only the first ones."""
    return (
        f"... and {count:,} more items not listed (the counts above include them); "
        "use --json for the listed items as data, or narrow the run with --entity"
    )
