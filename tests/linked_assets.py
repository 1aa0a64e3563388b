"""The static files a page links to, read from its HTML (tests/test_static_files.py, tests/test_make_run.py)."""

from html.parser import HTMLParser

#: What base.html links on every page; the employee pages add js/portal.js.
BASE_ASSETS = frozenset(
    {
        "/static/vendor/bootstrap/bootstrap.min.css",
        "/static/css/portal.css",
        "/static/vendor/bootstrap/bootstrap.bundle.min.js",
    }
)
PORTAL_ASSETS = BASE_ASSETS | {"/static/js/portal.js"}


class _LinkedAssets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attribute = {"link": "href", "script": "src", "img": "src"}.get(tag)
        url = dict(attrs).get(attribute) if attribute else None
        if url and not url.startswith("data:"):
            self.urls.append(url)


def linked_assets(html: str) -> list[str]:
    """The URLs of the page's ``<link href>``, ``<script src>`` and ``<img src>`` (inline data: URLs aside)."""
    parser = _LinkedAssets()
    parser.feed(html)
    return parser.urls
