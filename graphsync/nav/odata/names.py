"""How NAV names things in OData: field names become property names, option captions become wire values.

Property names follow the rules of MicrosoftDocs dynamics365smb-devitpro-pb,
dev-itpro/webservices/return-obtain-service-metadata-edmx-document.md: spaces -> ``_``, dots and parentheses
removed, ``/`` -> ``_``, an apostrophe -> ``_x0027_``, ``%`` -> ``Percent`` (``Commission %`` ->
``Commission_Percent``, ``Don't`` -> ``Don_x0027_t``). A hyphen becomes ``_`` (``E-Mail`` -> ``E_Mail``), as
the existing double always did; that one is not in the document. The name is the page *control's* name,
which is the field's name unless the page gives the control another one (`graphsync.nav.odata.catalogue`);
the service's ``$metadata`` is the authority, and these functions say which property to look for first.

Option values travel in one of three forms (`OptionForm`), depending on the product and version; the
connector reads every form and writes the one its server uses.
"""

from __future__ import annotations

import re
from enum import Enum

BLANK_OPTION = "_blank_"
SPACE_NAME = "_x0020_"
_DROPPED = re.compile(r"[^0-9A-Za-z_]")
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


class OptionForm(Enum):
    """How a server writes option values (Option fields and enums) in OData JSON and ``$filter``.

    What each product sends was not observed on a running server here; the forms below are what the
    project's test double speaks per profile, and docs/odata.md says so."""

    CAPTIONS = "captions"
    """The caption as the user reads it (``Phone Call``); the blank option is ``""`` (assumed for NAV 2017)."""
    NAMES = "names"
    """XML-encoded option names (``Phone_x0020_Call``); the blank option is ``_blank_`` (NAV 2018, BC before
    version 24)."""
    NAMES_SPACE = "names-x0020"
    """XML-encoded names, the blank option's name ``" "`` encoded like any other as ``_x0020_`` (BC 24 and
    later, as seen in a BC API response quoted in third-party documentation)."""


def property_name(field_name: str) -> str:
    """The OData property NAV publishes for a field or page control name."""
    spaced = field_name.replace("'", "_x0027_").replace("%", "Percent")
    spaced = spaced.replace(" ", "_").replace("/", "_").replace("-", "_")
    return _DROPPED.sub("", spaced)


def _name_char(ch: str, first: bool) -> bool:
    if ch.isalpha() or ch == "_":
        return True
    return not first and (ch.isdigit() or ch in ".-")


def _xml_name(caption: str) -> str:
    out = []
    for i, ch in enumerate(caption):
        if ch == "_" and caption[i + 1 : i + 2] == "x":
            out.append("_x005F_")  # an underscore that would read as the start of an escape
        elif _name_char(ch, i == 0):
            out.append(ch)
        else:
            out.append(f"_x{ord(ch):04X}_")
    return "".join(out)


def encode_option(caption: str, form: OptionForm = OptionForm.NAMES) -> str:
    """An option caption as a server speaking ``form`` writes it."""
    if form is OptionForm.CAPTIONS:
        return caption
    if caption == "":
        return BLANK_OPTION if form is OptionForm.NAMES else SPACE_NAME
    return _xml_name(caption)


def decode_option(value: str) -> str:
    """An option value from OData, in any of the forms, back to its caption (``""`` for the blank option)."""
    if value in (BLANK_OPTION, SPACE_NAME) or not value.strip():
        return ""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), value)


def form_of(value: str) -> OptionForm | None:
    """The form a raw option value shows, when it shows one (``Meeting`` is the same in every form)."""
    if value == BLANK_OPTION:
        return OptionForm.NAMES
    if value == SPACE_NAME:
        return OptionForm.NAMES_SPACE
    if value == "" or " " in value:
        return OptionForm.CAPTIONS
    if _ESCAPE.search(value):
        return OptionForm.NAMES
    return None


def parse_option(value: str, form: OptionForm) -> str | None:
    """An option value a server speaking ``form`` accepts, as its caption; None when that server would not
    read it (another form's spelling)."""
    if form is OptionForm.CAPTIONS:
        return None if _ESCAPE.search(value) or value in (BLANK_OPTION, SPACE_NAME) else value
    if value == "" or " " in value:
        return None
    if value in (BLANK_OPTION, SPACE_NAME):
        return "" if value == encode_option("", form) else None
    return decode_option(value)
