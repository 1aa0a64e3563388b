"""Many documents laid out as one WeasyPrint document, written once and cut into one PDF each.

WeasyPrint has a cost per document besides its cost per page and line: building the document, the
stylesheet's cascade set-up, and writing a file (fonts subset, objects numbered). Documents made by the
thousand (promise-to-grant letters, election confirmations) are therefore laid out together: each is a
section of one HTML document that starts a page of its own and carries an anchor (its ``id``), the batch
is written once, and pikepdf (qpdf) cuts the written file into one PDF per document by the pages each
section's anchor starts. A cut file keeps only the objects its own pages use: its text, and the batch's
font subsets (glyph shapes, no one else's text).

The promise-to-grant letters (``closing.letters``) add an underlay (the offer's shared first-page text,
drawn under each letter's first page) and a shared last page; the election forms
(``documents.elections``) are cut plainly.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

import pikepdf
from weasyprint import CSS, HTML
from weasyprint.document import Document

from soxp_portal.documents.rendering import DOCUMENT_ORIGIN, document_stylesheet, font_config, url_fetcher


def layout(html: str, *extra: CSS) -> Document:
    """Lays out a batch's HTML with the document stylesheet (and `extra`), only our static files."""
    document = HTML(string=html, base_url=f"{DOCUMENT_ORIGIN}/static/", url_fetcher=url_fetcher)
    return document.render(stylesheets=[document_stylesheet(), *extra], font_config=font_config)


def anchored_starts(rendered: Document, prefix: str) -> dict[str, int]:
    """The page number where each anchor starting with `prefix` lies, keyed by the rest of its name."""
    starts: dict[str, int] = {}
    for number, page in enumerate(rendered.pages):
        for anchor in page.anchors:
            if anchor.startswith(prefix):
                starts.setdefault(anchor.removeprefix(prefix), number)
    return starts


def section_pages(starts: Iterable[int], total: int) -> dict[int, range]:
    """Each section's pages, from its first page to the next section's first page (or the end)."""
    ordered = sorted({*starts, total})
    return {start: range(start, end) for start, end in pairwise(ordered)}


@dataclass(frozen=True)
class Cut:
    """One document's pages in the written batch, in order, and its PDF's metadata."""

    pages: tuple[int, ...]
    title: str
    author: str
    #: A page of the batch drawn under the cut's first page (as a form XObject, so its text stays text).
    underlay: int | None = None


def split_pdf(pdf: bytes, cuts: Sequence[Cut]) -> list[bytes]:
    """Cuts a written batch into one PDF per cut.

    Writing the batch once and cutting the file is cheaper than writing a copy of the document per
    cut (``Document.copy(pages).write_pdf()``), which draws shared pages and subsets the fonts again
    for every one.
    """
    parts = []
    with pikepdf.open(io.BytesIO(pdf)) as batch:
        underlays = {
            number: batch.make_indirect(batch.pages[number].as_form_xobject())
            for number in {cut.underlay for cut in cuts if cut.underlay is not None}
        }
        for cut in cuts:
            with pikepdf.new() as out:
                for number in cut.pages:
                    out.pages.append(batch.pages[number])
                if cut.underlay is not None:
                    out.pages[0].add_underlay(out.copy_foreign(underlays[cut.underlay]))
                out.docinfo = out.make_indirect(
                    pikepdf.Dictionary(
                        Title=cut.title, Author=cut.author, Creator="SOXP Portal", Producer="WeasyPrint"
                    )
                )
                buffer = io.BytesIO()
                out.save(buffer)
                parts.append(buffer.getvalue())
    return parts
