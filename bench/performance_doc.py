"""Writes one benchmark's section of docs/performance.md, between that benchmark's markers."""

from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "performance.md"


def write_section(text: str, *, begin: str, end: str) -> None:
    """Replaces the text between `begin` and `end` (markers included in `text`), or appends it."""
    current = DOC.read_text() if DOC.exists() else ""
    if begin in current:
        current = current[: current.index(begin)] + text + current[current.index(end) + len(end) :]
    else:
        current += "\n" + text + "\n"
    DOC.write_text(current)
