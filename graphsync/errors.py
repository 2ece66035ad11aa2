"""Every error graphsync raises on purpose, in one tree.

    GraphsyncError                      root: catch this to catch everything graphsync means to raise
    ├── ConfigError                     a config file or CLI option is wrong (exit 2)
    │   ├── SalespersonMatchError       a mailbox matches no NAV salesperson (or several)
    │   └── ReviewFileError             a migration's reviewed CSV was edited wrongly (graphsync.migrate)
    ├── AlreadyExistsError              a file a command creates is there already, and is not replaced (exit 2)
    ├── LockHeldError                   another run holds the mailbox lock (exit 4)
    │   └── SandboxInUseError           the sandbox's data file is open in another process (graphsync.runtime.sandbox)
    ├── StateError                      the local state store is unusable (wrong schema, corrupt)
    ├── MassDeleteError                 a run would delete too many linked items (graphsync.engine.guard)
    ├── RoundNotFinishedError           a delta link was asked for before the round's last page (graph.delta)
    ├── DemoCheckError                  a demo step did not lead to its outcome (graphsync.demo.steps)
    ├── DemoFolderInUseError            demo --dir names a folder holding a demo already (graphsync.demo.world)
    ├── NavError                        anything NAV refused or could not do (exit 1)
    │   ├── NavValidationError          a value NAV rejects (too long, bad option, bad type)
    │   │   ├── ConversionError         a value that cannot be converted between NAV and Graph (mapping)
    │   │   └── NavDialogError          NAV's validation asked a question (Confirm) in a web-service session
    │   ├── NavNotFoundError            no record with that key
    │   ├── NavConcurrencyError         the ETag given with a write is stale (409/412 in OData)
    │   ├── NavRefusedError             a NAV rule forbids the operation (contact with open to-dos)
    │   ├── NavConnectionError          NAV could not be reached or answered garbage
    │   └── NavAuthError                NAV rejected the credentials (exit 3)
    └── GraphError                      anything Microsoft Graph (or the sandbox) answered with an error
        ├── ThrottledError              429 (or 503/504) after the retry policy gave up
        ├── NotFoundError               404
        │   └── MailboxNotFoundError    the tenant has no user by the mailbox's name (graphsync.graph.identity)
        ├── ContainerChangedError       graphsync's contact folder, list or calendar was renamed or deleted
        ├── MailboxTimeZoneError        the mailbox's time zone could not be read or is not a zone graphsync knows
        ├── PreconditionFailedError     412, If-Match did not match
        ├── ResyncNeededError           410 / syncStateNotFound / resyncRequired: the delta link is dead
        ├── GraphAuthError              401, or a token could not be obtained (exit 3)
        │   └── KeyringUnavailableError no usable OS keyring to keep the token cache in
        └── PermissionDeniedError       403 (exit 3)

Exceptions carry their facts as attributes; the words a person reads are written in one place,
`graphsync.cli.messages`, so that the library never formats user-facing text it cannot see used.
"""

from __future__ import annotations


class GraphsyncError(Exception):
    """Root of every error graphsync raises on purpose."""


class ConfigError(GraphsyncError):
    """A configuration value is missing, unknown or of the wrong kind.

    ``file`` is the config file (None for CLI options), ``key`` the dotted key path
    (``entities.CONT_COMP.fields[2].nav``), ``expected`` what would have been accepted.
    """

    def __init__(self, *, file: str | None, key: str, expected: str, got: object = None) -> None:
        self.file = file
        self.key = key
        self.expected = expected
        self.got = got
        super().__init__(f"{file or '<options>'}: {key}: expected {expected}, got {got!r}")


class SalespersonMatchError(ConfigError):
    """A mailbox could not be matched to exactly one NAV salesperson.

    ``mailbox`` is the mailbox's user principal name, ``addresses`` the mailbox addresses compared,
    ``tried`` the (code, address) pairs of the salespeople's E-Mail / E-Mail 2 values compared against,
    ``matched`` the codes that matched (empty: none; several: ambiguous).
    """

    def __init__(
        self,
        *,
        file: str | None,
        mailbox: str,
        addresses: tuple[str, ...],
        tried: tuple[tuple[str, str], ...],
        matched: tuple[str, ...] = (),
    ) -> None:
        self.mailbox = mailbox
        self.addresses = addresses
        self.tried = tried
        self.matched = matched
        super().__init__(
            file=file,
            key=f"mailboxes.{mailbox!r}",
            expected="exactly one NAV salesperson with this mailbox's e-mail address, or an explicit mapping",
            got=list(matched),
        )


class ReviewFileError(ConfigError):
    """A CSV a person reviewed for a migration cannot be used as it is.

    ``row`` is the line number in the file (the header is line 1; 0: the file as a whole), ``column`` the
    column that is wrong, ``expected`` what would have been accepted.
    """

    def __init__(self, *, file: str, row: int, column: str, expected: str, got: object = None) -> None:
        self.row = row
        self.column = column
        super().__init__(file=file, key=f"line {row}, column {column}" if row else column, expected=expected, got=got)


class AlreadyExistsError(GraphsyncError):
    """A command that creates a file (``graphsync nav init``) found one at the path, and never replaces it.

    ``what`` names the thing (``NAV company``), ``path`` where it is, ``alternative`` another way a person may
    want (``give another PATH``; empty for none)."""

    def __init__(self, *, what: str, path: str, alternative: str = "") -> None:
        self.what = what
        self.path = path
        self.alternative = alternative
        super().__init__(f"{what} already at {path}")


