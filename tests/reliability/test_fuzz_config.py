"""Fuzzed config files: whatever the text, loading it gives a `Config` or a `ConfigError` (never another
exception), binding the entity maps to NAV's tables gives a ConfigError at worst, and the CLI answers a bad file
with exit code 2 and one line naming the problem, never a traceback."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import tomlkit
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphsync.cli.main import cli
from graphsync.config import Config, load_config
from graphsync.config.model import NavKind
from graphsync.connectors.nav import NavTable
from graphsync.engine.binding import bind_entity, user_field_names
from graphsync.errors import ConfigError
from graphsync.nav.embedded import EmbeddedNav

FUZZ = settings(
    derandomize=True,
    database=None,
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

SECTIONS: dict[str, list[str]] = {
    "nav": ["kind", "path", "url"],
    "graph": ["kind", "base_url", "tenant_id", "client_id", "client_secret", "certificate_path", "sandbox_user"],
    "state": ["path"],
    "sync": [
        "time_zone",
        "contact_folder",
        "todo_list",
        "calendar",
        "category",
        "window_past_days",
        "window_future_days",
        "mass_delete_share",
        "mass_delete_min",
    ],
    "mailboxes": ["eh@contoso.com", "nobody", "x@y"],
}
ENTITY_KEYS = ["enabled", "direction", "conflict_policy", "delete_policy", "condition", "remove", "fields", "bogus"]
FIELD_KEYS = ["nav", "outlook", "user_defined", "read_only", "conversion", "values"]
WORDS = [
    "embedded",
    "odata",
    "sandbox",
    "microsoft",
    "env:X",
    "keyring:a/b",
    "literal-secret",
    "http://127.0.0.1:1/v1.0",
    "ftp://x",
    "Europe/London",
    "Mars/Base",
    "bidirectional",
    "nav-to-outlook",
    "manual",
    "never",
    "@owner",
    "Phone No.",
    "businessPhones[0]",
    "businessPhones[x",
    "Territory Code",
    "country",
    "EH",
    "",
    " ",
    "ü\u200b\u202e",
]

scalars = st.one_of(
    st.sampled_from(WORDS),
    st.text(max_size=30),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True),
    st.booleans(),
    st.dates(),
)
values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
)


def _table(keys: list[str], inner: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(st.sampled_from(keys) | st.text(min_size=1, max_size=10), inner, max_size=len(keys))


fields = st.lists(
    _table(FIELD_KEYS, values | st.lists(st.sampled_from([*WORDS, "Date", "Start Time", "9"]))), max_size=3
)
entity = _table(ENTITY_KEYS, values).flatmap(
    lambda t: fields.map(lambda f: {**t, "fields": f}) if "fields" in t else st.just(t)
)
entities = st.dictionaries(
    st.sampled_from(["CONT_COMP", "CONT_PERS", "CONT_SP", "MEETING", "TASK", "OTHER"]), entity, max_size=3
)
documents = st.fixed_dictionaries(
    {},
    optional={
        **{name: _table(keys, values) for name, keys in SECTIONS.items()},
        "entities": entities,
        "extra": values,
    },
)


def _bind(config: Config, nav: EmbeddedNav) -> None:
    tables = {"CONT_COMP": NavTable.CONTACT, "CONT_PERS": NavTable.CONTACT, "CONT_SP": NavTable.SALESPERSON}
    for spec in config.entities:
        table = tables.get(spec.name.value, NavTable.TODO)
        bind_entity(spec, nav.table_def(table), time_zone=config.sync.time_zone)
    user_field_names(config.entities, nav, time_zone=config.sync.time_zone)


def _check(path: Path, text: str | bytes, nav: EmbeddedNav) -> None:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    try:
        config = load_config(path)
    except ConfigError as exc:
        assert exc.key, exc
        return
    assert config.nav.kind is NavKind.EMBEDDED
    try:
        _bind(config, nav)
    except ConfigError as exc:
        assert exc.key, exc


@FUZZ
@given(text=st.text(max_size=300) | st.binary(max_size=200))
def test_any_text_loads_or_is_a_config_error(tmp_path: Path, company: Path, text: str | bytes) -> None:
    with EmbeddedNav(company) as nav:
        _check(tmp_path / "graphsync.toml", text, nav)


@FUZZ
@given(document=documents)
def test_any_toml_document_loads_and_binds_or_is_a_config_error(
    tmp_path: Path, company: Path, document: dict[str, Any]
) -> None:
    try:
        text = tomlkit.dumps(document)
    except Exception:  # a document TOML cannot write (a NaN key...) is not a config anyone can have
        return
    with EmbeddedNav(company) as nav:
        _check(tmp_path / "graphsync.toml", text, nav)


@settings(derandomize=True, database=None, max_examples=25, deadline=None)
@given(document=documents, garble=st.booleans())
def test_the_cli_answers_a_bad_config_with_exit_code_2_and_one_line(document: dict[str, Any], garble: bool) -> None:
    try:
        text = tomlkit.dumps(document)
    except Exception:
        return
    if garble:
        text = text.replace("=", "", 1) + "\n[nav\n"
    with tempfile.TemporaryDirectory() as root:
        path = Path(root) / "graphsync.toml"
        path.write_text(text, encoding="utf-8")
        try:
            load_config(path)
        except ConfigError:
            pass
        else:
            return  # a valid file: not this test's case
        result = CliRunner().invoke(cli, ["--config", str(path), "sync", "--dry-run"])
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    (line,) = result.output.strip().splitlines()
    assert line.startswith("error: config error: "), line
