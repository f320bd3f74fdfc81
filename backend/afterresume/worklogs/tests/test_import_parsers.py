"""The import parsers are pure: bytes in, entries and row errors out, no database. The expected
entries are written by hand from each fixture."""

import hashlib
import re
from datetime import date

import pytest

from afterresume.worklogs.imports import CSV_TEMPLATE, FORMATS, GIT_LOG_COMMAND, RowError, parse

TODAY = date(2026, 12, 1)
KEY = re.compile(r"(csv|markdown|jrnl):[0-9a-f]{64}")


def fields(result):
    """Everything but the source key, which is a hash and is checked on its own."""
    return [
        (entry.line, entry.date, entry.content, entry.employer, entry.project, entry.tags)
        for entry in result.entries
    ]


def keys(result):
    return [entry.source_key for entry in result.entries]


# --- CSV ---------------------------------------------------------------------------------------

SPREADSHEET_CSV = (
    "\ufeffDate,Content,Employer,Project,Tags\r\n"
    '2026-11-23,Shipped the invoice export.,Acme,Billing,"python; CSV ;Python"\r\n'
    '2026-11-24,"Paired with Sam on the flaky checkout test.\r\n'
    'Found a race in the session middleware.",Acme,Checkout,\r\n'
    ",,,,\r\n"
    "2026-11-25,Wrote the on-call handbook,,,\r\n"
).encode()


def test_csv_with_a_bom_and_a_multi_line_cell_gives_entries_starting_at_their_record_line():
    result = parse("csv", SPREADSHEET_CSV, today=TODAY)

    assert result.errors == ()
    assert fields(result) == [
        (2, date(2026, 11, 23), "Shipped the invoice export.", "Acme", "Billing", ("python", "csv")),
        (
            3,
            date(2026, 11, 24),
            "Paired with Sam on the flaky checkout test.\nFound a race in the session middleware.",
            "Acme",
            "Checkout",
            (),
        ),
        (6, date(2026, 11, 25), "Wrote the on-call handbook", "", "", ()),
    ]
    assert all(KEY.fullmatch(key) for key in keys(result))
    assert len(set(keys(result))) == 3


def test_csv_reparsed_gives_the_same_source_keys():
    assert keys(parse("csv", SPREADSHEET_CSV, today=TODAY)) == keys(
        parse("csv", SPREADSHEET_CSV, today=TODAY)
    )


def test_csv_row_keeps_its_key_when_the_file_gains_rows_and_columns_move():
    # given the same row, first alone, then after another row with the columns in another order
    alone = b"date,content,tags\n2026-11-20,Tuned the search index,search\n"
    later = (
        b"tags,content,date,employer\n"
        b"x,Something else,2026-11-19,\n"
        b"Search,Tuned the search index  ,2026-11-20,\n"
    )

    # when
    first, second = parse("csv", alone, today=TODAY), parse("csv", later, today=TODAY)

    # then
    assert keys(first)[0] == keys(second)[1]


def test_two_identical_csv_rows_get_distinct_keys_numbered_in_file_order():
    data = b"date,content\n2026-11-20,Standup\n2026-11-20,Standup\n2026-11-21,Standup\n2026-11-20,Standup\n"

    result = parse("csv", data, today=TODAY)

    first, second, other_day, third = keys(result)
    assert second == f"{first}#2"
    assert third == f"{first}#3"
    assert other_day != first and "#" not in other_day
    assert keys(parse("csv", data, today=TODAY)) == [first, second, other_day, third]


def test_csv_bad_date_and_empty_content_are_reported_by_line_and_good_rows_still_returned():
    data = (
        b"date,content,tags\n"
        b"2026-11-20,Good row one,\n"
        b"2026-13-01,Bad date row,\n"
        b"2026-11-21,,x\n"
        b"24/11/2026,Another bad date,\n"
        b"2026-11-22,Good row two,\n"
    )

    result = parse("csv", data, today=TODAY)

    assert result.errors == (
        RowError(3, "Line 3: the date '2026-13-01' is not a valid date (use YYYY-MM-DD)."),
        RowError(4, "Line 4: the entry has no text: describe what you did."),
        RowError(5, "Line 5: the date '24/11/2026' is not a valid date (use YYYY-MM-DD)."),
    )
    assert fields(result) == [
        (2, date(2026, 11, 20), "Good row one", "", "", ()),
        (6, date(2026, 11, 22), "Good row two", "", "", ()),
    ]


