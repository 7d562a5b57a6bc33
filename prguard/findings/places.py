"""Where a changed file sits decides what a line in it can do: run in CI or a build, run as code, be read."""
from __future__ import annotations

import enum
import posixpath

from prguard.features import paths

_DOC_SUFFIXES = (".md", ".markdown", ".mdx", ".rst", ".txt", ".adoc", ".asciidoc", ".org", ".textile",
                 ".html", ".htm", ".ipynb", ".tex", ".pod")
_DOC_NAMES = {"readme", "changelog", "changes", "history", "install", "contributing", "authors", "news",
              "license", "copying", "notice"}
# Scripts and package metadata run by installers, shells and task runners, beyond prguard.paths' build files.
_EXECUTED_SUFFIXES = (".sh", ".bash", ".zsh", ".ps1", ".psm1", ".bat", ".cmd", ".m4", ".ac", ".am", ".in")
_EXECUTED_NAMES = {"package.json", "action.yml", "action.yaml", "setup.py", "setup.cfg", "pyproject.toml",
                   "postinstall.js", "preinstall.js", "install.js", "build.rs"}


class Place(enum.Enum):
    EXECUTED = "executed"  # CI definitions, build and install scripts, package manifests
    CODE = "code"  # the project's own source and tests: runs, but only where someone runs it
    DOCUMENTATION = "documentation"  # read by people; an installer one-liner here executes nothing


def place_of(path: str) -> Place:
    lower = path.lower()
    name = posixpath.basename(lower)
    categories = paths.categories(path)
    if (paths.CI in categories or paths.BUILD in categories or name in _EXECUTED_NAMES
            or name.endswith(_EXECUTED_SUFFIXES)):
        return Place.EXECUTED
    stem = name.split(".", 1)[0]
    if name.endswith(_DOC_SUFFIXES) or (stem in _DOC_NAMES and "." not in name):
        return Place.DOCUMENTATION
    return Place.CODE


def is_workflow(path: str) -> bool:
    lower = path.lower()
    return lower.startswith(".github/workflows/") and lower.endswith((".yml", ".yaml"))


def is_action(path: str) -> bool:
    return posixpath.basename(path.lower()) in ("action.yml", "action.yaml")


def is_actions_file(path: str) -> bool:
    """A GitHub Actions workflow or (composite) action definition: what zizmor audits."""
    return is_workflow(path) or is_action(path)


def lockfile_manifests(path: str) -> tuple[str, ...] | None:
    """The manifests ``path`` is generated from, when it is a lockfile."""
    return paths.LOCKFILES.get(posixpath.basename(path.lower()))
