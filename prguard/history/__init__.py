"""PR history from GitHub into the store: one implementation for `prguard fetch` and the backfills."""
from prguard.history.fetch import DEFAULT_PAGE_SIZE, FetchReport, FetchStopped, RepositoryFetch

__all__ = ["DEFAULT_PAGE_SIZE", "FetchReport", "FetchStopped", "RepositoryFetch"]
