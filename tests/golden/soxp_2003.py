"""What soxp-2003 produces from a fixed census on fixed dates: its eligibility report and its promise
letters (their HTML and their PDFs' text), for the golden files of tests/golden/soxp-2003/.

The same code made the golden files at commit 1038b91, before issue 15 (offers since 2009), and
`test_soxp_2003_golden.py` runs it again on the current code: soxp-2003 must produce the same bytes.
It uses only what both commits have: the fixture, the census import, the report writer, elections,
acceptance and the letters' own functions.

The census is fixtures/demo (the 2003 dates, unshifted): its employees cover each rule of the offer
(a lookback grant, an officer, a director, hires around the cut-off, grants around the threshold).
Each employee with an eligible grant tenders every eligible grant in full, five days after the opening.
"""

from __future__ import annotations

import io
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from pypdf import PdfReader

from soxp_portal.accounts.models import User
from soxp_portal.closing.actions import accept_tenders
from soxp_portal.closing.letters import LETTER_TEMPLATE, LETTER_TITLE, letter_documents, render_documents
from soxp_portal.closing.models import Tender
from soxp_portal.documents.rendering import render_html
from soxp_portal.offers.actions import submit_election
from soxp_portal.offers.census import import_census
from soxp_portal.offers.models import Employee, Offer
from soxp_portal.offers.reports import eligibility_rows, write_eligibility_report

GOLDEN = Path(__file__).resolve().parent / "soxp-2003"
CENSUS = Path(settings.BASE_DIR) / "fixtures" / "demo"
#: Employment is judged on the last day of the offer (soxp-2003 expires 2003-01-20, 9:00 pm Pacific).
JUDGED_ON = date(2003, 1, 20)
#: After the deadline: the offer is accepted then (the 2003 tests' AFTER_DEADLINE).
ACCEPTED_AT = datetime(2003, 1, 21, 6, 0, tzinfo=UTC)
#: The date printed on every letter.
ISSUED_ON = date(2003, 1, 21)


def load() -> Offer:
    """soxp-2003 and fixtures/demo's census, and every eligible grant tendered; the offer accepted."""
    call_command("loaddata", "soxp-2003", verbosity=0)
    offer = Offer.objects.get(slug="soxp-2003")
    with (CENSUS / "employees.csv").open("rb") as employees, (CENSUS / "grants.csv").open("rb") as grants:
        import_census(employees, grants, now=offer.opens_at)
    tendered: dict[str, dict[str, int]] = {}
    for employee_id, grant_id, eligible, _required, outstanding, *_ in eligibility_rows(offer, on=JUDGED_ON):
        if eligible == "true":
            tendered.setdefault(str(employee_id), {})[str(grant_id)] = int(str(outstanding))
    for employee_id, grants in sorted(tendered.items()):
        employee = Employee.objects.select_related("user").get(employee_id=employee_id)
        submit_election(
            offer,
            employee,
            grants,
            actor=employee.user,
            signature=employee.full_name,
            expected_version=0,
            submission_token=uuid.UUID(int=len(employee_id) * 1000 + sum(map(ord, employee_id))),
            now=offer.opens_at + timedelta(days=5),
        )
    admin = User.objects.create(email="golden-admin@example.com", is_staff=True)
    accept_tenders(offer, actor=admin, now=ACCEPTED_AT)
    return offer


def eligibility_csv(offer: Offer) -> bytes:
    out = io.StringIO(newline="")
    write_eligibility_report(offer, out, on=JUDGED_ON)
    return out.getvalue().encode()


def pdf_page_texts(pdf: bytes) -> str:
    """The PDF's text as pypdf extracts it, page by page, each page under a line naming it."""
    pages = PdfReader(io.BytesIO(pdf)).pages
    return "".join(f"--- page {number} ---\n{page.extract_text()}\n" for number, page in enumerate(pages, 1))


def produce() -> dict[str, bytes]:
    """Every golden file by its name: the report, then each letter's HTML and PDF text."""
    offer = load()
    files = {"eligibility.csv": eligibility_csv(offer)}
    tenders = list(
        Tender.objects.filter(offer=offer)
        .select_related("offer", "offer__new_option_plan", "employee")
        .order_by("employee__employee_id")
    )
    documents = letter_documents(tenders, issued_on=ISSUED_ON)
    for document, pdf in zip(documents, render_documents(documents), strict=True):
        # The letter's HTML as the batch renders it when it holds this one letter.
        context = {"letters": [document], "terms_pages": [document.terms], "title": LETTER_TITLE}
        files[f"letter-{document.employee_id}.html"] = render_html(LETTER_TEMPLATE, context).encode()
        files[f"letter-{document.employee_id}.pdf.txt"] = pdf_page_texts(pdf).encode()
    return files
