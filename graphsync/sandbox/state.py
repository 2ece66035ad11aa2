"""Everything a sandbox holds: mailboxes, limit and fault settings, counters, recorded meeting requests.

Tests and benchmarks drive it directly (in-process) or through the control endpoint (`/_sandbox/...`,
see `graphsync.sandbox.control`). Settings are frozen values replaced whole, so a request never sees half
of a change.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from graphsync.errors import GraphError
from graphsync.sandbox.access import APP_TOKEN, USER_TOKEN_PREFIX, Grant
from graphsync.sandbox.defaults import contacts_of, create_default_containers, events_of
from graphsync.sandbox.persist import SqlitePersistence
from graphsync.sandbox.store import Item, Mailbox
from graphsync.sandbox.wire import bad_request, fail, not_found, throttled, unknown_user


@dataclass(frozen=True)
class Limits:
    """Outlook's per-mailbox limits. None switches a limit off; both are off by default.

    Graph's own values are 4 concurrent requests and 10,000 requests per 10 minutes per app and mailbox
    (concepts/throttling-limits.md); tests shrink the window to see a 429 quickly.
    """

    concurrent: int | None = None
    window_requests: int | None = None
    window_seconds: float = 600.0

    @classmethod
    def outlook(cls) -> Limits:
        return cls(concurrent=4, window_requests=10_000, window_seconds=600.0)


class DropWhen(Enum):
    """When a dropped connection drops: before the request is handled, or after (the change is made, the
    answer lost: the case idempotent retries exist for)."""

    BEFORE_HANDLING = "before"
    AFTER_HANDLING = "after"


@dataclass(frozen=True)
class Faults:
    """Injected trouble, all off by default.

    ``latency`` seconds are added to every HTTP request; ``error_rate`` of mailbox requests (batch items
    included) answer one of ``error_statuses`` with ``Retry-After: retry_after`` (a 503 or 504 without it:
    see ``without_retry_after``); ``drop_rate`` of HTTP requests lose their connection at ``drop_when``, and
    ``drop_before_rate`` more before they are handled, so that one run meets both kinds; ``spike_rate`` of
    HTTP requests wait ``spike_seconds`` before they are handled. ``seed`` makes the random choices
    repeatable. ``delta_quirks`` is below. `SandboxState.injected` counts what was injected.
    """

    latency: float = 0.0
    error_rate: float = 0.0
    error_statuses: tuple[int, ...] = (429, 503, 504)
    retry_after: float = 1.0
    drop_rate: float = 0.0
    drop_when: DropWhen = DropWhen.AFTER_HANDLING
    seed: int | None = None
    delta_quirks: bool = False
    """Delta pages behave as Graph allows but rarely shows: each round opens with an empty page that has a
    nextLink, an item can come twice (a page repeats the previous page's last entry), order within a page is
    reversed. For testing a client's delta handling, not its luck."""
    without_retry_after: float = 0.0
    """The share of injected 503 and 504 answers sent without Retry-After. Graph documents 503 as "You may
    repeat the request after a delay, the length of which may be specified in a Retry-After header" and
    serviceNotAvailable as "There may be a Retry-After header" (concepts/errors.md), and asks for exponential
    backoff when none is given (concepts/throttling.md). Injected 429s keep theirs: throttling.md says the
    services under its "Service-specific limits", Outlook's among them, "provide a Retry-After header except
    when noted"."""
    drop_before_rate: float = 0.0
    spike_rate: float = 0.0
    spike_seconds: float = 0.0

    def __post_init__(self) -> None:
        # Fail where the value is built rather than on some later request; the control endpoint checks the
        # same before building one, with messages in its own names.
        for name in ("error_rate", "without_retry_after", "drop_rate", "drop_before_rate", "spike_rate"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} is a share of requests, between 0 and 1 (got {getattr(self, name)})")
        if self.drop_rate + self.drop_before_rate > 1:
            raise ValueError("drop_rate and drop_before_rate together are a share of requests, at most 1")
        if self.latency < 0 or self.spike_seconds < 0 or self.retry_after < 0:
            raise ValueError("latency, spike_seconds and retry_after are seconds, 0 or more")


@dataclass(frozen=True)
class Fault:
    """One request made to fail on purpose, where a test wants it rather than at a rate: the next ``times``
    requests whose method is ``method`` and whose path after ``/v1.0`` the regular expression ``path`` finds
    (``re.search``: ``r"/contacts$"``, ``r"^/\\$batch$"``). Batch items are matched by their own path, and the
    ``$batch`` request itself by ``/$batch``.

    ``status`` None drops the connection (an HTTP request only: a batch item has no connection of its own); a
    status answers it with Graph's error JSON (``code``, else the usual code for that status; ``retry_after``
    seconds in Retry-After for a 429, 503 or 504). ``when``: `DropWhen.BEFORE_HANDLING` leaves the request
    undone; `DropWhen.AFTER_HANDLING` does the work first and then fails, so the change is made and the answer
    lost: what a client's idempotent retries exist for.
    """

    method: str
    path: str
    status: int | None = None
    when: DropWhen = DropWhen.BEFORE_HANDLING
    times: int = 1
    code: str | None = None
    retry_after: float | None = None

    def __post_init__(self) -> None:
        re.compile(self.path)  # a bad expression fails here, not on some later request
        if self.times < 1:
            raise ValueError(f"times is how many requests fail, 1 or more (got {self.times})")
        if self.status is not None and not 400 <= self.status <= 599:
            raise ValueError(f"status is an HTTP error status, 400 to 599 (got {self.status})")


@dataclass
class ArmedFault:
    fault: Fault
    left: int
    """How many more requests it fails."""


_FAULT_CODES = {
    400: "BadRequest",
    401: "InvalidAuthenticationToken",
    403: "ErrorAccessDenied",
    404: "ErrorItemNotFound",
    409: "ErrorIrresolvableConflict",
    412: "ErrorIrresolvableConflict",
    429: "ApplicationThrottled",
    500: "generalException",
    502: "BadGateway",
    503: "ServiceUnavailable",
    504: "GatewayTimeout",
}


def fault_error(fault: Fault) -> GraphError:
    """The error a targeted fault with a status answers."""
    assert fault.status is not None
    code = fault.code or _FAULT_CODES.get(fault.status, "generalException")
    message = f"Injected fault: {fault.method} {fault.path} answered {fault.status}."
    if fault.status in (429, 503, 504):
        return throttled(message, fault.retry_after, status=fault.status, code=code)
    return fail(fault.status, code, message)


@dataclass
class InjectedFaults:
    """What the faults did since the last `SandboxState.reset_counters`: a test checks with it that the
    trouble it asked for happened, at about the rates it asked for, instead of trusting that it did."""

    http_requests: int = 0
    """Requests to the Graph endpoint (a $batch is one): what drops and spikes are drawn for."""
    mailbox_requests: int = 0
    """Requests that reached a mailbox (each batch item is one): what errors are drawn for."""
    errors: Counter[int] = field(default_factory=Counter)
    """Injected error answers by status (the limits' own 429s are not injected faults)."""
    without_retry_after: int = 0
    """Of those, the ones answered without Retry-After."""
    drops: Counter[DropWhen] = field(default_factory=Counter)
    spikes: int = 0
    targeted: int = 0
    """Requests a targeted `Fault` failed."""


class MeetingRequestReason(Enum):
    INVITATION = "invitation"
    """The event was created with this attendee, or the attendee was added."""
    UPDATE = "update"
    """Time, place or subject of a meeting the attendee is invited to changed."""
    CANCELLATION = "cancellation"
    """The attendee was removed, or the organizer deleted the event."""


@dataclass(frozen=True)
class MeetingRequest:
    """A meeting message Graph would have sent on the organizer's behalf."""

    organizer: str
    attendee: str
    event_id: str
    """The event's immutable id (what ``Prefer: IdType="ImmutableId"`` returns; it survives moves)."""
    subject: str
    reason: MeetingRequestReason


@dataclass
class SandboxState:
    """The sandbox's whole state. ``SandboxState()`` is in memory; `SandboxState.open(path)` persists to
    SQLite (every change written through, see `graphsync.sandbox.persist`)."""

    limits: Limits = field(default_factory=Limits)
    faults: Faults = field(default_factory=Faults)
    injected: InjectedFaults = field(default_factory=InjectedFaults)
    mailboxes: dict[str, Mailbox] = field(default_factory=dict)
    meeting_requests: list[MeetingRequest] = field(default_factory=list)
    batch_requests: int = 0
    persistence: SqlitePersistence | None = None
    rng: random.Random = field(default_factory=random.Random)
    grants: dict[str, Grant] = field(default_factory=dict)
    """Bearer tokens accepted besides the sandbox's own forms (`grant_token`)."""
    targeted: list[ArmedFault] = field(default_factory=list)
    """Targeted faults armed by `fail_next`, in the order they were armed."""

    @classmethod
    def seeded(cls, *upns: str) -> SandboxState:
        """An in-memory sandbox holding these users (`seed_user`): what a test starts from."""
        state = cls()
        for upn in upns:
            state.seed_user(upn)
        return state

    @classmethod
    def open(cls, path: Path) -> SandboxState:
        """A state persisted in the SQLite file ``path`` (created if missing), with what it held loaded."""
        state = cls()
        state.persistence = SqlitePersistence(path)
        for mailbox in state.persistence.load():
            state.mailboxes[mailbox.upn] = mailbox
        return state

    def close(self) -> None:
        if self.persistence is not None:
            self.persistence.close()

    # -- users

    def mailbox(self, upn: str) -> Mailbox:
        """The mailbox of the user ``upn``; Graph's 404 when the sandbox holds no such user. Users exist once
        `seed_user` made them (``graphsync sandbox seed``, the control endpoint, the config's sandbox_user
        where graphsync opens or serves the config's sandbox): as in a tenant, a request never creates one."""
        found = self.find_user(upn)
        if found is None:
            raise unknown_user(upn)
        return found

    def seed_user(self, upn: str, *, display_name: str | None = None, time_zone: str | None = None) -> Mailbox:
        """Create a user with the default Contacts folder, Calendar and To Do list (idempotent; an existing
        user's time zone is set when one is given); ``time_zone`` is its mailboxSettings.timeZone (default
        "UTC"), a Windows or IANA name."""
        key = upn.lower()
        if key in self.mailboxes:
            found = self.mailboxes[key]
            if time_zone is not None and time_zone != found.time_zone:
                found.time_zone = time_zone
                self.save_settings(found)
            return found
        mailbox = Mailbox(key, display_name=display_name)
        if time_zone is not None:
            mailbox.time_zone = time_zone
        if self.persistence is not None:
            mailbox.journal = self.persistence
            self.persistence.save_user(mailbox)
        create_default_containers(mailbox)
        self.mailboxes[key] = mailbox
        if self.persistence is not None:
            if time_zone is not None:
                self.persistence.save_settings(mailbox)
            self.persistence.commit()
        return mailbox

    def save_settings(self, mailbox: Mailbox) -> None:
        """Keep a mailbox's settings (time zone) in the data file, when there is one."""
        if self.persistence is not None:
            self.persistence.save_settings(mailbox)
            self.persistence.commit()

    def find_user(self, id_or_upn: str) -> Mailbox | None:
        """An existing user by object id or user principal name (either case)."""
        found = self.mailboxes.get(id_or_upn.lower())
        if found is not None:
            return found
        for mailbox in self.mailboxes.values():
            if mailbox.user_id == id_or_upn.lower():
                return mailbox
        return None

    def grant_token(self, token: str, *, user: str | None, permissions: Iterable[str]) -> None:
        """Accept ``token`` from now on, acting as ``user`` (delegated; None: an app) with ``permissions``
        (Graph's names): what a sign-in elsewhere issued, or an app with fewer permissions than ``sandbox-app``
        (`graphsync.sandbox.access`). Granting a token again replaces its grant."""
        if not token or token == APP_TOKEN or token.startswith(USER_TOKEN_PREFIX):
            raise ValueError(f"{token!r} is empty or one of the sandbox's own token forms")
        self.grants[token] = Grant(None if user is None else user.strip().lower(), frozenset(permissions))

    # -- settings and readings for tests and benchmarks

    def fail_next(self, fault: Fault) -> None:
        """Arm a targeted fault: the next ``fault.times`` requests it matches fail as it says."""
        self.targeted.append(ArmedFault(fault, fault.times))

    def take_fault(self, method: str, path: str, *, http: bool) -> Fault | None:
        """The armed fault this request meets (counted and used up), or None. ``http``: an HTTP request
        (a dropped connection is possible), not a batch item."""
        for armed in self.targeted:
            fault = armed.fault
            if fault.status is None and not http:
                continue
            if fault.method.upper() == method.upper() and re.search(fault.path, path):
                armed.left -= 1
                if not armed.left:
                    self.targeted.remove(armed)
                self.injected.targeted += 1
                return fault
        return None

    def set_limits(self, limits: Limits) -> None:
        self.limits = limits

    def set_faults(self, faults: Faults) -> None:
        self.faults = faults
        if faults.seed is not None:
            self.rng.seed(faults.seed)

    def invalidate_delta_tokens(self, upn: str) -> None:
        """Every delta and skip token handed out for this mailbox answers 410 from now on."""
        mailbox = self.mailbox(upn)
        mailbox.invalidate_delta_tokens()
        if self.persistence is not None:
            self.persistence.save_user(mailbox)
            self.persistence.commit()

    def move_item(self, upn: str, item_id: str, destination_id: str) -> Item:
        """Move a contact to another contact folder, or an event to another calendar, as a user would in
        Outlook: the item gets a new REST id and keeps its immutable id (see `Mailbox.move`)."""
        mailbox = self.mailbox(upn)
        item, destination = mailbox.lookup(item_id), mailbox.lookup(destination_id)
        if item is None or destination is None:
            raise not_found(f"No item {item_id if item is None else destination_id} in mailbox {mailbox.upn}.")
        if item.kind == "contact" and destination.kind == "contactFolder":
            item.props["parentFolderId"] = destination.key
            mailbox.move(item, contacts_of(destination))
        elif item.kind == "event" and destination.kind == "calendar":
            mailbox.move(item, events_of(destination))
        else:
            raise bad_request(
                f"A {item.kind} cannot move into a {destination.kind}: contacts move between contact "
                "folders, events between calendars."
            )
        if self.persistence is not None:
            self.persistence.commit()
        return item

    def request_counts(self, upn: str) -> dict[str, int]:
        """Requests received for this mailbox by HTTP method (batch items count one each)."""
        mailbox = self.mailboxes.get(upn.lower())
        return dict(mailbox.requests) if mailbox is not None else {}

    def reset_counters(self) -> None:
        for mailbox in self.mailboxes.values():
            mailbox.requests.clear()
        self.injected = InjectedFaults()
        self.batch_requests = 0
        self.meeting_requests.clear()

    def meeting_requests_for(self, upn: str) -> list[MeetingRequest]:
        return [m for m in self.meeting_requests if m.organizer == upn.lower()]
