"""Data at rest: object storage, versioned feature sets, JSON lines of PRs and their import."""
