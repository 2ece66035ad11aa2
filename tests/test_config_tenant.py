"""Config for tenant-wide runs: `[state] url` / `password` and `[distributed]`, with no secret in any URL."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from graphsync.config import Config, parse_config
from graphsync.errors import ConfigError
from graphsync.runtime.stores import store_url

ROOT = Path(__file__).resolve().parents[1]


def parse(text: str) -> Config:
    return parse_config(text, file="g.toml", base=Path("/cfg"))


def test_without_the_sections_the_store_is_a_file_and_there_is_no_cluster() -> None:
    cfg = parse("")
    assert cfg.state.url is None and cfg.state.location == "/cfg/graphsync-state.sqlite"
    assert cfg.distributed is None


def test_a_postgresql_url_becomes_psycopg_3s_and_its_password_a_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = parse('[state]\nurl = "postgres://graphsync@db.example:5433/gs"\npassword = "env:GS_DB_PASSWORD"\n')
    assert cfg.state.url == "postgresql+psycopg://graphsync@db.example:5433/gs"
    assert cfg.state.location == cfg.state.url  # no password to hide
    monkeypatch.setenv("GS_DB_PASSWORD", "p@ss:word/1")
    url = store_url(cfg)
    assert not isinstance(url, str | Path) and url.password == "p@ss:word/1" and url.database == "gs"
    assert "p@ss" not in url.render_as_string(hide_password=True)


@pytest.mark.parametrize(
    ("text", "key", "shown"),
    [
        ('[state]\nurl = "postgresql://u:s3cr3t@h/db"', "state.url", "postgresql://u:<hidden>@h/db"),
        ('[state]\nurl = "mysql://u@h/db"', "state.url", "mysql://u@h/db"),
        ('[state]\nurl = "postgresql://u@h"', "state.url", "postgresql://u@h"),
        ('[state]\nurl = "postgresql://u@h/db"\npath = "s.sqlite"', "state.path", None),
        ('[state]\npassword = "env:X"', "state.password", "<hidden>"),
        ('[state]\nurl = "postgresql://u@h/db"\npassword = "plain"', "state.password", "<hidden>"),
        (
            '[distributed]\nbroker_url = "redis://:s3cr3t@h:6379/0"',
            "distributed.broker_url",
            "redis://:<hidden>@h:6379/0",
        ),
        ('[distributed]\nbroker_url = "http://h"', "distributed.broker_url", "http://h"),
        (
            '[distributed]\nresult_backend = "redis://u:s3cr3t@h/1"',
            "distributed.result_backend",
            "redis://u:<hidden>@h/1",
        ),
        ('[distributed]\nqueue = "a queue"', "distributed.queue", "a queue"),
        ("[distributed]\nvisibility_timeout = 5", "distributed.visibility_timeout", 5),
        ('[distributed]\nbroker_password = "s3cr3t"', "distributed.broker_password", "<hidden>"),
        ('[distributed]\nkey_prefix = "a b"', "distributed.key_prefix", "a b"),
        ('[distributed]\nbrokers = "x"', "distributed.brokers", "x"),
    ],
)
def test_bad_values_name_the_key_and_never_show_a_secret(text: str, key: str, shown: object) -> None:
    with pytest.raises(ConfigError) as e:
        parse(text)
    assert e.value.key == key and e.value.got == shown and "s3cr3t" not in str(e.value)


def test_distributed_defaults_and_values() -> None:
    cfg = parse("[distributed]\n").distributed
    assert cfg is not None and cfg.broker_url == "redis://127.0.0.1:6379/0" and cfg.queue == "graphsync"
    assert cfg.result_backend is None and cfg.visibility_timeout == 3600 and cfg.key_prefix == ""
    rabbit = parse(
        '[distributed]\nbroker_url = "amqp://graphsync@mq:5672/gs"\nbroker_password = "keyring:graphsync/mq"\n'
        'result_backend = "rpc://"\nqueue = "tenant-a"\n'
    ).distributed
    assert rabbit is not None and rabbit.broker_url.startswith("amqp://") and rabbit.result_backend == "rpc://"
    assert str(rabbit.broker_password) == "keyring:graphsync/mq"


def test_the_example_distributed_block_loads_when_uncommented() -> None:
    text = (ROOT / "config.example.toml").read_text()
    block = text[text.index("# [distributed]") : text.index("[mailboxes]")]
    lines = [ln[2:] if ln.startswith("# ") else "" for ln in block.splitlines()]
    cfg = parse("\n".join(lines))
    assert cfg.distributed is not None and cfg.distributed.result_backend == "redis://127.0.0.1:6379/1"


def test_a_config_without_distributed_never_imports_celery_or_psycopg(tmp_path: Path) -> None:
    """The embedded default: a sync, a status, --help load neither the broker's client nor PostgreSQL's."""
    code = (
        "import sys\n"
        "from graphsync.cli.main import cli\n"
        "import graphsync.runtime.wiring, graphsync.runtime.tenant, graphsync.engine.state\n"
        "from graphsync.config import parse_config\n"
        "from graphsync.runtime.stores import open_store\n"
        "from pathlib import Path\n"
        f"open_store(parse_config('', file=None, base=Path({str(tmp_path)!r}))).close()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('celery', 'kombu', 'redis', 'psycopg')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout
