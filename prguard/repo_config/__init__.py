"""Per-repository settings from `.github/prguard.yml`: schema, parsing, resolution with the org fallback."""
from prguard.repo_config.parse import CONFIG_PATH, ConfigFileError, RepoConfig, parse, validate

__all__ = ["CONFIG_PATH", "ConfigFileError", "RepoConfig", "parse", "validate"]
