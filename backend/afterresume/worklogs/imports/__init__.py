"""Importing a person's history (CSV, Markdown, jrnl, git log) into work-log entries."""

from .parsers import (
    CSV_TEMPLATE,
    FORMATS,
    GIT_LOG_COMMAND,
    ImportedEntry,
    ParseResult,
    RowError,
    parse,
)

__all__ = ["CSV_TEMPLATE", "FORMATS", "GIT_LOG_COMMAND", "ImportedEntry", "ParseResult", "RowError", "parse"]
