"""Where GitHub's APIs live for a configured base URL (github.com or GitHub Enterprise Server)."""
from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from prguard import __version__

USER_AGENT = f"PRGuard/{__version__}"


def rest_base_url(api_url: str) -> str:
    """The REST root without a trailing slash: ``https://api.github.com`` or ``https://HOST/api/v3``."""
    return api_url.rstrip("/")


def graphql_url(api_url: str) -> str:
    """The GraphQL endpoint that belongs to the REST root ``api_url``.

    github.com serves REST at https://api.github.com and GraphQL at https://api.github.com/graphql;
    GitHub Enterprise Server serves REST at https://HOST/api/v3 and GraphQL at https://HOST/api/graphql
    (a sibling of /v3, not a child of it). Any other root (a proxy, a test server) gets ``/graphql``.
    """
    parts = urlsplit(rest_base_url(api_url))
    path = parts.path
    if path.endswith("/api/v3"):
        path = path[: -len("/v3")] + "/graphql"
    else:
        path = path + "/graphql"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))
