"""Configuration: TOML files read into frozen, typed values (`Config`)."""

from graphsync.config.load import load_config, parse_config
from graphsync.config.model import Config

__all__ = ["Config", "load_config", "parse_config"]
