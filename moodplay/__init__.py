"""The moodplay app: config, the command line and (later) the daemon that composes the rooms."""

from moodplay._config import Config, ConfigError, load_config, parse_config

__all__ = ["Config", "ConfigError", "load_config", "parse_config"]
