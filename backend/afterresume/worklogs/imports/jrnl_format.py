"""jrnl's JSON export (`jrnl --export json`): {"tags": {...}, "entries": [{"date", "time", "title",
"body", "tags", "starred"}, ...]}."""

import json
from datetime import date

from .entries import ParseResult, RowError, checked_entry, date_problem, number_repeats, parse_iso_date


def entry_content(title: str, body: str) -> str:
    """The title, then a blank line and the body when there is one (jrnl splits an entry's first
    sentence off as its title; joined back, the text reads as it was written)."""
    return "\n\n".join(part for part in (title.strip(), body.strip()) if part)


def jrnl_tag(name: str) -> str:
    """jrnl keeps the tag symbol (`@` by default, `#` if so configured); the entry keeps the word."""
    return name[1:] if name[:1] in ("@", "#") else name


def parse_jrnl(text: str, *, today: date) -> ParseResult:
    """A JSON export has no useful line numbers (it may be a single line), so an entry's `line` is
    its 1-based position in the `entries` array, and its messages say "Entry N"."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        return ParseResult(
            (),
            (
                RowError(
                    1,
                    f"Line 1: the file is not valid JSON ({error.msg} at line {error.lineno}, "
                    f"column {error.colno}); export it again with `jrnl --export json`.",
                ),
            ),
        )
    raw_entries = document.get("entries") if isinstance(document, dict) else None
    if not isinstance(raw_entries, list):
        message = 'Line 1: this is not a jrnl export: it has no "entries" list (use `jrnl --export json`).'
        return ParseResult((), (RowError(1, message),))
    entries, errors = [], []
    for position, raw in enumerate(raw_entries, start=1):
        where = f"Entry {position}"
        if not isinstance(raw, dict):
            errors.append(RowError(position, f"{where}: is not an object with a date, a title and a body."))
            continue
        title, body, tags = raw.get("title", ""), raw.get("body", ""), raw.get("tags", [])
        date_text = raw.get("date", "")
        if not all(isinstance(value, str) for value in (title, body, date_text)):
            errors.append(RowError(position, f"{where}: its date, title and body must be text."))
            continue
        if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
            errors.append(RowError(position, f"{where}: its tags must be a list of words."))
            continue
        when = parse_iso_date(date_text)
        if when is None:
            errors.append(RowError(position, f"{where}: {date_problem(date_text)}"))
            continue
        entry, row_errors = checked_entry(
            format="jrnl",
            where=where,
            line=position,
            date=when,
            content=entry_content(title, body),
            tags=[jrnl_tag(tag) for tag in tags],
            today=today,
        )
        errors.extend(row_errors)
        if entry:
            entries.append(entry)
    return ParseResult(number_repeats(entries), tuple(errors))
