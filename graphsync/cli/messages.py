"""Every user-facing error message and exit code, in one place.

The library raises exceptions that carry facts (`graphsync.errors`); this module turns them into the
sentence a person reads and the exit code a script tests:

    0 success
    1 finished, but with conflicts or item errors; or NAV refused an operation
    2 usage or configuration error
    3 authentication or permission error
    4 another run holds the lock
  130 interrupted (Ctrl-C); 143 stopped by SIGTERM

A run of many mailboxes exits with the most serious of theirs (`worst_exit_code`).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from graphsync import errors

if TYPE_CHECKING:
    from graphsync.runtime import ItemError
    from graphsync.runtime.summary import Fix
from graphsync.runtime import MassDeleteError
from graphsync.runtime.sandbox import SandboxInUseError
from graphsync.text import one_line

COMPLETE_CONTROL = "GraphsyncCompleted"
"""The to-do page's completion control (graphsync.nav.odata.catalogue.COMPLETE_CONTROL), named in advice."""

EXIT_OK = 0
EXIT_ITEMS = 1
EXIT_USAGE = 2
EXIT_AUTH = 3
EXIT_LOCKED = 4
EXIT_INTERRUPTED = 130
"""128 + SIGINT, the shell's code for a process Ctrl-C stopped (143 = 128 + SIGTERM)."""


