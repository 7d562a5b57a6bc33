"""Rules on dependency files: install hooks added to manifests, lockfile entries from another host or with
a changed hash at the same version."""
from __future__ import annotations

import posixpath
import re

from prguard.findings import hosts
from prguard.findings.finding import Severity
from prguard.findings.places import lockfile_manifests
from prguard.findings.registry import FILE, rule

# npm runs these on `npm install` of the package (and of every package depending on it); "prepare" is
# left out: it is how husky and most build steps run, for the package's own developers.
_NPM_HOOK = re.compile(r'^\s*"(preinstall|install|postinstall|preuninstall|postuninstall)"\s*:\s*"(.*)"')
_SETUP_HOOK = re.compile(r"\bcmdclass\s*=|\[tool\.setuptools\.cmdclass\]|\bclass\s+\w+\s*\(\s*"
                         r"(?:_?install|develop|egg_info|build_py|build_ext|sdist|bdist_wheel)\s*\)")
_RISKY_COMMAND = re.compile(r"\b(?:curl|wget|https?://|node\s+-e|eval|base64|powershell|pwsh|bash\s+-c|"
                            r"sh\s+-c|urlopen|requests\.(?:get|post)|urllib|socket|subprocess|os\.system|"
                            r"child_process)\b"
                            r"|\|\s*(?:ba)?sh\b", re.IGNORECASE)

# Where each ecosystem's lockfiles resolve packages from (the public registries and their CDNs).
REGISTRIES = {
    "npm": ("registry.npmjs.org", "registry.yarnpkg.com", "npm.pkg.github.com", "registry.npmmirror.com"),
    "python": ("files.pythonhosted.org", "pypi.org", "pypi.python.org", "download.pytorch.org"),
    "rust": ("github.com/rust-lang/crates.io-index", "index.crates.io", "static.crates.io", "crates.io"),
    "ruby": ("rubygems.org", "index.rubygems.org"),
    "php": ("repo.packagist.org", "packagist.org", "api.github.com", "codeload.github.com"),
    "dart": ("pub.dev", "pub.dartlang.org"),
    "swift": ("github.com",),
    "elixir": ("hex.pm", "repo.hex.pm"),
    "nix": ("github.com",),
}
_ECOSYSTEM = {"package-lock.json": "npm", "npm-shrinkwrap.json": "npm", "yarn.lock": "npm",
              "pnpm-lock.yaml": "npm", "bun.lock": "npm", "poetry.lock": "python", "uv.lock": "python",
              "pdm.lock": "python",
              "pipfile.lock": "python", "cargo.lock": "rust", "gemfile.lock": "ruby", "composer.lock": "php",
              "pubspec.lock": "dart", "package.resolved": "swift", "mix.lock": "elixir", "flake.lock": "nix"}
_CODE_HOSTS = ("github.com", "codeload.github.com", "gitlab.com", "bitbucket.org")
_HASH = re.compile(r'(?:"integrity"|\bintegrity\b|\bchecksum\b|\bhash\b|"sha\w*"|\bh1:)\s*[:=]?\s*"?'
                   r'(sha\d*[-:]|h1:)?([A-Za-z0-9+/=_-]{20,})', re.IGNORECASE)
_VERSION = re.compile(r'"version"\s*:|^\s*version\s*[=:]|^\s*version\s+"|@\d+\.\d+|/-/[\w.-]+-\d+\.\d+|'
                      r'\b\d+\.\d+\.\d+\b.*\b(?:h1|tgz|whl|tar\.gz)', re.IGNORECASE)


def _hook_severity(command: str) -> Severity:
    return Severity.HIGH if _RISKY_COMMAND.search(command) else Severity.MEDIUM


@rule("install-hook", FILE, "an install hook added to a manifest (npm preinstall/postinstall, setup.py "
      "cmdclass)")
def install_hook(r, file, content):
    name = posixpath.basename(file.path.lower())
    if name == "package.json":
        for line in file.added:
            match = _NPM_HOOK.match(line.text)
            if match:
                yield r.finding(_hook_severity(match.group(2)), f"adds an npm {match.group(1)} hook",
                                f"Adds a `{match.group(1)}` script: it runs on every machine that installs "
                                "this package, before anyone reviews what it does.", path=file.path,
                                line=line.number,
                                fix="drop the hook or run the step explicitly in a documented build command",
                                identity=f"{match.group(1)}:{match.group(2)[:120]}")
    elif name in ("setup.py", "pyproject.toml", "setup.cfg"):
        added = file.added
        risky = any(_RISKY_COMMAND.search(line.text) for line in added)
        for line in added:
            if _SETUP_HOOK.search(line.text):
                reach = ", and the added code reaches the network or a shell." if risky else "."
                yield r.finding(Severity.HIGH if risky else Severity.MEDIUM, "adds a custom install command",
                                "Overrides a setuptools command, so code runs when the package is installed "
                                "or built" + reach, path=file.path, line=line.number,
                                fix="build with the standard backend; move extra steps out of install",
                                identity=line.text.strip()[:120])
                return


