"""The shared JSON-lines reader: blank lines skipped, bad lines named by number with what is wrong."""
from __future__ import annotations

import pytest

from prguard.data.jsonlines import BadLine, numbered_lines, parse_object, read_objects


def test_objects_are_read_and_blank_lines_skipped_but_counted():
    lines = ['{"number": 1}\n', "\n", '{"number": 2}\n']
    assert list(read_objects(lines, "prs.jsonl")) == [{"number": 1}, {"number": 2}]
    assert [n for n, _ in numbered_lines(lines)] == [1, 3]


@pytest.mark.parametrize("line, message", [
    ('{"number": 1', "not valid JSON"),
    ("[1, 2]", "got list"),
    ('"text"', "got str"),
])
def test_a_bad_line_says_what_is_wrong(line, message):
    with pytest.raises(BadLine, match=message):
        parse_object(line)


def test_read_objects_names_the_file_and_line_of_the_first_bad_line():
    with pytest.raises(BadLine, match=r"^prs.jsonl line 3: not valid JSON .*one GitHub pull request object per line$"):
        list(read_objects(['{"a": 1}', "", "{oops"], "prs.jsonl"))