def exit_code(exc: errors.GraphsyncError) -> int:
    from graphsync.demo.world import DemoFolderInUseError

    if isinstance(exc, errors.ConfigError | DemoFolderInUseError | errors.AlreadyExistsError):
        return EXIT_USAGE
    if isinstance(exc, errors.MailboxNotFoundError):
        return EXIT_USAGE  # a name given wrongly, as a bad --user is
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
    from graphsync.demo.world import DemoFolderInUseError

    if isinstance(exc, DemoCheckError):
        return (
            f"the demo's {exc.step!r} step did not hold: expected {exc.expected}, got {exc.got!r}. "
            "This is a bug in graphsync, not in your setup: please report it with this output."
        )
    if isinstance(exc, errors.SalespersonMatchError):
        return _salesperson_match(exc)
    if isinstance(exc, errors.ReviewFileError):
        where = f"line {exc.row}, column {exc.column!r}" if exc.row else exc.column
        got = "" if exc.got is None else f", got {exc.got!r}"
        return (
            f"the reviewed file {exc.file} cannot be used: {where}: expected {exc.expected}{got}; correct it (or "
            "write a new proposal and review that) and run again; nothing was changed"
        )
    if isinstance(exc, errors.KeyringUnavailableError):
        return (
            f"no usable OS keyring to keep the sign-in in ({exc.backend}: {exc.reason}). Remedies: install and "
            "unlock a Secret Service (gnome-keyring or KWallet; on a server: dbus-run-session plus "
            "gnome-keyring-daemon --unlock); or pip install keyrings.alt and set "
            "PYTHON_KEYRING_BACKEND=keyrings.alt.file.EncryptedKeyring; or choose a backend with "
            "PYTHON_KEYRING_BACKEND; or, knowing the risk, graphsync login --insecure-plaintext-token-cache"
        )
    if isinstance(exc, errors.ConfigError):
        where = f"{one_line(exc.file)}: " if exc.file else ""
        got = "" if exc.got is None else f", got {exc.got!r}"
        # A command-line option or argument (--user, KEY) is a usage problem, not a config file's.
        prefix = "" if exc.file is None and _command_line(exc.key) else "config error: "
        return f"{prefix}{where}{one_line(exc.key)}: expected {one_line(exc.expected)}{got}"
    if isinstance(exc, DemoFolderInUseError) and not exc.demo:
        return (
            f"{exc.folder} holds a graphsync config the demo did not write ({', '.join(exc.found)}); the demo "
            "never replaces one: give graphsync demo --dir a folder of its own"
        )
    if isinstance(exc, DemoFolderInUseError):
        folder = shlex.quote(str(exc.folder))
        return (
            f"{exc.folder} already holds a graphsync demo ({', '.join(exc.found)}). Go on with it there "
            f"(cd {folder}, then graphsync status or graphsync sync), or start it over, replacing them: "
            f"graphsync demo --dir {folder} --force"
        )
    if isinstance(exc, errors.AlreadyExistsError):
        return (
            f"there is already a {exc.what} at {exc.path}; graphsync never replaces one. Use it as it is, "
            f"or delete it first to start over{exc.alternative and f' (or {exc.alternative})'}"
        )
    if isinstance(exc, SandboxInUseError):
        if exc.url:
            return (
                f"the sandbox's data file {exc.data} is served at {exc.url} ({exc.holder}), but graph.base_url is "
                f"{exc.wanted}: point base_url at {exc.url}, or stop that server"
            )
        return (
            f"the sandbox's data file {exc.data} is open in another graphsync command ({exc.holder}); wait for it "
            "to finish, or serve the sandbox once for every command and tool: graphsync sandbox serve (in the "
            "config's folder)"
        )
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
    if isinstance(exc, errors.NavDialogError):
        return (
            f"{exc.message} (NAV's validation asked a question, which a web-service session cannot answer; for "
            f"completing a to-do, add the {COMPLETE_CONTROL} control to the to-do page as docs/odata.md describes)"
        )
    if isinstance(exc, errors.NavValidationError) and exc.field and exc.field not in exc.message:
        # NAV's length message does not say which field; on a command line nothing else would.
        return f"{exc.message} (field: {exc.field})"
    if isinstance(exc, errors.NavError):
        # NAV's own wording, verbatim, as a NAV user would have seen it.
        return exc.message
    if isinstance(exc, errors.GraphError) and exc.status == 0 and exc.code == "noResponse":
        # An http:// address that does not answer is a sandbox that is not running.
        local = _from_sandbox(exc)
        fix = (
            "is the sandbox running? start it: graphsync sandbox serve; or let every command open it by itself: "
            "graphsync init writes a config naming the sandbox's file (graph.sandbox_data)"
            if local
            else "check the network and proxy"
        )
        return f"{exc.message} ({exc.method or 'request'} {exc.url}; {fix})"
    if isinstance(exc, errors.MailboxTimeZoneError):
        what = (
            f"graphsync could not read the mailbox's time zone ({exc.message})"
            if exc.found is None
            else f"the mailbox's time zone {exc.found!r} (mailboxSettings.timeZone) is no zone graphsync knows"
        )
        return (
            f"{what}; To Do dates are days in the user's own zone. Set [sync] time_zone to the user's IANA zone "
            "(such as 'Europe/Berlin')" + (", or give the app MailboxSettings.Read" if exc.found is None else "")
        )
    if isinstance(exc, errors.ContainerChangedError):
        what = "was deleted" if exc.found is None else f"was renamed to {exc.found!r}"
        return (
            f"the Outlook {exc.container} {exc.expected!r} that graphsync syncs into {what}; graphsync will not "
            f"make a new one on its own, because every item would then sync again as new. Restore it under its "
            f"name {exc.expected!r}, or, to start over in a new one, forget that mailbox's sync state on purpose: "
            f"graphsync state forget --user {exc.mailbox or 'MAILBOX'}"
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
    if isinstance(exc, errors.MailboxNotFoundError):
        # The sandbox's users are made by hand: there, the fix may be to make it.
        sandbox = _from_sandbox(exc)
        return (
            f"the tenant has no mailbox {exc.mailbox!r} (Microsoft Graph answered {exc.status} for its user): check "
            "the address given with --user or in the config's [mailboxes], or the salesperson's E-Mail in NAV "
            "(graphsync nav list salespeople)"
            + (f"; to make it a user of the sandbox: graphsync sandbox seed {exc.mailbox}" if sandbox else "")
        )
    if isinstance(exc, errors.ThrottledError):
        return f"Microsoft Graph kept throttling the requests; try again later ({exc.message})"
    if isinstance(exc, errors.GraphError):
        rid = f" [request-id {exc.request_id}]" if exc.request_id else ""
        return f"Microsoft Graph error {exc.status} {exc.code}: {exc.message}{rid}"
    return str(exc)


def _from_sandbox(exc: errors.GraphError) -> bool:
    """Whether the request went to the sandbox: only it is served over plain http (Graph only over https)."""
    return bool(exc.url and exc.url.startswith("http://"))


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


def items_omitted(count: int) -> str:
    """Below a dry run's list of planned changes when the report lists only the first ones."""
    return (
        f"... and {count:,} more items not listed (the counts above include them); "
        "use --json for the listed items as data, or narrow the run with --entity"
    )


def _command_line(key: str) -> bool:
    """Whether a ConfigError's key names a command-line option (``--user``) or argument (``KEY``), not a key of
    a config file (``state.path``, ``entities.CONT_COMP.fields[0].outlook``)."""
    return key.startswith("-") or (key.replace("_", "").isalpha() and key.isupper())


def demo_folder_kept(folder: Path) -> list[str]:
    """What ``graphsync demo --dir`` says last: where things are, how to go on, how to start the sandbox again."""
    where = shlex.quote(str(folder))
    return [
        f"The company, the sandbox's mailboxes, the config and the state are in {folder}: go on there with "
        f"cd {where}, then graphsync status, graphsync sync, graphsync conflicts list (README: Using graphsync).",
        "Commands there open the sandbox themselves; to start it again for other tools too: "
        f"cd {where} && graphsync sandbox serve",
    ]


def item_error_fix(fix: Fix, error: ItemError) -> str:
    """The way out of an item error that a command offers, below the error."""
    what = {"CONT_COMP": "contact", "CONT_PERS": "contact", "CONT_SP": "salesperson"}.get(error.entity.value, "record")
    return (
        f"It was deleted in Outlook, and NAV keeps the {what}. Either settle what NAV names (for a contact: "
        f"complete or delete its open to-dos), and the next sync deletes it in NAV too; or bring it back to "
        f"Outlook: graphsync state restore {error.nav_key}"
    )


_TOO_LONG = re.compile(
    r"The length of the string is (?P<units>\d+), but it must be less than or equal to (?P<limit>\d+) characters\. "
    r"Value: (?P<value>.*)$",
    re.DOTALL,
)


def item_error_note(message: str) -> str | None:
    """What NAV's length message leaves a person to work out: NAV counts UTF-16 units, so a value with emoji
    is longer to NAV than it looks (29 letters and an emoji are 31 units, too long for a Text[30])."""
    found = _TOO_LONG.search(message)
    if found is None:
        return None
    units, limit, value = int(found["units"]), int(found["limit"]), found["value"]
    if units == len(value):
        return f"Shorten it to at most {limit} characters, in Outlook (or in NAV), and sync again."
    return (
        f"The value is {len(value)} characters but {units} to NAV, which counts each emoji (or other character "
        f"beyond U+FFFF) as 2; shorten it to at most {limit} of NAV's, in Outlook (or in NAV), and sync again."
    )
