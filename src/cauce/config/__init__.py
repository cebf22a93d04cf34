"""Configuration: the ``cauce.yml`` file that describes connections and syncs.

``load_config(find_config(None))`` returns a fully validated :class:`Config`
or raises :class:`~cauce.errors.ConfigError` listing every problem in the
file with its line and key path.
"""

from cauce.config.loader import CONFIG_ENV_VAR, DEFAULT_FILE_NAME, find_config, load_config
from cauce.config.models import (
    DEFAULT_STORE_URL,
    Config,
    ConnectionConfig,
    DestinationRef,
    MirrorOptions,
    SourceRef,
    StoreConfig,
    SyncConfig,
)

__all__ = [
    "CONFIG_ENV_VAR",
    "DEFAULT_FILE_NAME",
    "DEFAULT_STORE_URL",
    "Config",
    "ConnectionConfig",
    "DestinationRef",
    "MirrorOptions",
    "SourceRef",
    "StoreConfig",
    "SyncConfig",
    "find_config",
    "load_config",
]
