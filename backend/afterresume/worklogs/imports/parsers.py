"""Turns a person's history, exported from elsewhere, into work-log entries: pure functions over
bytes, no database. `parse` never raises on bad input: every problem is a RowError naming its line,
the rows that are fine still come back, and the caller decides (it imports nothing while there
are errors)."""

from datetime import date

from .csv_format import CSV_TEMPLATE, parse_csv
from .entries import ImportedEntry, ParseResult, RowError
from .git_format import GIT_LOG_COMMAND, parse_git
from .jrnl_format import parse_jrnl
from .markdown_format import parse_markdown

__all__ = [
    "CSV_TEMPLATE",
    "FORMATS",
    "GIT_LOG_COMMAND",
    "ImportedEntry",
    "ParseResult",
    "RowError",
    "parse",
]

FORMATS = ("csv", "markdown", "jrnl", "git")


def parse(
    format: str,
    data: bytes,
    *,
    git_author_email: str = "",
    git_group: str = "day",
    today: date | None = None,
) -> ParseResult:
    """Raises ValueError for a format not in FORMATS or a `git_group` other than "day" or "commit"
    (mistakes of the caller, not of the file). Dates later than `today` + 1 day are refused; the
    spare day lets someone ahead of the server's time zone log today's work."""
    if format not in FORMATS:
        raise ValueError(f"Unknown import format {format!r}: use one of {', '.join(FORMATS)}.")
    today = today or date.today()
    try:
        # utf-8-sig drops the byte-order mark spreadsheet programs put in front of a CSV.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        message = (
            f"Line 1: the file is not UTF-8 text (byte {error.start + 1} cannot be read); "
            "save or export it as UTF-8 and upload it again."
        )
        return ParseResult((), (RowError(1, message),))
    if format == "csv":
        return parse_csv(text, today=today)
    if format == "markdown":
        return parse_markdown(text, today=today)
    if format == "jrnl":
        return parse_jrnl(text, today=today)
    return parse_git(text, author_email=git_author_email, group=git_group, today=today)
