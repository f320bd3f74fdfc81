"""A report's Markdown shows what entries say, never what it looks like in Markdown; its HTML
keeps only harmless tags."""

from datetime import date

from afterresume.reports.compose import Bullet, compose, to_html


def url(entry_id: int) -> str:
    return f"https://app.example/entries/{entry_id}/"


def test_markdown_in_an_entry_is_text_in_the_report_and_nothing_in_the_html_runs():
    bullets = [
        Bullet(
            1, date(2026, 11, 2), "", "[win](javascript:alert(1)) and **bold** <img src=x onerror=alert(1)>"
        ),
        Bullet(2, date(2026, 11, 3), "", "1. not a list"),
        Bullet(3, date(2026, 11, 4), "", "- not a nested item"),
    ]

    text, citations, _ = compose(kind="resume_bullets", title="Mine", bullets=bullets, entry_url=url)
    page = to_html(title="Mine", text=text)

    assert [citation["entries"] for citation in citations] == [[1], [2], [3]]
    assert '<a href="javascript' not in page and "<img" not in page and "<strong>" not in page
    assert "[win](javascript:alert(1)) and **bold** &lt;img src=x onerror=alert(1)&gt;" in page
    assert "<li>1. not a list" in page and "<li>- not a nested item" in page
    assert page.count("<li>") == 3
    assert '<a href="https://app.example/entries/2/" rel="noopener noreferrer">2026-11-03</a>' in page


def test_a_range_without_entries_says_so():
    text, citations, _ = compose(kind="brag", title="Empty", bullets=[], entry_url=url)

    assert citations == []
    assert text == "# Empty\n\nNo entries in this range match the filters.\n"
