"""Path rules: which changed files are security-sensitive (CI, build, dependencies, binaries, policy)."""
from __future__ import annotations

import functools
import posixpath
import re

CI = "ci"
BUILD = "build"
MANIFEST = "manifest"
LOCKFILE = "lockfile"
BINARY = "binary"
POLICY = "policy"

# CI definitions run with repository secrets, so a change to them is the classic supply-chain entry point.
_CI_PREFIXES = (".github/workflows/", ".github/actions/", ".circleci/", ".buildkite/", ".gitlab/ci/",
                ".azure-pipelines/", ".woodpecker/")
_CI_NAMES = {".gitlab-ci.yml", ".travis.yml", "azure-pipelines.yml", "jenkinsfile", "appveyor.yml",
             ".drone.yml", "bitbucket-pipelines.yml", ".cirrus.yml", "cloudbuild.yaml", "cloudbuild.yml"}

# Files executed while building or installing the project.
_BUILD_NAMES = {"makefile", "gnumakefile", "cmakelists.txt", "build.gradle", "build.gradle.kts",
                "settings.gradle", "settings.gradle.kts", "gradlew", "mvnw", "build.sbt", "build",
                "build.bazel", "workspace", "workspace.bazel", "meson.build", "configure", "configure.ac",
                "rakefile", "gruntfile.js", "gulpfile.js", "build.rs", "setup.py", "noxfile.py", "tox.ini",
                "justfile", "taskfile.yml", "dockerfile", "containerfile", "docker-compose.yml",
                "docker-compose.yaml", "compose.yaml", "compose.yml", ".pre-commit-config.yaml"}
_BUILD_SUFFIXES = (".mk", ".cmake", ".bzl", ".sh", ".bash", ".ps1", ".dockerfile")
_BUILD_PREFIXES = ("dockerfile.",)

# Dependency manifests: what the project declares it depends on.
_MANIFEST_NAMES = {"package.json", "pyproject.toml", "setup.py", "setup.cfg", "pipfile", "go.mod",
                   "cargo.toml", "gemfile", "pom.xml", "build.gradle", "build.gradle.kts", "composer.json",
                   "mix.exs", "package.swift", "pubspec.yaml", "environment.yml", "deno.json", "flake.nix",
                   "requirements.in", "packages.config", "vcpkg.json", "conanfile.txt", "conanfile.py"}
_MANIFEST_PATTERNS = (re.compile(r"requirements[\w.-]*\.txt$"), re.compile(r"[\w.-]+\.gemspec$"),
                      re.compile(r"[\w.-]+\.(cs|fs|vb)proj$"))

# Lockfile -> the manifests it is generated from. A lockfile that changes while none of its manifests does
# is how dependency confusion and tampered "resolved" URLs slip in unnoticed (lockfile diffs go unread).
LOCKFILES: dict[str, tuple[str, ...]] = {
    "package-lock.json": ("package.json",),
    "npm-shrinkwrap.json": ("package.json",),
    "yarn.lock": ("package.json",),
    "pnpm-lock.yaml": ("package.json",),
    "bun.lockb": ("package.json",),
    "bun.lock": ("package.json",),
    "poetry.lock": ("pyproject.toml",),
    "uv.lock": ("pyproject.toml",),
    "pdm.lock": ("pyproject.toml",),
    "pipfile.lock": ("pipfile",),
    "go.sum": ("go.mod",),
    "cargo.lock": ("cargo.toml",),
    "gemfile.lock": ("gemfile",),
    "composer.lock": ("composer.json",),
    "mix.lock": ("mix.exs",),
    "package.resolved": ("package.swift",),
    "pubspec.lock": ("pubspec.yaml",),
    "flake.lock": ("flake.nix",),
}

