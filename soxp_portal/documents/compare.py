"""The Compare page's analysis as a PDF to take away, from the very context the page renders.

The view builds one context (``portal.pages.compare_context``, with its single ``ComparePage``) and
this module lays it out with WeasyPrint through the same partial the page uses
(``portal/_compare_analysis.html``), so every figure in the PDF is the page's. Charts stay inline SVG,
which WeasyPrint draws as vector graphics, each with its table beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from soxp_portal.documents.rendering import render_html, render_pdf
from soxp_portal.offers.models import Employee, Offer
from soxp_portal.rules.wording import format_instant

TEMPLATE = "documents/compare.html"
TITLE = "Keeping or Exchanging: Your Analysis"


@dataclass(frozen=True)
class CompareDocument:
    """The masthead of the PDF (``documents/_header.html``)."""

    title: str
    company: str
    offer_name: str
    reference: str
    subtitle: str
    filename: str


def compare_document(offer: Offer, employee: Employee, *, now: datetime) -> CompareDocument:
    return CompareDocument(
        title=TITLE,
        company=offer.company_name,
        offer_name=offer.name,
        reference=f"{employee.employee_id} · Compare",
        subtitle=f"Prepared for {employee.first_name} {employee.last_name} on "
        f"{format_instant(now, offer.zone)}, with the assumptions shown. An illustration, not advice.",
        filename=f"compare-{offer.slug}-{employee.employee_id}.pdf",
    )


def _document_context(context: dict[str, Any], document: CompareDocument) -> dict[str, Any]:
    return {**context, "document": document, "for_print": True}


def compare_html(context: dict[str, Any], document: CompareDocument) -> str:
    """The PDF's HTML, for tests and previews that need no WeasyPrint."""
    return render_html(TEMPLATE, _document_context(context, document))


def render_compare(context: dict[str, Any], document: CompareDocument) -> bytes:
    """The PDF of the page's own context (``compare_context``)."""
    return render_pdf(TEMPLATE, _document_context(context, document))
