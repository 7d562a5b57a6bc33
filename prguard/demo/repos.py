"""Demo repositories: per-ecosystem norms and real-looking file trees for the synthetic PR generator."""
from __future__ import annotations

import dataclasses
import random

WORDS = ("auth", "cache", "config", "client", "server", "parser", "router", "session", "storage", "metrics",
         "events", "billing", "search", "upload", "render", "scheduler", "queue", "models", "utils", "api",
         "users", "orders", "payments", "notify", "export", "import", "graph", "index", "logging", "retry")
COMPONENTS = ("Button", "Modal", "Sidebar", "Header", "Table", "Chart", "Form", "Avatar", "Toast", "Menu",
              "Dropdown", "Tabs", "Card", "Footer", "Editor", "Preview", "Upload", "Search", "Badge")


@dataclasses.dataclass(frozen=True)
class RepoKind:
    """How PRs in one kind of repository usually look."""

    name: str
    ecosystem: str
    language: str
    files_median: float  # median files changed by an ordinary feature/fix PR
    files_sigma: float  # lognormal spread of that count
    lines_per_file: float  # median changed lines per file
    activity: float  # relative share of the generated PRs
    default_branch: str
    maintainers: int


KINDS = (
    RepoKind("platform", "monorepo", "Go", 6.0, 1.4, 35, 3.0, "main", 9),
    RepoKind("tinyparse", "python", "Python", 1.5, 0.8, 18, 1.0, "main", 2),
    RepoKind("storefront", "js", "TypeScript", 3.0, 1.1, 28, 2.0, "main", 5),
    RepoKind("edge-proxy", "go", "Go", 2.0, 1.0, 30, 1.5, "master", 4),
    RepoKind("rcli", "rust", "Rust", 2.0, 1.0, 26, 0.8, "main", 3),
    RepoKind("handbook", "docs", "HTML", 1.3, 0.8, 12, 0.7, "main", 3),
)
ORGS = ("northwind", "acme-labs", "orbital-io", "bluefin-dev", "kestrel-hq", "quartzbase")


@dataclasses.dataclass(frozen=True)
class Tree:
    """The files of a repository, grouped by what a PR does with them."""

    code: tuple[str, ...]
    tests: tuple[str, ...]
    docs: tuple[str, ...]
    assets: tuple[str, ...]
    workflows: tuple[str, ...]
    build: tuple[str, ...]
    deps: tuple[tuple[str, str], ...]  # (manifest, lockfile) pairs
    fixtures_dir: str


def _python(rng: random.Random, name: str) -> Tree:
    pkg = name.replace("-", "_")
    modules = rng.sample(WORDS, 14)
    return Tree(
        code=tuple(f"src/{pkg}/{m}.py" for m in modules) + (f"src/{pkg}/__init__.py",),
        tests=tuple(f"tests/test_{m}.py" for m in modules) + ("tests/conftest.py",),
        docs=("README.md", "CHANGELOG.md", "docs/index.md", "docs/usage.md", "docs/api.md"),
        assets=("docs/img/overview.png", "docs/img/logo.svg"),
        workflows=(".github/workflows/ci.yml", ".github/workflows/release.yml"),
        build=("Makefile", "noxfile.py"),
        deps=(("pyproject.toml", "poetry.lock"),),
        fixtures_dir="tests/data",
    )


def _js(rng: random.Random, name: str) -> Tree:
    comps = rng.sample(COMPONENTS, 14)
    hooks = rng.sample(WORDS, 8)
    return Tree(
        code=tuple(f"src/components/{c}/{c}.tsx" for c in comps)
        + tuple(f"src/hooks/use{h.title()}.ts" for h in hooks)
        + tuple(f"src/api/{h}.ts" for h in hooks) + ("src/App.tsx", "src/index.tsx", "src/styles/theme.css"),
        tests=tuple(f"src/components/{c}/{c}.test.tsx" for c in comps) + ("e2e/checkout.spec.ts",),
        docs=("README.md", "CHANGELOG.md", "docs/architecture.md"),
        assets=("public/img/hero.png", "public/favicon.ico", "public/img/banner.jpg", "src/assets/logo.svg"),
        workflows=(".github/workflows/ci.yml", ".github/workflows/deploy.yml"),
        build=("webpack.config.js", "Dockerfile", "scripts/build.sh"),
        deps=(("package.json", "package-lock.json"),),
        fixtures_dir="e2e/fixtures",
    )


def _go(rng: random.Random, name: str, root: str = "") -> Tree:
    pkgs = rng.sample(WORDS, 9)
    code = [f"{root}internal/{p}/{f}.go" for p in pkgs for f in (p, "types", "handler")[: rng.randint(1, 3)]]
    return Tree(
        code=tuple(code) + (f"{root}cmd/{name}/main.go", f"{root}pkg/version/version.go"),
        tests=tuple(f"{root}internal/{p}/{p}_test.go" for p in pkgs),
        docs=(f"{root}README.md", f"{root}docs/operations.md", "CONTRIBUTING.md"),
        assets=(f"{root}docs/diagram.png",),
        workflows=(".github/workflows/ci.yml", ".github/workflows/release.yml", ".github/workflows/lint.yml"),
        build=(f"{root}Makefile", f"{root}Dockerfile", f"{root}scripts/release.sh"),
        deps=((f"{root}go.mod", f"{root}go.sum"),),
        fixtures_dir=f"{root}internal/{pkgs[0]}/testdata",
    )


