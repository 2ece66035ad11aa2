"""Half characters in text: a lone UTF-16 surrogate, which JSON can carry (``"\\ud83d"``) but UTF-8 cannot.

NAV refuses one in a field, the sandbox in a written property, and every message that quotes such a value
escapes it, so that the message itself can be printed, logged and stored. One definition for all three.
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
