from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from graphsync.config.model import GraphKind
from graphsync.config.starter import StarterOptions, starter_config_text
from tests.auth.fake_entra import CLIENT_ID, TENANT

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"


def keys(table: dict[str, Any], prefix: str = "") -> set[str]:
    found: set[str] = set()
    for key, value in table.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            found |= keys(value, f"{path}.")
        else:
            found.add(path)
    return found


@pytest.mark.parametrize(
    "options",
    [StarterOptions(), StarterOptions(graph=GraphKind.MICROSOFT, tenant_id=TENANT, client_id=CLIENT_ID)],
)
def test_starter_uses_only_keys_config_example_documents(options: StarterOptions) -> None:
    example = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    starter = tomllib.loads(starter_config_text(options))
    assert keys(starter) <= keys(example)