# Compiled code, archives and opaque data: nobody reviews these, and they can carry payloads (the xz
# backdoor hid in binary test files). Images and fonts are ordinary assets and are left out on purpose.
_BINARY_SUFFIXES = (".exe", ".dll", ".so", ".dylib", ".bin", ".jar", ".war", ".class", ".o", ".a", ".lib",
                    ".obj", ".pyc", ".pyd", ".whl", ".egg", ".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz",
                    ".lzma", ".zst", ".7z", ".rar", ".deb", ".rpm", ".msi", ".dmg", ".iso", ".img",
                    ".wasm", ".node", ".dat", ".db", ".sqlite", ".pickle", ".pkl", ".npy", ".pt")
_ASSET_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".ico", ".bmp", ".svg", ".tiff", ".pdf",
                   ".woff", ".woff2", ".ttf", ".otf", ".eot", ".mp3", ".mp4", ".wav", ".ogg", ".webm")

_POLICY_NAMES = {"codeowners", "security.md", "security.txt", "security.rst", ".gitattributes",
                 ".gitmodules", "dependabot.yml", "dependabot.yaml", "renovate.json", "renovate.json5",
                 ".renovaterc", ".renovaterc.json"}

REASONS = {
    CI: "CI workflow or pipeline definition",
    BUILD: "build or install script",
    MANIFEST: "dependency manifest",
    LOCKFILE: "lockfile changed without its manifest",
    BINARY: "binary file (not reviewable as a diff)",
    POLICY: "repository policy file (code owners, security policy, git attributes, bots)",
}


@functools.lru_cache(maxsize=65536)  # the same paths recur across a repository's PRs
def categories(path: str) -> frozenset[str]:
    """The sensitive categories of one path (``LOCKFILE`` is decided per PR, see ``orphan_lockfiles``)."""
    lower = path.lower()
    name = posixpath.basename(lower)
    found: set[str] = set()
    if lower.startswith(_CI_PREFIXES) or name in _CI_NAMES:
        found.add(CI)
    if name in _BUILD_NAMES or name.endswith(_BUILD_SUFFIXES) or name.startswith(_BUILD_PREFIXES):
        found.add(BUILD)
    if name in _MANIFEST_NAMES or any(p.fullmatch(name) for p in _MANIFEST_PATTERNS):
        found.add(MANIFEST)
    if name.endswith(_BINARY_SUFFIXES):
        found.add(BINARY)
    # dependabot.yml configures the bot only under .github/; elsewhere it is just a file of that name.
    if name in _POLICY_NAMES and (not name.startswith("dependabot.") or lower.startswith(".github/")):
        found.add(POLICY)
    return frozenset(found)


def is_asset(path: str) -> bool:
    return path.lower().endswith(_ASSET_SUFFIXES)


def looks_binary(path: str, changes: int, status: str) -> bool:
    """Binary by extension, or GitHub's tell: zero line changes on an added/modified file (REST and GraphQL
    both count no lines for a binary file; the REST-only ``patch`` is not consulted, for parity)."""
    if BINARY in categories(path):
        return True
    if is_asset(path):
        return False
    return changes == 0 and status in ("added", "modified", "changed")


def orphan_lockfiles(paths: list[str]) -> list[str]:
    """Lockfiles in ``paths`` whose manifest (same directory) is not also in ``paths``."""
    changed = None  # built only for a PR that has a lockfile (few do)
    orphans = []
    for path in paths:
        lower = path.lower()
        manifests = LOCKFILES.get(lower.rpartition("/")[2])  # the same name posixpath.split gives
        if not manifests:
            continue
        if changed is None:
            changed = {p.lower() for p in paths}
        directory = posixpath.split(lower)[0]
        if not any(posixpath.join(directory, m) in changed for m in manifests):
            orphans.append(path)
    return orphans


def directory(path: str) -> str:
    """posixpath.dirname(path) or ".", inlined: it runs for every changed file of every PR."""
    head = path[:path.rfind("/") + 1]
    if head and head != "/" * len(head):
        head = head.rstrip("/")
    return head or "."


def top_level(path: str) -> str:
    head, _, rest = path.partition("/")
    return head if rest else "."
