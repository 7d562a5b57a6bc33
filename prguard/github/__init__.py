"""GitHub access: App auth (JWT + installation tokens), the one HTTP core with retries, the API calls."""
from prguard.github.api import GitHubClient, TokenClient, split_repo
from prguard.github.app import GitHubApp
from prguard.github.client import HttpCore
from prguard.github.endpoints import USER_AGENT, graphql_url
from prguard.github.errors import GitHubAuthError, GitHubError, GitHubGraphQLError, RateLimitWaitTooLong
from prguard.github.ratelimit import RetryPolicy

__all__ = [
    "GitHubApp", "GitHubClient", "TokenClient", "HttpCore", "RetryPolicy", "USER_AGENT", "graphql_url",
    "split_repo", "GitHubError", "GitHubAuthError", "GitHubGraphQLError", "RateLimitWaitTooLong",
]
