"""GitHub's limits that PRGuard's code depends on, each written once (from GitHub's REST and webhook docs)."""
from __future__ import annotations

# Webhooks: GitHub does not send payloads above 25 MB.
WEBHOOK_MAX_BYTES = 25 * 1024 * 1024
# "List pull request files" stops after 3000 files; more cannot be known through the API.
PULL_REQUEST_MAX_FILES = 3000
# Check runs ("Create a check run"): output text fields up to 65535 characters, 50 annotations a request.
CHECK_RUN_TEXT_MAX_CHARS = 65535
CHECK_RUN_ANNOTATIONS_PER_REQUEST = 50
