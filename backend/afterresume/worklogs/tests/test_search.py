"""The search box's syntax (quoted phrase, -exclusion, or) on the embedded default's database. The
backend tests run on PostgreSQL, whose full text answers the API; the filter used on SQLite is
plain Django lookups, so it is proven here on the same rows and against PostgreSQL's answers (the
browser tests run it on SQLite itself, through the run command)."""

import pytest

from afterresume.worklogs.models import WorkLog
from afterresume.worklogs.search import Term, websearch_filter, websearch_parse

SEARCHED_FIELDS = ("content", "employer", "project")


@pytest.mark.parametrize(
    ("query", "clauses"),
    [
        ("deploy", [[Term("deploy")]]),
        ("quarterly report", [[Term("quarterly")], [Term("report")]]),
        ('"quarterly   report"', [[Term("quarterly report")]]),
        ('"unclosed phrase', [[Term("unclosed phrase")]]),
        ("report -late", [[Term("report")], [Term("late", is_excluded=True)]]),
        ('-"late report" draft', [[Term("late report", is_excluded=True)], [Term("draft")]]),
        ("deploy or checklist", [[Term("deploy"), Term("checklist")]]),
        ("a b OR c", [[Term("a")], [Term("b"), Term("c")]]),
        ("-late or draft", [[Term("late", is_excluded=True), Term("draft")]]),
        ("or deploy or", [[Term("deploy")]]),
        ("report, (draft) - ", [[Term("report")], [Term("draft")]]),
        ('"" -', []),
    ],
)
def test_the_web_search_syntax_is_parsed_into_clauses_of_alternatives(query, clauses):
    assert websearch_parse(query) == clauses


# The same searches as test_search_is_postgresql_full_text_with_stemming_and_web_syntax, less the
# two that need stemming.
@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("deploy", ["Deployed the service to production"]),
        ('"quarterly report"', ["Wrote the quarterly report"]),
        (
            "quarterly report",
            ["The report was late: quarterly numbers missing", "Wrote the quarterly report"],
        ),
        ("report -late", ["Wrote the quarterly report"]),
        ('report -"was late"', ["Wrote the quarterly report"]),
        ("initech", ["Wrote the quarterly report"]),
        ("Atlas", ["Wrote the quarterly report"]),
        ("acme production", ["Deployed the service to production"]),
        (
            "deploy or checklist",
            ["Reviewed the release checklist with the team", "Deployed the service to production"],
        ),
        ("-report", ["Reviewed the release checklist with the team", "Deployed the service to production"]),
        ("kubernetes", []),
    ],
)
def test_the_embedded_defaults_search_finds_what_postgresql_finds(
    owner, owner_client, searchable_entries, search, expected
):
    found = WorkLog.objects.filter(websearch_filter(search, fields=SEARCHED_FIELDS)).order_by("-date")
    full_text = owner_client.get("/api/worklogs/", {"search": search})

    assert [entry.content for entry in found] == expected
    assert [item["content"] for item in full_text.json()["results"]] == expected