def test_csv_unknown_column_is_one_error_at_line_1_and_the_rows_are_still_read():
    data = b"date,content,Mood,hours\n2026-11-20,Planned the sprint,happy,2\n"

    result = parse("csv", data, today=TODAY)

    assert result.errors == (
        RowError(
            1,
            "Line 1: unknown column(s) 'mood', 'hours'; the columns are date, content, employer, project, tags.",
        ),
    )
    assert fields(result) == [(2, date(2026, 11, 20), "Planned the sprint", "", "", ())]


def test_csv_without_a_content_column_reads_no_rows():
    result = parse("csv", b"date,employer\n2026-11-20,Acme\n", today=TODAY)

    assert result.errors == (RowError(1, "Line 1: the header has no content column; both are required."),)
    assert result.entries == ()


def test_csv_row_with_more_cells_than_columns_is_an_error():
    data = b"date,content\n2026-11-20,One,two\n2026-11-21,Fine,,\n"

    result = parse("csv", data, today=TODAY)

    assert result.errors == (RowError(2, "Line 2: this row has 3 cells but the header names 2 columns."),)
    assert fields(result) == [(3, date(2026, 11, 21), "Fine", "", "", ())]


def test_csv_quote_left_open_is_an_error_at_its_record_and_earlier_rows_are_kept():
    data = b'date,content\n2026-11-20,Fine\n2026-11-21,"Never closed\n2026-11-22,Swallowed\n'

    result = parse("csv", data, today=TODAY)

    assert result.errors == (
        RowError(
            3,
            "Line 3: this row is not valid CSV (unexpected end of data); "
            "check that each quoted cell has its closing quote.",
        ),
    )
    assert fields(result) == [(2, date(2026, 11, 20), "Fine", "", "", ())]


def test_csv_with_only_blank_lines_asks_for_the_header():
    result = parse("csv", b"\n\n", today=TODAY)

    assert result.errors == (
        RowError(
            1,
            "Line 1: the file is empty; the first row must name the columns "
            "(date, content, employer, project, tags).",
        ),
    )


def test_csv_template_parses_without_errors():
    result = parse("csv", CSV_TEMPLATE.encode())

    assert result.errors == ()
    assert [entry.line for entry in result.entries] == [2, 3]
    assert result.entries[1].tags == ("incident response", "writing")


# --- limits, shared by every format ------------------------------------------------------------


def test_a_date_more_than_a_day_ahead_is_refused_and_tomorrow_is_not():
    data = b"date,content\n2026-12-02,Tomorrow in another time zone\n2026-12-03,Too far ahead\n"

    result = parse("csv", data, today=TODAY)

    assert result.errors == (
        RowError(3, "Line 3: the date 2026-12-03 is in the future: log work that has happened."),
    )
    assert [entry.line for entry in result.entries] == [2]


def test_length_limits_are_errors_naming_the_line():
    longest = "a" * 10_000
    tags = ";".join(f"t{number}" for number in range(20))
    data = (
        "date,content,employer,project,tags\n"
        f"2026-11-20,{longest},{'e' * 200},{'p' * 200},{tags}\n"
        f"2026-11-20,{longest}b,,,\n"
        f"2026-11-20,Fine,{'e' * 201},{'p' * 201},\n"
        f"2026-11-20,Fine,,,{tags};t20\n"
        f"2026-11-20,Fine,,,{'x' * 51}\n"
    ).encode()

    result = parse("csv", data, today=TODAY)

    assert result.errors == (
        RowError(3, "Line 3: the text has 10,001 characters; the limit is 10,000."),
        RowError(4, "Line 4: the employer has 201 characters; the limit is 200."),
        RowError(4, "Line 4: the project has 201 characters; the limit is 200."),
        RowError(5, "Line 5: the entry has 21 tags; the limit is 20."),
        RowError(6, f"Line 6: the tag '{'x' * 51}' has 51 characters; the limit is 50."),
    )
    assert [entry.line for entry in result.entries] == [2]
    assert len(result.entries[0].tags) == 20


# --- Markdown ----------------------------------------------------------------------------------

JOURNAL_MD = b"""# My work log

Notes before any date are ignored. #ignored

## 2026-11-24 \xe2\x80\x94 Acme / Billing
Moved invoices to the new queue. #billing #Queues
Ran `git log #notatag` to check.

```python
# 2026-01-01 is not a heading here #alsonotatag
```

### 2026-11-25
Reviewed the #billing PR with [docs](https://example.com/#anchor) and issue #123.
## 2026-11-26

## 2026-11-27
Last one.
"""


