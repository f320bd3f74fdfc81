"""From bullets to a document (docs/reports.md): each kind's layout in Markdown, every bullet
followed by links to the entries it cites, and the HTML made from that Markdown through a
sanitizer. Pure functions: what goes in is what the entries said, escaped; nothing is added but
headings and links."""

import html
import io
import re
from dataclasses import dataclass
from datetime import date, timedelta

import docx
import markdown
import nh3
import weasyprint
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

# Characters that make Markdown anywhere in a line, and what makes a list or heading at its start.
MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#!|>~])")
LIST_BULLET_START = re.compile(r"^([-+])")
LIST_NUMBER_START = re.compile(r"^(\d+)([.)])")
RESUME_BULLETS = 12
ALLOWED_TAGS = {"h1", "h2", "h3", "p", "ul", "ol", "li", "a", "em", "strong", "code", "br"}


@dataclass(frozen=True)
class Bullet:
    entry_id: int
    date: date
    project: str
    text: str


def escaped(text: str) -> str:
    """The text as written, whatever Markdown or HTML it looks like (`<` and `&` as entities, which
    Markdown passes through and every reader shows as the characters)."""
    text = " ".join(text.split()).replace("&", "&amp;").replace("<", "&lt;")
    text = MARKDOWN_SPECIAL.sub(r"\\\1", text)
    return LIST_NUMBER_START.sub(r"\1\\\2", LIST_BULLET_START.sub(r"\\\1", text))


def cited(bullet: Bullet, entry_url) -> str:
    return f"- {escaped(bullet.text)} ([{bullet.date.isoformat()}]({entry_url(bullet.entry_id)}))"


def has_figure(text: str) -> bool:
    return any(ch.isdigit() for ch in text)


def sections(kind: str, bullets: list[Bullet]) -> list[tuple[str, list[Bullet]]]:
    """The kind's headings, each with its bullets (oldest first within a heading)."""
    ordered = sorted(bullets, key=lambda bullet: (bullet.date, bullet.entry_id))
    if kind == "brag":
        projects = sorted({bullet.project for bullet in ordered if bullet.project}, key=str.lower)
        parts = [(project, [b for b in ordered if b.project == project]) for project in projects]
        other = [b for b in ordered if not b.project]
        return parts + ([("Other work", other)] if other else [])
    if kind == "self_assessment":
        delivered = [b for b in ordered if has_figure(b.text)]
        return [
            ("What I delivered", delivered),
            ("How I worked", [b for b in ordered if not has_figure(b.text)]),
        ]
    if kind == "resume_bullets":
        strongest = sorted(ordered, key=lambda b: (not has_figure(b.text), -len(b.text), b.date))[
            :RESUME_BULLETS
        ]
        return [("Bullets", strongest)]
    if kind == "weekly_status":
        weeks: dict[date, list[Bullet]] = {}
        for bullet in ordered:
            weeks.setdefault(bullet.date - timedelta(days=bullet.date.weekday()), []).append(bullet)
        return [(f"Week of {monday.isoformat()}", items) for monday, items in sorted(weeks.items())]
    raise ValueError(f"Unknown report kind {kind!r}.")


def compose(*, kind: str, title: str, bullets: list[Bullet], entry_url) -> tuple[str, list[dict], list[dict]]:
    """The document in Markdown, its citations (per bullet, the entries it stands on) and its
    outline (headings and bullets, for the DOCX)."""
    lines = [f"# {escaped(title)}", ""]
    citations = []
    outline = []
    parts = [(heading, items) for heading, items in sections(kind, bullets) if items]
    if not parts:
        lines.append("No entries in this range match the filters.")
    for heading, items in parts:
        lines += [f"## {escaped(heading)}", ""]
        section = {"heading": heading, "bullets": []}
        for bullet in items:
            lines.append(cited(bullet, entry_url))
            citations.append({"text": bullet.text, "entries": [bullet.entry_id]})
            section["bullets"].append(
                {"text": bullet.text, "date": bullet.date.isoformat(), "url": entry_url(bullet.entry_id)}
            )
        outline.append(section)
        lines.append("")
    return "\n".join(lines).rstrip() + "\n", citations, outline


def to_docx(*, title: str, outline: list[dict]) -> bytes:
    """The document as DOCX: the title, a heading per section, a bullet per entry with the entry's
    date linked to its page."""
    document = docx.Document()
    document.add_heading(title, level=0)
    if not outline:
        document.add_paragraph("No entries in this range match the filters.")
    for section in outline:
        document.add_heading(section["heading"], level=1)
        for bullet in section["bullets"]:
            paragraph = document.add_paragraph(style="List Bullet")
            paragraph.add_run(f"{bullet['text']} (")
            _hyperlink(paragraph, bullet["url"], bullet["date"])
            paragraph.add_run(")")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _hyperlink(paragraph, url: str, text: str) -> None:
    """python-docx reads hyperlinks but has no call to add one: the run goes inside a w:hyperlink
    element tied to an external relationship."""
    relationship = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), relationship)
    run = OxmlElement("w:r")
    properties = OxmlElement("w:rPr")
    style = OxmlElement("w:rStyle")
    style.set(qn("w:val"), "Hyperlink")
    properties.append(style)
    run.append(properties)
    content = OxmlElement("w:t")
    content.text = text
    run.append(content)
    link.append(run)
    paragraph._p.append(link)


def body_html(text: str) -> str:
    """The Markdown as sanitized HTML: only headings, lists, paragraphs, emphasis and http(s)
    links survive; nothing runs."""
    return nh3.clean(
        markdown.markdown(text, output_format="html"),
        tags=ALLOWED_TAGS,
        attributes={"a": {"href"}},
        url_schemes={"http", "https"},
    )


def report_body_html(report) -> str:
    return body_html(report.markdown)


def to_html(*, title: str, text: str) -> str:
    """A whole HTML document from the Markdown, sanitized: only headings, lists, paragraphs,
    emphasis and links (http, https) survive; links open as links, nothing runs."""
    body = body_html(text)
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>"
        '<style>body{font-family:"DejaVu Sans",sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;'
        "line-height:1.5}"
        "a{color:#0b5ed7}</style></head>\n"
        f"<body>\n{body}\n</body></html>\n"
    )


def refuse_fetching(url: str, *args, **kwargs):
    """The PDF renderer fetches nothing: the sanitized HTML has no images or stylesheets to load,
    and a report must never reach out to an address found in an entry."""
    raise ValueError(f"Reports load no resources ({url}).")


def to_pdf(document_html: str) -> bytes:
    """The report's HTML document as a PDF (WeasyPrint: docs/decisions.md), links kept as links,
    in DejaVu Sans (installed with the system packages, README)."""
    return weasyprint.HTML(string=document_html, url_fetcher=refuse_fetching).write_pdf()