def _rust(rng: random.Random, name: str) -> Tree:
    mods = rng.sample(WORDS, 10)
    return Tree(
        code=tuple(f"src/{m}.rs" for m in mods) + ("src/main.rs", "src/lib.rs", "src/cli/args.rs"),
        tests=tuple(f"tests/{m}.rs" for m in mods[:6]),
        docs=("README.md", "CHANGELOG.md", "docs/config.md"),
        assets=("assets/demo.gif",),
        workflows=(".github/workflows/ci.yml", ".github/workflows/release.yml"),
        build=("build.rs", "justfile"),
        deps=(("Cargo.toml", "Cargo.lock"),),
        fixtures_dir="tests/fixtures",
    )


def _docs(rng: random.Random, name: str) -> Tree:
    sections = ("guides", "reference", "onboarding", "policies", "howto")
    pages = [f"content/{s}/{w}.md" for s in sections for w in rng.sample(WORDS, 6)]
    return Tree(
        code=("layouts/_default/single.html", "layouts/partials/nav.html", "assets/css/main.scss"),
        tests=("tests/links.spec.js",),
        docs=tuple(pages),
        assets=tuple(f"static/img/{w}.png" for w in rng.sample(WORDS, 8)),
        workflows=(".github/workflows/publish.yml",),
        build=("Makefile",),
        deps=(("package.json", "package-lock.json"),),
        fixtures_dir="tests/fixtures",
    )


def _monorepo(rng: random.Random, name: str) -> Tree:
    trees = [_go(rng, svc, f"services/{svc}/") for svc in rng.sample(WORDS, 5)]
    web = _js(rng, "web")
    prefix = "web/"
    infra = tuple(f"infra/terraform/{w}.tf" for w in rng.sample(WORDS, 6))
    return Tree(
        code=tuple(p for t in trees for p in t.code) + tuple(prefix + p for p in web.code) + infra,
        tests=tuple(p for t in trees for p in t.tests) + tuple(prefix + p for p in web.tests),
        docs=("README.md", "docs/adr/0001-monorepo.md", "docs/runbooks/oncall.md")
        + tuple(p for t in trees for p in t.docs[:1]),
        assets=tuple(prefix + p for p in web.assets),
        workflows=(".github/workflows/ci.yml", ".github/workflows/deploy.yml",
                   ".github/workflows/nightly.yml", ".github/actions/setup/action.yml"),
        build=("Makefile", "tools/bazel.sh") + tuple(p for t in trees for p in t.build),
        deps=tuple(pair for t in trees for pair in t.deps) + (("web/package.json", "web/package-lock.json"),),
        fixtures_dir=trees[0].fixtures_dir,
    )


_BUILDERS = {"python": _python, "js": _js, "go": _go, "rust": _rust, "docs": _docs, "monorepo": _monorepo}


def tree_for(kind: RepoKind, rng: random.Random) -> Tree:
    return _BUILDERS[kind.ecosystem](rng, kind.name)


DEP_NAMES = {"python": ("requests", "pydantic", "click", "urllib3", "attrs"),
             "js": ("react", "lodash", "axios", "webpack", "typescript", "eslint"),
             "go": ("golang.org/x/net", "github.com/spf13/cobra", "google.golang.org/grpc"),
             "rust": ("serde", "tokio", "clap", "anyhow"),
             "docs": ("hugo-bin", "postcss", "autoprefixer"),
             "monorepo": ("golang.org/x/net", "google.golang.org/grpc", "react", "axios")}

# The legitimate way CI installs tools sometimes looks exactly like the attack (curl ... | sh).
LEGIT_INSTALL = ("curl -sSfL https://raw.githubusercontent.com/golangci/golangci-lint/master/install.sh | "
                 "sh -s -- -b $(go env GOPATH)/bin v1.55.2",
                 "curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y",
                 "curl -LsSf https://astral.sh/uv/install.sh | sh")
EVIL_HOSTS = ("pastebin-cdn.net", "gh-actions-cache.com", "raw.githubusercontents.net",
              "cdn.jsdelivr-mirror.org")

# Workflows maintainers add: tag-pinned official actions, the token for GitHub's own API, publishing
# through trusted publishing. New files with secrets and network calls, and not attacks.
LEGIT_WORKFLOWS = (
    ("docs.yml", "name: Docs\non:\n  push:\n    branches: [main]\npermissions:\n  contents: write\njobs:\n"
                 "  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
                 "      - uses: actions/setup-python@v5\n        with:\n          python-version: \"3.12\"\n"
                 "      - run: pip install mkdocs-material && mkdocs gh-deploy --force\n"),
    ("release.yml", "name: Release\non:\n  push:\n    tags: [\"v*\"]\npermissions:\n  contents: write\n"
                    "  id-token: write\njobs:\n  publish:\n    runs-on: ubuntu-latest\n    steps:\n"
                    "      - uses: actions/checkout@v4\n      - run: pipx run build\n"
                    "      - uses: pypa/gh-action-pypi-publish@release/v1\n      - name: GitHub release\n"
                    "        run: gh release create \"$GITHUB_REF_NAME\" dist/* --generate-notes\n"
                    "        env:\n          GH_TOKEN: ${{ github.token }}\n"),
    ("coverage.yml", "name: Coverage\non: [pull_request]\njobs:\n  cov:\n    runs-on: ubuntu-latest\n"
                     "    steps:\n      - uses: actions/checkout@v4\n      - run: make coverage\n"
                     "      - uses: codecov/codecov-action@e28ff129e5465c2c0dcc6f003fc735cb6ae0c673\n"
                     "        with:\n          token: ${{ secrets.CODECOV_TOKEN }}\n"),
)