def test_markdown_dated_headings_become_entries_with_hashtags_outside_code_as_tags():
    result = parse("markdown", JOURNAL_MD, today=TODAY)

    assert result.errors == (RowError(15, "Line 15: the heading '## 2026-11-26' has no text under it."),)
    assert fields(result) == [
        (
            5,
            date(2026, 11, 24),
            "Moved invoices to the new queue. #billing #Queues\n"
            "Ran `git log #notatag` to check.\n"
            "\n"
            "```python\n"
            "# 2026-01-01 is not a heading here #alsonotatag\n"
            "```",
            "",
            "",
            ("billing", "queues"),
        ),
        (
            13,
            date(2026, 11, 25),
            "Reviewed the #billing PR with [docs](https://example.com/#anchor) and issue #123.",
            "",
            "",
            ("billing",),
        ),
        (17, date(2026, 11, 27), "Last one.", "", "", ()),
    ]
    assert all(KEY.fullmatch(key) and key.startswith("markdown:") for key in keys(result))
    assert keys(parse("markdown", JOURNAL_MD, today=TODAY)) == keys(result)


def test_markdown_heading_with_an_impossible_date_is_an_error_and_does_not_swallow_into_the_previous():
    data = b"## 2026-11-20\nFirst.\n\n## 2026-02-30 Retro\nLost text.\n# 2026-11-21\nSecond.\n"

    result = parse("markdown", data, today=TODAY)

    assert result.errors == (
        RowError(4, "Line 4: the date '2026-02-30' is not a valid date (use YYYY-MM-DD)."),
    )
    assert fields(result) == [
        (1, date(2026, 11, 20), "First.", "", "", ()),
        (6, date(2026, 11, 21), "Second.", "", "", ()),
    ]


# --- jrnl --------------------------------------------------------------------------------------

JRNL_JSON = b"""{
  "tags": {"@work": 2, "@planning": 1},
  "entries": [
    {
      "date": "2026-11-24",
      "time": "09:30",
      "title": "Planned the Q1 roadmap.",
      "body": "Met with Dana and Lee.\\nAgreed on three themes.",
      "tags": ["@work", "@Planning"],
      "starred": false
    },
    {
      "date": "2026-11-25",
      "time": "17:05",
      "title": "Fixed the login redirect loop.",
      "body": "",
      "tags": ["@work"],
      "starred": true
    }
  ]
}"""


def test_jrnl_export_gives_title_then_body_and_tags_without_the_at_sign():
    result = parse("jrnl", JRNL_JSON, today=TODAY)

    assert result.errors == ()
    assert fields(result) == [
        (
            1,
            date(2026, 11, 24),
            "Planned the Q1 roadmap.\n\nMet with Dana and Lee.\nAgreed on three themes.",
            "",
            "",
            ("work", "planning"),
        ),
        (2, date(2026, 11, 25), "Fixed the login redirect loop.", "", "", ("work",)),
    ]
    assert all(KEY.fullmatch(key) and key.startswith("jrnl:") for key in keys(result))
    assert keys(parse("jrnl", JRNL_JSON, today=TODAY)) == keys(result)


def test_jrnl_invalid_json_is_one_error_at_line_1_with_the_position():
    result = parse("jrnl", b'{"entries": [}', today=TODAY)

    assert result == type(result)(
        (),
        (
            RowError(
                1,
                "Line 1: the file is not valid JSON (Expecting value at line 1, column 14); "
                "export it again with `jrnl --export json`.",
            ),
        ),
    )


def test_jrnl_bad_entry_is_reported_by_its_position_and_the_others_kept():
    data = (
        b'{"entries": ['
        b'{"date": "2026-11-20", "title": "One.", "body": "", "tags": []},'
        b'{"date": "20/11/2026", "title": "Two.", "body": "", "tags": []},'
        b'{"date": "2026-11-22", "title": "", "body": "", "tags": []},'
        b'{"date": "2026-11-23", "title": "Four.", "body": "", "tags": []}'
        b"]}"
    )

    result = parse("jrnl", data, today=TODAY)

    assert result.errors == (
        RowError(2, "Entry 2: the date '20/11/2026' is not a valid date (use YYYY-MM-DD)."),
        RowError(3, "Entry 3: the entry has no text: describe what you did."),
    )
    assert [(entry.line, entry.content) for entry in result.entries] == [(1, "One."), (4, "Four.")]


def test_json_that_is_not_a_jrnl_export_says_so():
    result = parse("jrnl", b"[1, 2]", today=TODAY)

    assert result.errors == (
        RowError(
            1, 'Line 1: this is not a jrnl export: it has no "entries" list (use `jrnl --export json`).'
        ),
    )


# --- git ---------------------------------------------------------------------------------------

ANA_25 = "9f2c4e1a7b3d5f60182a4c6e8b0d2f4a6c8e0b1d"
BOB_25 = "1b7e3d9c5a2f4e6081c3a5e7092b4d6f8a0c2e4b"
ANA_24_LATE = "c04d8e2f6a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d"
ANA_24_EARLY = "5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f"
BOB_24 = "0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3"

