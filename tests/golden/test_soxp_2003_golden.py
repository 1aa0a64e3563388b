"""soxp-2003 produces exactly what it produced before issue 15 (offers since 2009), byte for byte.

The golden files in tests/golden/soxp-2003/ were made at commit 1038b91 (before any issue 15 code) by
`soxp_2003.produce()`, with `SOXP_WRITE_GOLDEN=1 pytest tests/golden`. Compared byte for byte:

- eligibility.csv: the whole eligibility report of fixtures/demo's census, judged on 2003-01-20;
- letter-<employee>.html: each promise letter's whole HTML (its own part, its offer's static text and
  its terms page), issued on 2003-01-21;
- letter-<employee>.pdf.txt: the text of each letter's PDF, page by page, as pypdf extracts it.

The PDF's own bytes are not compared: WeasyPrint and pikepdf write its creation date and a random
document /ID into it, which differ at every run; its text, page breaks included, is what a reader sees.
"""

from __future__ import annotations

import os

import pytest

from tests.golden.soxp_2003 import GOLDEN, produce

pytestmark = pytest.mark.django_db


def test_soxp_2003_report_and_letters_are_unchanged_byte_for_byte() -> None:
    produced = produce()
    if os.environ.get("SOXP_WRITE_GOLDEN") == "1":  # only when making the golden files, by hand
        GOLDEN.mkdir(exist_ok=True)
        for name, content in produced.items():
            (GOLDEN / name).write_bytes(content)
    golden = {path.name: path.read_bytes() for path in sorted(GOLDEN.iterdir())}
    assert sorted(produced) == sorted(golden), "a letter appeared or disappeared"
    assert len(golden) >= 3, "the report and at least one letter"
    for name, content in golden.items():
        assert produced[name] == content, f"{name} differs from the golden file made before issue 15"
