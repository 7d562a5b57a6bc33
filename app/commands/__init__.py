"""CLI commands of the service (registered as prguard.commands entry points)."""
