"""soxp-2003's exports, byte for byte as they were before issue 15 (bands, RSUs, grants at the close).

The golden files under ``golden/soxp-2003`` were written by this test at commit 1038b91, the last
commit before issue 15 touched any code (``WRITE_GOLDEN=1``, see below). Every CSV and JSON file the
exports page gives for the whole close of the export scenario (tests/exports/conftest.py) must come out
the same today: a flat offer of options granted after a gap is worded and laid out as it always was.
The XLSX files hold the same rows as the CSV files (tests/exports/test_exports_views.py). Election
confirmation numbers are random, so the elections file is compared with them masked.
"""

import os
import re
from pathlib import Path

import pytest
from django.urls import reverse

from soxp_portal.closing.exports.catalogue import EXPORTS

GOLDEN = Path(__file__).parent / "golden" / "soxp-2003"
#: An election's confirmation number is drawn at random when it is made, so it is compared as a placeholder.
CONFIRMATION = re.compile(rb"\b[0-9A-Z]{5}-[0-9A-Z]{5}\b")
FILES = [(export.key, fmt) for export in EXPORTS for fmt in export.formats if fmt != "xlsx"]


def download(client, offer, key: str, fmt: str) -> bytes:
    response = client.post(reverse("console:export-download", args=[offer.slug, key, fmt]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


@pytest.mark.parametrize(("key", "fmt"), FILES)
def test_soxp_2003_exports_are_byte_for_byte_as_before_issue_15(admin_client, closed, key, fmt):
    content = download(admin_client, closed.offer, key, fmt)
    path = GOLDEN / f"{key}.{fmt}"
    if os.environ.get("WRITE_GOLDEN") == "1":
        GOLDEN.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    golden = path.read_bytes()
    assert CONFIRMATION.sub(b"#####-#####", content) == CONFIRMATION.sub(b"#####-#####", golden)
    if key != "elections":
        assert content == golden
