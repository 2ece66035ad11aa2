"""How NAV names things in OData: field names become property names, option captions become enum members.

NAV derives an OData property name from the page field's name: spaces and slashes become ``_``, dots and
parentheses (and the other characters an identifier cannot hold) are dropped: ``Phone No.`` ->
``Phone_No``, ``Country/Region Code`` -> ``Country_Region_Code``. The service's ``$metadata`` is the
authority; these functions say which property to look for.

Option values travel as XML-encoded names: a character an XML name cannot hold becomes ``_xHHHH_``
(``Phone Call`` -> ``Phone_x0020_Call``) and the blank option is ``_blank_``.
"""

from __future__ import annotations

import re

BLANK_OPTION = "_blank_"
_DROPPED = re.compile(r"[^0-9A-Za-z_]")
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def property_name(field_name: str) -> str:
    """The OData property NAV publishes for a field or page control name."""
    spaced = field_name.replace(" ", "_").replace("/", "_").replace("-", "_")
    return _DROPPED.sub("", spaced)


def _name_char(ch: str, first: bool) -> bool:
    if ch.isalpha() or ch == "_":
        return True
    return not first and (ch.isdigit() or ch in ".-")


def encode_option(caption: str) -> str:
    """An option caption as NAV's OData writes it."""
    if caption == "":
        return BLANK_OPTION
    out = []
    for i, ch in enumerate(caption):
        if ch == "_" and caption[i + 1 : i + 2] == "x":
            out.append("_x005F_")  # an underscore that would read as the start of an escape
        elif _name_char(ch, i == 0):
            out.append(ch)
        else:
            out.append(f"_x{ord(ch):04X}_")
    return "".join(out)


def decode_option(value: str) -> str:
    """An option value from OData back to its caption."""
    if value == BLANK_OPTION:
        return ""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), value)
