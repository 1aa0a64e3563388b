"""render_pdf and its URL fetcher: our static files only, never the network or the local disk."""

import io

import pytest
from pypdf import PdfReader
from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError

from soxp_portal.documents import rendering
from soxp_portal.documents.rendering import (
    DOCUMENT_ORIGIN,
    RefusedURL,
    document_stylesheet,
    render_pdf,
    static_path_for,
    url_fetcher,
)


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com",
        "https://example.com/static/documents/print.css",
        "file:///etc/passwd",
        "file:///work/main/static/documents/print.css",
        "data:text/css,body{color:red}",
        "ftp://example.com/x.css",
        "/etc/passwd",
        "/static/../soxp_portal/settings.py",
        "/static/documents/%2e%2e/%2e%2e/soxp_portal/settings.py",
        "../soxp_portal/settings.py",
        f"{DOCUMENT_ORIGIN}/media/letters/1.pdf",
        "//example.com/static/documents/print.css",
    ],
)
def test_fetcher_refuses_anything_but_our_static_files(url: str) -> None:
    with pytest.raises(RefusedURL):
        url_fetcher(url)


def test_fetcher_refuses_a_static_file_that_does_not_exist() -> None:
    with pytest.raises(RefusedURL, match="No static file"):
        url_fetcher("/static/documents/missing.css")


@pytest.mark.parametrize(
    "url",
    [
        "/static/documents/print.css",
        "documents/print.css",
        f"{DOCUMENT_ORIGIN}/static/documents/print.css",
    ],
)
def test_fetcher_serves_our_print_stylesheet(url: str) -> None:
    response = url_fetcher(url)
    try:
        assert response.content_type == "text/css"
        assert b"@page" in response.read()
    finally:
        response.close()


def test_static_paths_are_normalised() -> None:
    assert static_path_for("/static/documents/./print.css") == "documents/print.css"
    assert static_path_for("/static/documents/x/../print.css") == "documents/print.css"


@pytest.mark.parametrize(
    "markup",
    [
        '<link rel="stylesheet" href="http://example.com/evil.css">',
        '<img src="file:///etc/passwd">',
        '<img src="https://example.com/tracker.png">',
    ],
)
def test_a_document_asking_for_outside_resources_fails_to_render(markup: str) -> None:
    """The fetcher fails the render: a document never silently goes out to the network or the disk."""
    html = HTML(
        string=f"<p>Hello</p>{markup}", base_url=f"{DOCUMENT_ORIGIN}/static/", url_fetcher=url_fetcher
    )
    with pytest.raises(FatalURLFetchingError):
        html.write_pdf()


def test_render_pdf_uses_the_restricted_fetcher(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        rendering, "render_html", lambda name, context: '<img src="http://example.com/x.png"><p>x</p>'
    )
    with pytest.raises(FatalURLFetchingError):
        render_pdf("documents/election.html", {})


def test_render_pdf_makes_a_letter_sized_pdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        rendering,
        "render_html",
        lambda name, context: '<link rel="stylesheet" href="/static/documents/print.css"><p>Hello, SOXP</p>',
    )
    pdf = render_pdf("documents/election.html", {})
    assert pdf.startswith(b"%PDF")
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert (float(page.mediabox.width), float(page.mediabox.height)) == (612, 792)  # 8.5 x 11 in
    assert "Hello, SOXP" in page.extract_text()


def test_the_stylesheet_is_parsed_once_per_process() -> None:
    assert document_stylesheet() is document_stylesheet()