class LockHeldError(GraphsyncError):
    """Another run holds the lock for this mailbox."""

    def __init__(self, *, mailbox: str, holder: str) -> None:
        self.mailbox = mailbox
        self.holder = holder
        super().__init__(f"mailbox {mailbox} is locked by {holder}")


class StateError(GraphsyncError):
    """The local state store cannot be used as it is."""

    def __init__(self, *, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


# --------------------------------------------------------------------------- NAV


class NavError(GraphsyncError):
    """NAV refused an operation or could not perform it.

    ``message`` is NAV's own wording where NAV gave one: it is shown to the user verbatim.
    """

    def __init__(self, message: str, *, table: int | None = None, key: tuple[str, ...] | None = None) -> None:
        self.message = message
        self.table = table
        self.key = key
        super().__init__(message)


class NavValidationError(NavError):
    """A field value NAV does not accept."""

    def __init__(
        self, message: str, *, table: int | None = None, key: tuple[str, ...] | None = None, field: str | None = None
    ) -> None:
        self.field = field
        super().__init__(message, table=table, key=key)


class NavDialogError(NavValidationError):
    """A write whose validation reached a Confirm or another dialog, which NAV refuses in a web-service
    session (OData error code Application_CallbackNotAllowed): the values may be right, but they cannot be
    written this way."""


class NavNotFoundError(NavError):
    """No record with that key."""


class NavConcurrencyError(NavError):
    """The record changed since it was read: the ETag given does not match."""


class NavRefusedError(NavError):
    """A NAV business rule forbids the operation."""


class NavConnectionError(NavError):
    """NAV could not be reached, or answered something that is not OData."""


class NavAuthError(NavError):
    """NAV rejected the credentials."""


# --------------------------------------------------------------------------- Graph


class GraphError(GraphsyncError):
    """Microsoft Graph answered with an error.

    ``status`` is the HTTP status (0 when no response arrived), ``code`` Graph's error code,
    ``message`` Graph's message, ``request_id`` the request-id Microsoft support asks for.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int = 0,
        code: str = "",
        request_id: str | None = None,
        method: str | None = None,
        url: str | None = None,
    ) -> None:
        self.message = message
        self.status = status
        self.code = code
        self.request_id = request_id
        self.method = method
        self.url = url
        super().__init__(f"{status} {code}: {message}" if status else message)


class ThrottledError(GraphError):
    """Graph kept answering 429/503/504 until the retry policy gave up."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: object) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kw)  # type: ignore[arg-type]


class NotFoundError(GraphError):
    """The item (or folder, list, user) does not exist."""


class MailboxNotFoundError(NotFoundError):
    """The tenant has no user ``mailbox`` (Graph answered 404 for ``/users/{mailbox}``): a typing error in
    ``--user`` or ``[mailboxes]``, a salesperson's E-Mail that is no user's address, or a user since removed."""

    def __init__(self, message: str, *, mailbox: str, **kw: object) -> None:
        self.mailbox = mailbox
        super().__init__(message, **kw)  # type: ignore[arg-type]


class PreconditionFailedError(GraphError):
    """If-Match did not match: the item changed since it was read."""


class ResyncNeededError(GraphError):
    """The delta link can no longer be used; a full round is needed."""


class GraphAuthError(GraphError):
    """No valid token: sign-in needed, or the credentials were rejected.

    ``app_only`` is True when Graph rejected an app's token (a run for ``--user UPN``): the fix is then the
    app registration or its permissions, not a sign-in.
    """

    app_only: bool = False


class MailboxTimeZoneError(GraphError):
    """The mailbox's time zone (mailboxSettings.timeZone), which To Do's dates are days in, could not be read
    (``found`` None: the app may not read mailbox settings) or names no zone graphsync knows (``found`` is it)."""

    def __init__(self, message: str, *, found: str | None, **kw: object) -> None:
        self.found = found
        super().__init__(message, **kw)  # type: ignore[arg-type]


class PermissionDeniedError(GraphError):
    """The token is valid but lacks the permission or the mailbox is not accessible."""


class KeyringUnavailableError(GraphAuthError):
    """The token cache must go to the OS keyring, and there is no usable one (a headless server, a locked
    or missing Secret Service). ``backend`` names the keyring backend found, ``reason`` what failed."""

    def __init__(self, *, backend: str, reason: str) -> None:
        self.backend = backend
        self.reason = reason
        super().__init__(f"no usable keyring ({backend}): {reason}", code="keyring_unavailable")


class ContainerChangedError(GraphError):
    """The contact folder, To Do list or calendar graphsync keeps its items in is no longer what it was.

    ``container`` says which (``contact folder``, ``To Do list``, ``calendar``), ``container_id`` the id
    graphsync remembered, ``expected`` the configured name, ``found`` the name it has now (None: deleted).
    graphsync does not silently make a new one: the items in it would be synced again as new. ``mailbox`` is
    the mailbox's address when the caller knows it (the runtime sets it), for the command that starts over.
    """

    mailbox: str | None = None

    def __init__(self, *, container: str, container_id: str, expected: str, found: str | None, status: int = 0) -> None:
        self.container = container
        self.container_id = container_id
        self.expected = expected
        self.found = found
        what = "was deleted" if found is None else f"was renamed to {found!r}"
        super().__init__(f"the {container} {expected!r} {what}", status=status, code="containerChanged")
