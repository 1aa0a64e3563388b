"""HTML templates to PDF with WeasyPrint, without ever touching the network.

Every document is a Django template rendered to HTML and laid out by WeasyPrint. WeasyPrint fetches the
resources a document names (stylesheets, images) through a URL fetcher; the default one would follow any
``http://`` or ``file://`` address, so an employee's name that smuggled in markup, or a careless template,
could make the server read local files or call out. The fetcher here serves only our own static files,
found through ``django.contrib.staticfiles`` finders, and refuses everything else loudly.

Letters are made by the thousand, so the costly parts are built once per process: the font
configuration and the document stylesheet, parsed once and reused by every render.
"""

from __future__ import annotations

import logging
import mimetypes
import posixpath
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

#: The origin documents are rendered against. ``.invalid`` is reserved (RFC 2606) and never resolves:
#: it only gives relative URLs in a template something to be joined to, and the fetcher serves it
#: from the static files on disk.
DOCUMENT_ORIGIN = "https://documents.soxp.invalid"

#: The print stylesheet every document gets, as a path under the static files.
DOCUMENT_STYLESHEET = "documents/print.css"


#: WeasyPrint narrates each rendering step ("Step 5 - Creating layout") at INFO, seven lines a
#: document: 70,000 lines of noise for a run of letters. Quieted unless the settings set a level.
_progress_logger = logging.getLogger("weasyprint.progress")
if _progress_logger.level == logging.NOTSET:
    _progress_logger.setLevel(logging.WARNING)


class RefusedURL(ValueError):
    """A document asked for something other than one of our static files."""


def _static_prefix() -> str:
    """STATIC_URL as a path ("/static/"), whether settings spell it "static/" or "/static/"."""
    return "/" + settings.STATIC_URL.strip("/") + "/"


def static_path_for(url: str) -> str:
    """The static file path ("documents/print.css") that `url` names, or RefusedURL.

    Accepted: a URL on DOCUMENT_ORIGIN under STATIC_URL (what WeasyPrint makes of ``/static/...`` and of
    relative URLs), a bare ``/static/...`` path, or a relative path, taken under the static files.
    Refused: any other scheme or host (``http://example.com``, ``file:///etc/passwd``, ``data:``), paths
    outside STATIC_URL, and anything that climbs out with "..".
    """
    parts = urlsplit(url)
    origin = urlsplit(DOCUMENT_ORIGIN)
    is_ours = (parts.scheme, parts.netloc) in {("", ""), (origin.scheme, origin.netloc)}
    if not is_ours:
        raise RefusedURL(f"Documents may only use the portal's own static files, not {url!r}.")
    path = unquote(parts.path)
    prefix = _static_prefix()
    if path.startswith(prefix):
        relative = path.removeprefix(prefix)
    elif path.startswith("/") or parts.netloc:
        raise RefusedURL(f"{url!r} is not under the static files ({prefix}).")
    else:
        relative = path
    normalised = posixpath.normpath(relative)
    if normalised in {"", "."} or normalised.startswith(("../", "/")) or normalised == "..":
        raise RefusedURL(f"{url!r} does not name a static file.")
    return normalised


class StaticFilesFetcher(URLFetcher):
    """WeasyPrint's fetcher, reduced to our static files: nothing is ever fetched over the network.

    ``fail_on_errors`` makes a refused or missing resource stop the render instead of producing a PDF
    without its stylesheet: a document that silently lost its layout would be worse than an error.
    """

    def __init__(self) -> None:
        super().__init__(fail_on_errors=True, allowed_protocols=())

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        relative = static_path_for(url)
        found = finders.find(relative)
        if not found:
            raise RefusedURL(f"No static file {relative!r} (asked for {url!r}).")
        content_type = mimetypes.guess_type(relative)[0] or "application/octet-stream"
        return URLFetcherResponse(
            f"{DOCUMENT_ORIGIN}{_static_prefix()}{relative}",
            Path(found).read_bytes(),
            {"Content-Type": content_type},
        )


#: One fetcher and one font configuration for the whole process. Font discovery through fontconfig is
#: the slowest part of a first render; reusing the configuration keeps later renders fast.
url_fetcher = StaticFilesFetcher()
font_config = FontConfiguration()


@cache
def document_stylesheet() -> CSS:
    """The print stylesheet, parsed once per process (10,000 letters must not parse it 10,000 times)."""
    return CSS(
        url=f"{DOCUMENT_ORIGIN}{_static_prefix()}{DOCUMENT_STYLESHEET}",
        url_fetcher=url_fetcher,
        font_config=font_config,
    )


def render_html(template_name: str, context: dict[str, Any]) -> str:
    """The document's HTML, kept separate so a test or a preview can look at it without WeasyPrint."""
    return render_to_string(template_name, context)


def render_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    """Renders a Django template to a PDF, with the document stylesheet and only our static files.

    The base URL is the static prefix on DOCUMENT_ORIGIN, so a relative URL in a template
    ("documents/logo.png") and an absolute path ("/static/documents/logo.png") name the same file.
    """
    html = HTML(
        string=render_html(template_name, context),
        base_url=f"{DOCUMENT_ORIGIN}{_static_prefix()}",
        url_fetcher=url_fetcher,
    )
    return html.write_pdf(stylesheets=[document_stylesheet()], font_config=font_config)
