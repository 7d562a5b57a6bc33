"""CLI commands of the batch jobs (registered as prguard.commands entry points)."""
