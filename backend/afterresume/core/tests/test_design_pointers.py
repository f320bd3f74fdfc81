"""The design is written down inside the repository, in docs/. No tracked file may point at the
sections of a design document that the repository does not hold ("DESIGN" followed by a section
sign); comments point into docs/ instead, and every docs/ page they name exists. CHANGE_LOG.md is
history and keeps its wording.

STILL_POINTING lists what may still carry old pointers. It only shrinks: an entry whose pointers
are gone fails the second test until it is taken off the list."""

import re
import subprocess
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[4]
# Escaped, so that this file does not count as a pointer itself.
OLD_POINTER = "DESIGN \u00a7".encode()
HISTORY = {"CHANGE_LOG.md"}
STILL_POINTING: set[str] = set()
DOCS_POINTER = re.compile(rb"(?<![\w/.-])docs/([\w-]+\.md)")


def tracked_files() -> dict[str, bytes]:
    """Every file git tracks that is present in the working tree, by path."""
    listing = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPOSITORY, capture_output=True, check=True
    ).stdout.decode()
    files = {}
    for name in filter(None, listing.split("\0")):
        path = REPOSITORY / name
        if path.is_file():
            files[name] = path.read_bytes()
    return files


def files_with_old_pointers() -> list[str]:
    return sorted(
        name for name, content in tracked_files().items() if OLD_POINTER in content and name not in HISTORY
    )


def test_no_file_points_at_a_design_document_outside_the_repository():
    # when
    pointing = files_with_old_pointers()

    # then
    outside_the_allow_list = [name for name in pointing if name not in STILL_POINTING]
    assert outside_the_allow_list == []


def test_every_file_allowed_to_point_still_does():
    pointing = files_with_old_pointers()

    cleaned_but_still_listed = sorted(STILL_POINTING - set(pointing))

    assert cleaned_but_still_listed == []


def test_every_docs_page_a_file_points_at_exists():
    # given
    named = {
        (name, page.decode())
        for name, content in tracked_files().items()
        if name not in HISTORY
        for page in DOCS_POINTER.findall(content)
    }

    # then
    missing = sorted((name, page) for name, page in named if not (REPOSITORY / "docs" / page).is_file())
    assert missing == []