GIT_LOG = (
    f"{ANA_25}\tana@example.com\t2026-11-25\tAdd the CSV import preview\n"
    f"{BOB_25}\tbob@example.com\t2026-11-25\tBump dependencies\n"
    f"{ANA_24_LATE}\tAna@Example.com\t2026-11-24\tParse jrnl exports\n"
    f"{ANA_24_EARLY}\tana@example.com\t2026-11-24\tSketch the import parsers\n"
    f"{BOB_24}\tbob@example.com\t2026-11-24\tFix a typo in the README"
).encode()


def test_git_log_command_is_the_one_the_parser_reads():
    assert GIT_LOG_COMMAND == "git log --no-merges --date=short --pretty=format:'%H%x09%ae%x09%ad%x09%s'"


def test_git_grouped_per_day_lists_one_authors_subjects_oldest_first():
    result = parse("git", GIT_LOG, git_author_email="ANA@example.com", git_group="day", today=TODAY)

    assert result.errors == ()
    assert fields(result) == [
        (1, date(2026, 11, 25), "- Add the CSV import preview", "", "", ("git",)),
        (3, date(2026, 11, 24), "- Sketch the import parsers\n- Parse jrnl exports", "", "", ("git",)),
    ]
    assert keys(result) == [
        "git:" + hashlib.sha256(b"git:day:ana@example.com:2026-11-25").hexdigest(),
        "git:" + hashlib.sha256(b"git:day:ana@example.com:2026-11-24").hexdigest(),
    ]


def test_git_grouped_per_commit_gives_one_entry_per_commit_keyed_by_its_hash():
    result = parse("git", GIT_LOG, git_author_email="ana@example.com", git_group="commit", today=TODAY)

    assert result.errors == ()
    assert fields(result) == [
        (1, date(2026, 11, 25), "Add the CSV import preview", "", "", ("git",)),
        (3, date(2026, 11, 24), "Parse jrnl exports", "", "", ("git",)),
        (4, date(2026, 11, 24), "Sketch the import parsers", "", "", ("git",)),
    ]
    assert keys(result) == [f"git:{ANA_25}", f"git:{ANA_24_LATE}", f"git:{ANA_24_EARLY}"]


def test_git_malformed_line_is_reported_and_the_good_commits_kept():
    data = (
        f"{ANA_25}\tana@example.com\t2026-11-25\tAdd the CSV import preview\n"
        "\n"
        "Merge branch 'main' of github.com:acme/app\n"
        f"{ANA_24_EARLY}\tana@example.com\t24.11.2026\tSketch the import parsers\n"
        f"{ANA_24_LATE}\tana@example.com\t2026-11-24\tParse jrnl exports\n"
    ).encode()

    result = parse("git", data, git_author_email="ana@example.com", git_group="commit", today=TODAY)

    assert result.errors == (
        RowError(
            3,
            "Line 3: expected a hash, an e-mail, a date and a subject separated by tabs; "
            f"make the log with {GIT_LOG_COMMAND}",
        ),
        RowError(4, "Line 4: the date '24.11.2026' is not a valid date (use YYYY-MM-DD)."),
    )
    assert [(entry.line, entry.content) for entry in result.entries] == [
        (1, "Add the CSV import preview"),
        (5, "Parse jrnl exports"),
    ]


def test_git_without_an_author_email_asks_for_it():
    result = parse("git", GIT_LOG, today=TODAY)

    assert result.entries == ()
    assert result.errors == (
        RowError(1, "Line 1: give the author e-mail whose commits to import (git config user.email)."),
    )


def test_git_with_an_email_nobody_used_names_the_authors_found():
    result = parse("git", GIT_LOG, git_author_email="cy@example.com", today=TODAY)

    assert result.entries == ()
    assert result.errors == (
        RowError(
            1,
            "Line 1: no commit in this log is by cy@example.com; its authors are ana@example.com, bob@example.com.",
        ),
    )


# --- any format --------------------------------------------------------------------------------


def test_unknown_format_is_a_value_error():
    with pytest.raises(ValueError, match="Unknown import format 'xlsx'"):
        parse("xlsx", b"")


def test_every_format_reports_undecodable_bytes_as_one_error_at_line_1():
    for format in FORMATS:
        result = parse(format, b"date,content\n2026-11-20,caf\xe9\n", git_author_email="a@b.c", today=TODAY)

        assert result.entries == ()
        assert result.errors == (
            RowError(
                1,
                "Line 1: the file is not UTF-8 text (byte 28 cannot be read); "
                "save or export it as UTF-8 and upload it again.",
            ),
        )
