"""What an OData change read remembers between runs, packed into the opaque `Watermark.value`.

``position`` is the server's time when the read began (its ``Date`` header: whole seconds, and a server may
cache it for a second, so it is never later than the truth); the next read asks for records stamped at or
after ``position - OVERLAP``. ``newest`` is the newest exact record stamp seen by then: it only orders
watermarks taken within the same second, and never moves the next read's start (a record stamped in the
future by a wrong clock cannot make graphsync skip real changes).
Because NAV's stamps are coarse (a date and a separate time, or the time missing on the page) and clocks
drift, that window overlaps the previous read; ``seen`` holds (key, ETag) digests of the records already
returned inside it, so they are not returned twice. ``change_log_entry`` is the last Change Log Entry No.
when deletions come from the change log. Tables without any stamp keep ``hashes``: a digest of every
record's values, by key, compared on the next read (changes and deletions both follow from it).

The text starts with the position and the newest stamp, fixed width, so that watermarks order by time as
`Watermark` requires.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import zlib
from collections.abc import Mapping
from dataclasses import dataclass

from graphsync.connectors.nav import NavKey, Watermark

OVERLAP = dt.timedelta(seconds=5)
PREFIX = "odata1"


def digest(*parts: str) -> str:
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=6).hexdigest()


def key_text(key: NavKey) -> str:
    return "\x1f".join(key)


@dataclass(frozen=True)
class ODataMark:
    position: dt.datetime
    newest: dt.datetime
    change_log_entry: int = 0
    seen: frozenset[str] = frozenset()
    hashes: Mapping[str, str] | None = None

    @property
    def lower_bound(self) -> dt.datetime:
        return self.position - OVERLAP

    def encode(self) -> Watermark:
        payload: object = dict(self.hashes) if self.hashes is not None else sorted(self.seen)
        kind = "H" if self.hashes is not None else "S"
        blob = base64.urlsafe_b64encode(zlib.compress(json.dumps(payload, separators=(",", ":")).encode())).decode()
        return Watermark(
            f"{PREFIX}|{_text(self.position)}|{_text(self.newest)}|{self.change_log_entry:012d}|{kind}|{blob}"
        )


def _text(moment: dt.datetime) -> str:
    utc = moment.astimezone(dt.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _moment(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)


def seen_entry(key: NavKey, etag: str) -> str:
    return digest(*key, etag)


def decode(mark: Watermark | None) -> ODataMark | None:
    """The read a watermark stands for; None (a full read) for None or a watermark this connector did not
    make (another connector's, after a switch from the embedded company): a full read is always safe."""
    if mark is None:
        return None
    parts = mark.value.split("|")
    if len(parts) != 6 or parts[0] != PREFIX or parts[4] not in ("H", "S"):
        return None
    try:
        position, newest = _moment(parts[1]), _moment(parts[2])
        entry = int(parts[3])
        payload = json.loads(zlib.decompress(base64.urlsafe_b64decode(parts[5])))
    except (ValueError, zlib.error):
        return None
    if parts[4] == "H" and isinstance(payload, dict):
        return ODataMark(position, newest, entry, hashes={str(k): str(v) for k, v in payload.items()})
    if parts[4] == "S" and isinstance(payload, list):
        return ODataMark(position, newest, entry, seen=frozenset(str(p) for p in payload))
    return None
