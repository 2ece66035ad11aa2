"""Text as NAV and Graph see it, one definition each for every package that needs it.

Half characters: a lone UTF-16 surrogate, which JSON can carry (``"\\ud83d"``) but UTF-8 cannot. NAV refuses
one in a field, the sandbox in a written property, and every message that quotes such a value escapes it,
so that the message itself can be printed, logged and stored.

NAV's upper case (`code_upper`): what a Code field holds, needed both by NAV's value checks and by the field
maps' normalisation (`graphsync.mapping`), which must not depend on NAV's packages.
"""

from __future__ import annotations

import re

_SURROGATE = re.compile("[\ud800-\udfff]")


def lone_surrogate(text: str) -> re.Match[str] | None:
    """Where ``text`` holds half a character, or None. (A pair decoded from JSON is one character already, so
    any surrogate left in a Python string is a lone one.)"""
    # Nearly every text checked is ASCII: no search for those.
    return None if text.isascii() else _SURROGATE.search(text)


def escaped(text: str) -> str:
    """``text`` with any lone surrogate written as ``\\udxxx`` (everything else as it is)."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def one_line(text: str) -> str:
    """``text`` as it can stand inside a one-line message: a line break or other control character (a config
    key may be any string, ``"\\r"`` included) written as its escape, so a message stays one line."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in escaped(text))


def code_upper(text: str) -> str:
    """Upper case as NAV's Code fields (.NET's ToUpper) make it: character by character, never changing the
    length. Python's ``str.upper`` applies Unicode's full mappings, which turn one character into several
    (``ß`` -> ``SS``, ``ﬁ`` -> ``FI``), so a Code that fits could overflow; .NET keeps those characters."""
    if text.isascii():  # nearly every Code: no character of ASCII has a longer upper case
        return text.upper()
    return "".join(u if len(u := c.upper()) == 1 else c for c in text)