def _registry_hosts(file) -> tuple[str, ...]:
    return REGISTRIES.get(_ECOSYSTEM.get(posixpath.basename(file.path.lower()), ""), ())


def _is_registry(host: str, path: str, known: tuple[str, ...]) -> bool:
    where = host + path
    return any(where.startswith(k) or host.endswith("." + k.split("/")[0]) for k in known)


@rule("lockfile-foreign-host", FILE, "a lockfile entry resolved from a host that is not the package registry")
def lockfile_foreign_host(r, file, content):
    manifests = lockfile_manifests(file.path)
    if not manifests:
        return
    known = _registry_hosts(file)
    seen = {host for h in file.hunks for line in (*h.removed, *h.context)
            for host, _ in hosts.urls(line.text)}
    directory = posixpath.dirname(file.path.lower())
    manifest_changed = any(posixpath.join(directory, m) in content.changed_paths for m in manifests)
    reported: set[str] = set()
    for line in file.added:
        for host, path in hosts.urls(line.text):
            if host in reported or host in seen or _is_registry(host, path, known):
                continue
            reported.add(host)
            if host in _CODE_HOSTS or manifest_changed:
                severity = Severity.MEDIUM
                why = "a code host rather than the registry" if host in _CODE_HOSTS else "not the registry"
            else:
                severity, why = Severity.HIGH, "not the registry, and the manifest did not change"
            yield r.finding(severity, f"resolves a dependency from {host}",
                            f"A lockfile entry now downloads from {host} ({why}): installs will fetch code "
                            "from there, and lockfile diffs are rarely read.", path=file.path,
                            line=line.number,
                            fix="regenerate the lockfile from the registry with the package manager",
                            identity=host)


def _hashes(lines) -> list[tuple[str, str, int]]:
    """(algorithm prefix, value, line number) of each hash on ``lines``."""
    found = []
    for line in lines:
        match = _HASH.search(line.text)
        if match:
            found.append(((match.group(1) or "").lower().rstrip("-:"), match.group(2), line.number))
    return found


def _go_sum(lines) -> dict[tuple[str, str], tuple[str, int]]:
    found = {}
    for line in lines:
        parts = line.text.split()
        if len(parts) == 3 and parts[2].startswith("h1:"):
            found[(parts[0], parts[1])] = (parts[2], line.number)
    return found


@rule("lockfile-hash-change", FILE, "a lockfile hash that changes while the version stays the same")
def lockfile_hash_change(r, file, content):
    if not lockfile_manifests(file.path):
        return
    message = ("The recorded hash of a package changes while its version does not: the same version now "
               "points at different content.")
    fix = "restore the registry's hash, or bump the version if the content really changed"
    if posixpath.basename(file.path.lower()) == "go.sum":
        before, after = _go_sum(file.removed), _go_sum(file.added)
        for key in sorted(set(before) & set(after)):
            if before[key][0] != after[key][0]:
                yield r.finding(Severity.HIGH, f"changes the hash of {key[0]} {key[1]}", message,
                                path=file.path, line=after[key][1], fix=fix, identity=" ".join(key))
        return
    for hunk in file.hunks:
        if any(_VERSION.search(line.text) for line in (*hunk.added, *hunk.removed)):
            continue  # a version moved in this hunk: a new hash is expected
        before = _hashes(hunk.removed)
        old_values, old_algorithms = {v for _, v, _ in before}, {a for a, _, _ in before}
        # sha1 -> sha512 (a lockfile format upgrade) is a new algorithm, not new content.
        changed = [(value, number) for algo, value, number in _hashes(hunk.added)
                   if value not in old_values and algo in old_algorithms]
        if changed:
            value, number = changed[0]
            yield r.finding(Severity.HIGH, "changes a package hash without a version change", message,
                            path=file.path, line=number, fix=fix, identity=value[:48])
