"""What every command needs from the command line: the config (or the embedded defaults)."""

from __future__ import annotations

from pathlib import Path

import click

from graphsync.config import Config, load_config, parse_config

DEFAULT_CONFIG = "graphsync.toml"


def cli_config(ctx: click.Context) -> Config:
    """The config named by --config / $GRAPHSYNC_CONFIG; with neither given and no ./graphsync.toml, the
    embedded defaults (embedded NAV in ./nav.sqlite, the sandbox on 127.0.0.1:8765), so that a newcomer can
    try commands before writing a config. A config file that was named explicitly must exist."""
    root = ctx.find_root()
    obj = root.obj or {}
    cached = obj.get("config")
    if isinstance(cached, Config):
        return cached
    path = Path(obj.get("config_path", DEFAULT_CONFIG))
    named = path != Path(DEFAULT_CONFIG)
    config = load_config(path) if named or path.exists() else parse_config("", file=None, base=Path.cwd())
    obj["config"] = config
    return config
