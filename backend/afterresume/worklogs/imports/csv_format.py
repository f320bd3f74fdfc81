"""CSV: a header row naming the columns, then one entry per record."""

import csv
import io
import re
from datetime import date

from .entries import ParseResult, RowError, checked_entry, date_problem, number_repeats, parse_iso_date

COLUMNS = ("date", "content", "employer", "project", "tags")
REQUIRED = ("date", "content")
TAG_SEPARATOR = re.compile(r"[,;]")

CSV_TEMPLATE = (
    "date,content,employer,project,tags\r\n"
    '2025-03-03,"Cut the nightly billing job from 40 to 12 minutes by batching the invoice queries.",'
    'Acme,Billing,"performance, postgresql"\r\n'
    '2025-03-04,"Ran the review of the 2 March outage.\nWrote up three follow-ups and assigned owners.",'
    'Acme,,"incident response; writing"\r\n'
)


def records(text: str):
    """(line where the record starts, cells) for each record. The reader's `line_num` is the line a
    record *ends* on (a quoted cell can span lines), so a record starts one line after the last."""
    # strict: a quote left open would otherwise swallow the rest of the file into one cell, silently.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    end_of_previous = 0
    try:
        for cells in reader:
            yield end_of_previous + 1, cells
            end_of_previous = reader.line_num
    except csv.Error as error:
        yield end_of_previous + 1, error


def is_blank(cells: list[str]) -> bool:
    return not any(cell.strip() for cell in cells)


def header_columns(line: int, cells: list[str]) -> tuple[list[str], list[RowError], bool]:
    """The lower-cased column names, the header's errors, and whether rows can be read at all
    (not without `date` and `content`, nor when a column is named twice)."""
    names = [cell.strip().lower() for cell in cells]
    errors = []
    unknown = [name for name in names if name not in COLUMNS]
    if unknown:
        listed = ", ".join(f"'{name}'" for name in unknown)
        errors.append(
            RowError(line, f"Line {line}: unknown column(s) {listed}; the columns are {', '.join(COLUMNS)}.")
        )
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        errors.append(
            RowError(
                line, f"Line {line}: the header has no {' or '.join(missing)} column; both are required."
            )
        )
    repeated = sorted({name for name in names if name in COLUMNS and names.count(name) > 1})
    if repeated:
        errors.append(
            RowError(line, f"Line {line}: the column(s) {', '.join(repeated)} appear more than once.")
        )
    return names, errors, not missing and not repeated


def parse_csv(text: str, *, today: date) -> ParseResult:
    """Unknown columns are reported but do not stop the rows from being read, so the person sees
    every problem at once; a missing `date` or `content` column does."""
    entries, errors = [], []
    columns = None
    for line, cells in records(text):
        if isinstance(cells, csv.Error):
            errors.append(
                RowError(
                    line,
                    f"Line {line}: this row is not valid CSV ({cells}); check that each quoted cell has its closing quote.",
                )
            )
            break
        if is_blank(cells):
            continue
        if columns is None:
            columns, header_errors, readable = header_columns(line, cells)
            errors.extend(header_errors)
            if not readable:
                break
            continue
        extra = cells[len(columns) :]
        if not is_blank(extra):
            errors.append(
                RowError(
                    line,
                    f"Line {line}: this row has {len(cells)} cells but the header names {len(columns)} columns.",
                )
            )
            continue
        # A short row (a spreadsheet dropping trailing empty cells) leaves the last columns empty.
        row = dict(zip(columns, cells, strict=False))
        when = parse_iso_date(row.get("date", ""))
        if when is None:
            errors.append(RowError(line, f"Line {line}: {date_problem(row.get('date', ''))}"))
            continue
        entry, row_errors = checked_entry(
            format="csv",
            where=f"Line {line}",
            line=line,
            date=when,
            content=row.get("content", ""),
            employer=row.get("employer", ""),
            project=row.get("project", ""),
            tags=TAG_SEPARATOR.split(row.get("tags", "")),
            today=today,
        )
        errors.extend(row_errors)
        if entry:
            entries.append(entry)
    if columns is None and not errors:
        errors.append(
            RowError(
                1, f"Line 1: the file is empty; the first row must name the columns ({', '.join(COLUMNS)})."
            )
        )
    return ParseResult(number_repeats(entries), tuple(errors))
