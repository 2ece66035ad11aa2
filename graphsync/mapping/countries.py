"""NAV Country/Region codes and the country names Outlook shows in an address.

NAV stores a code (``GB``); an Outlook contact's address carries free text (``United Kingdom``). The table
covers the codes of NAV's demo data and common ISO 3166 names; anything else passes through unchanged.
"""

from __future__ import annotations

CODE_TO_NAME: dict[str, str] = {
    "AT": "Austria",
    "AU": "Australia",
    "BE": "Belgium",
    "BG": "Bulgaria",
    "CA": "Canada",
    "CH": "Switzerland",
    "CN": "China",
    "CZ": "Czech Republic",
    "DE": "Germany",
    "DK": "Denmark",
    "EE": "Estonia",
    "ES": "Spain",
    "FI": "Finland",
    "FR": "France",
    "GB": "United Kingdom",
    "GR": "Greece",
    "HR": "Croatia",
    "HU": "Hungary",
    "IE": "Ireland",
    "IN": "India",
    "IS": "Iceland",
    "IT": "Italy",
    "JP": "Japan",
    "LT": "Lithuania",
    "LU": "Luxembourg",
    "LV": "Latvia",
    "MX": "Mexico",
    "NL": "Netherlands",
    "NO": "Norway",
    "NZ": "New Zealand",
    "PL": "Poland",
    "PT": "Portugal",
    "RO": "Romania",
    "RU": "Russia",
    "SE": "Sweden",
    "SI": "Slovenia",
    "SK": "Slovakia",
    "TR": "Turkey",
    "US": "United States",
    "ZA": "South Africa",
}

_NAME_TO_CODE: dict[str, str] = {name.lower(): code for code, name in CODE_TO_NAME.items()}
_NAME_TO_CODE.update({"uk": "GB", "great britain": "GB", "usa": "US", "united states of america": "US"})


def country_name(code: str) -> str:
    return CODE_TO_NAME.get(code.upper(), code)


def country_code(name: str) -> str:
    """The NAV code for a country name (or a code typed as the name); unknown names come back as given."""
    text = name.strip()
    if text.upper() in CODE_TO_NAME:
        return text.upper()
    return _NAME_TO_CODE.get(text.lower(), text)
