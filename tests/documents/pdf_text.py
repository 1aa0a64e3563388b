"""Reading a PDF back as the tests check it: its text, whitespace folded, and its pages."""

import io

from pypdf import PdfReader


def pdf_pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def pdf_text(pdf: bytes) -> str:
    """Every page's text on one line, so a phrase wrapped by the layout still matches."""
    return " ".join(" ".join(pdf_pages(pdf)).split())
