"""`.github/prguard.yml` parsing: a valid file, and every kind of error names its line and key."""
from __future__ import annotations

import pytest

from prguard.repo_config import ConfigFileError, parse, validate
from prguard.repo_config.parse import MAX_CONFIG_BYTES

VALID = """\
# PRGuard settings for this repository
unusual_conclusion: failure
finding_severity: medium
disabled_rules: [encoded-blob, zizmor/artipacked]
ignore_paths:
  - "vendor/**"
  - "**/*.generated.go"
  - dist/
skip_authors: ["dependabot[bot]"]
trust_authors: [Release-Bot]
sensitivity: 2
"""


def error_of(text: str) -> ConfigFileError:
    with pytest.raises(ConfigFileError) as caught:
        validate(text)
    return caught.value


def test_a_valid_file_sets_every_key_over_the_defaults(settings):
    config = parse(VALID, settings)
    assert (config.unusual_conclusion, config.finding_severity, config.sensitivity) == ("failure", "medium", 2.0)
    assert config.rule_disabled("prguard/encoded-blob") and config.rule_disabled("zizmor/artipacked")
    assert not config.rule_disabled("prguard/pipe-to-shell") and not config.rule_disabled("zizmor/encoded-blob")
    assert config.ignores("vendor/a/b.js") and config.ignores("api/x.generated.go")
    assert config.ignores("x.generated.go") and config.ignores("dist/app.min.js")
    assert not config.ignores("src/vendor.py") and not config.ignores("src/dist/x")
    assert config.skips("Dependabot[bot]") and not config.skips("octocat") and not config.skips(None)
    assert config.trusts("release-bot") and not config.trusts("dependabot[bot]")


def test_an_empty_file_and_keys_left_out_keep_the_service_defaults(settings):
    tuned = settings.replace(unusual_conclusion="action_required", finding_severity="low")
    for text in ("", "# nothing yet\n", "sensitivity: 0.5\n"):
        config = parse(text, tuned)
        assert (config.unusual_conclusion, config.finding_severity) == ("action_required", "low")
        assert config.ignore_paths == () and config.disabled_rules == ()


@pytest.mark.parametrize("text, line, key, expected", [
    ("finding_severity: high\nunusual_conclusion: red\n", 2, "unusual_conclusion",
     "one of neutral, failure, action_required"),
    ("sensitivity: 9\n", 1, "sensitivity", "a number from 0.5 to 4"),
    ("sensitivity: lots\n", 1, "sensitivity", "a number"),
    ("ignore_paths: vendor/**\n", 1, "ignore_paths", "a list"),
    ("skip_authors:\n  - octocat\n  - \"not a login!\"\n", 3, "skip_authors[1]", "a GitHub login"),
    ("disabled_rules: [Pipe To Shell]\n", 1, "disabled_rules[0]", "a rule id"),
    ("finding_severity: low\nsenstivity: 2\n", 2, "senstivity", "one of the known keys: disabled_rules"),
    ("- a list\n", 1, "(top level)", "a mapping of settings"),
    ("ignore_paths: [\n", 2, "(syntax)", "valid YAML"),
])
def test_an_invalid_file_names_the_line_the_key_and_what_is_expected(text, line, key, expected):
    error = error_of(text)
    assert (error.line, error.key) == (line, key)
    assert error.expected.startswith(expected), error.expected


def test_anchors_and_aliases_are_refused_before_anything_expands():
    bomb = "a: &a [x, x, x]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\n"
    error = error_of(bomb)
    assert (error.line, error.key) == (1, "(anchor)") and "aliases" in error.expected


def test_a_file_over_the_size_cap_is_refused_unread():
    error = error_of("# " + "x" * MAX_CONFIG_BYTES + "\n")
    assert error.key == "(file)" and "64 KB" in error.expected
