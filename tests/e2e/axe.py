"""axe-core in the browser tests: each page checked against WCAG 2.1 A and AA as the portal serves it.

axe-core comes from the npm registry, pinned in package.json and installed by ``make test`` (npm ci)
into node_modules/. It is injected through the DevTools protocol (``page.evaluate``), which the page's
Content Security Policy does not govern, so the pages are checked with their policy on; a
``<script>`` tag would be refused by it (tests/e2e/test_accessibility_auditor.py shows both).
"""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Page

AXE_SCRIPT = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
#: The impacts a page must be free of.
BLOCKING = ("serious", "critical")
#: A wide screen and a phone.
WIDTHS = (1280, 375)

_RUN = """(tags) => axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"],
})"""


@cache
def axe_source() -> str:
    if not AXE_SCRIPT.exists():
        pytest.fail(
            f"axe-core is not installed ({AXE_SCRIPT} is missing): `make test` installs it with npm ci."
        )
    return AXE_SCRIPT.read_text(encoding="utf-8")


def inject_axe(page: Page) -> None:
    """Puts axe on the page shown, once per document."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())


@dataclass(frozen=True)
class Violation:
    """One rule broken on one page, with what a developer needs to find and fix it."""

    where: str  # the page and the width
    rule: str
    impact: str
    help: str
    help_url: str
    targets: tuple[str, ...]  # CSS selectors of the failing elements
    summary: str  # axe's "fix any/all of the following" for the first element

    def __str__(self) -> str:
        elements = "\n".join(f"      {target}" for target in self.targets)
        summary = self.summary.replace("\n", "\n      ")
        return (
            f"{self.where}: {self.rule} ({self.impact}) {self.help}\n"
            f"    {self.help_url}\n    elements:\n{elements}\n    first element: {summary}"
        )


def violations(page: Page, where: str) -> list[Violation]:
    """The serious and critical WCAG 2.1 A/AA violations on the page as it is now."""
    inject_axe(page)
    result = page.evaluate(_RUN, list(WCAG_21_AA))
    return [
        Violation(
            where=where,
            rule=found["id"],
            impact=found["impact"],
            help=found["help"],
            help_url=found["helpUrl"],
            targets=tuple(" ".join(str(part) for part in node["target"]) for node in found["nodes"]),
            summary=found["nodes"][0].get("failureSummary", ""),
        )
        for found in result["violations"]
        if found["impact"] in BLOCKING
    ]


def open_menu(page: Page) -> None:
    """On a narrow screen the menu hides behind its toggler: opens it, so that its links are checked too."""
    toggler = page.locator(".navbar-toggler")
    if toggler.count() and toggler.is_visible() and toggler.get_attribute("aria-expanded") != "true":
        toggler.click()
        page.locator("#main-nav.collapse.show").wait_for()


class Audit:
    """Checks each page of a journey at both widths and keeps every violation for one report."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.checked: list[str] = []
        self.found: list[Violation] = []

    def check(self, name: str) -> None:
        for width in WIDTHS:
            self.page.set_viewport_size({"width": width, "height": 900})
            open_menu(self.page)
            where = f"{name} at {width} px ({self.page.url})"
            self.found += violations(self.page, where)
            self.checked.append(where)
        # The next page starts wide again, as a desktop browser would show it.
        self.page.set_viewport_size({"width": WIDTHS[0], "height": 900})

    def assert_clean(self, *, pages: int) -> None:
        """Every one of `pages` pages was checked at both widths, and none had a violation."""
        assert len(self.checked) == len(WIDTHS) * pages
        assert not self.found, self.report()

    def report(self) -> str:
        found = "\n".join(str(violation) for violation in self.found)
        return f"{len(self.found)} serious or critical violations on {len(self.checked)} page views:\n{found}"
