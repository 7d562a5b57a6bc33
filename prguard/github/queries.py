"""GraphQL queries the fetch job sends (validated against GitHub's published schema in the tests)."""

# One page of a repository's pull requests, newest update first, with everything the features need:
# sizes, author association, labels, commit count and up to 100 changed files per PR. The REST list
# would need one extra request per PR for its files; this returns a page of PRs in one request.
# Page sizes above ~50 with 100 files each risk GitHub's GraphQL timeouts, so callers pick 25-100.
PULL_REQUEST_PAGE = """
query PullRequestPage($owner: String!, $name: String!, $first: Int!, $after: String) {
  rateLimit { cost remaining resetAt }
  repository(owner: $owner, name: $name) {
    nameWithOwner
    defaultBranchRef { name }
    pullRequests(first: $first, after: $after, states: [OPEN, CLOSED, MERGED],
                 orderBy: {field: UPDATED_AT, direction: DESC}) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        number
        title
        body
        url
        state
        isDraft
        locked
        author { __typename login }
        authorAssociation
        createdAt
        updatedAt
        closedAt
        mergedAt
        additions
        deletions
        changedFiles
        commits { totalCount }
        labels(first: 50) { nodes { name } }
        baseRefName
        baseRefOid
        headRefName
        headRefOid
        baseRepository { nameWithOwner defaultBranchRef { name } }
        headRepository { nameWithOwner }
        files(first: 100) {
          totalCount
          pageInfo { hasNextPage }
          nodes { path additions deletions changeType }
        }
      }
    }
  }
}
"""
